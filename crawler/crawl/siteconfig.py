"""The site file: what to crawl and how to read its pages, as one validated value.

A site is described in TOML (see docs/crawl.md) so adding a marketplace needs no code. Every
mistake in the file is a ``SiteConfigError`` naming the file and the key, raised before any
request is made: a typo must not turn into a crawl that silently extracts nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import parsel

#: Selectors a site must give: without them there is no listing to analyse.
REQUIRED_SELECTORS = ("listing_links", "title", "image_urls")
OPTIONAL_SELECTORS = (
    "next_page", "price", "category", "seller_name", "seller_link", "seller_credit_code",
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_SPACE = re.compile(r"\s+")
_PROBE = parsel.Selector(text="<html><body></body></html>")


class SiteConfigError(ValueError):
    """The site file is unreadable or wrong; the message is one line naming file and key."""


@dataclass(frozen=True)
class Selector:
    """A CSS selector, or an XPath expression when written with the ``xpath:`` prefix."""

    expression: str
    kind: Literal["css", "xpath"] = "css"

    @classmethod
    def parse(cls, text: str) -> Selector:
        """Read ``text``; raises ValueError when it does not compile."""
        if text.startswith("xpath:"):
            selector = cls(text.removeprefix("xpath:").strip(), "xpath")
        else:
            selector = cls(text.strip(), "css")
        if not selector.expression:
            raise ValueError("empty selector")
        try:
            selector.select(_PROBE)
        except Exception as exc:  # noqa: BLE001 - cssselect and lxml raise several types
            raise ValueError(str(exc).strip().splitlines()[0] or type(exc).__name__) from None
        return selector

    def select(self, page: parsel.Selector) -> parsel.SelectorList[parsel.Selector]:
        if self.kind == "xpath":
            return page.xpath(self.expression)
        return page.css(self.expression)

    def values(self, page: parsel.Selector) -> list[str]:
        """Every match, whitespace-trimmed, empty ones dropped (links, image sources)."""
        return [v.strip() for v in self.select(page).getall() if v and v.strip()]

    def text(self, page: parsel.Selector) -> str | None:
        """All matched text joined with single spaces (a title split by markup), or None."""
        joined = _SPACE.sub(" ", " ".join(self.values(page))).strip()
        return joined or None


@dataclass(frozen=True)
class Selectors:
    listing_links: Selector
    title: Selector
    image_urls: Selector
    next_page: Selector | None = None
    price: Selector | None = None
    category: Selector | None = None
    seller_name: Selector | None = None
    seller_link: Selector | None = None
    #: Read on the seller page when ``seller_link`` is set, else on the product page.
    seller_credit_code: Selector | None = None


@dataclass(frozen=True)
class Limits:
    """How much the crawl may take from the site; polite and bounded by default."""

    max_page_bytes: int = 2_000_000
    max_image_bytes: int = 8_000_000
    max_images: int = 20  # per listing: a hostile page with 10,000 <img> tags stays bounded
    concurrency: int = 4  # simultaneous requests per host
    delay_seconds: float = 1.0  # AutoThrottle's starting delay; it adapts from there
    timeout_seconds: float = 30.0
    retries: int = 2


_LIMIT_RANGES: dict[str, tuple[float, float]] = {
    "max_page_bytes": (1024, 1 << 30),
    "max_image_bytes": (1024, 1 << 30),
    "max_images": (1, 1000),
    "concurrency": (1, 64),
    "delay_seconds": (0, 600),
    "timeout_seconds": (1, 3600),
    "retries": (0, 10),
}


@dataclass(frozen=True)
class SiteConfig:
    name: str
    start_urls: tuple[str, ...]
    selectors: Selectors
    limits: Limits = field(default_factory=Limits)
    #: Private, loopback and other non-public addresses are refused unless this is set, and
    #: even then only for the hosts and ports of ``start_urls`` (see crawler/crawl/safety.py).
    allow_private: bool = False

    @property
    def hosts(self) -> tuple[str, ...]:
        """Host names of the start URLs (the site itself), lower case."""
        return tuple(dict.fromkeys(origin[0] for origin in self.origins))

    @property
    def origins(self) -> frozenset[tuple[str, int]]:
        """(host, port) of every start URL: where ``allow_private`` applies."""
        found = set()
        for url in self.start_urls:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            found.add(((parts.hostname or "").lower(), port))
        return frozenset(found)


def load(path: Path) -> SiteConfig:
    """Read and validate a site file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteConfigError(f"{path}: cannot read the site file ({exc.__class__.__name__})"
                              ) from None
    return loads(text, source=str(path))


def loads(text: str, *, source: str = "site file") -> SiteConfig:
    """Validate site TOML given as text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteConfigError(f"{source}: not valid TOML: {exc}") from None
    return _site(data, source)


def _site(data: Mapping[str, Any], source: str) -> SiteConfig:
    def fail(message: str) -> SiteConfigError:
        return SiteConfigError(f"{source}: {message}")

    _no_unknown(data, {"name", "start_urls", "allow_private", "selectors", "limits"}, "", fail)
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail("'name' must be 1-64 letters, digits, '.', '_' or '-', starting with a "
                   "letter or digit")
    urls = data.get("start_urls")
    if not isinstance(urls, list) or not urls:
        raise fail("'start_urls' must be a non-empty list of http(s) URLs")
    for url in urls:
        if not isinstance(url, str) or not _is_http_url(url):
            raise fail(f"'start_urls' entry {url!r} is not an absolute http(s) URL")
    allow_private = data.get("allow_private", False)
    if not isinstance(allow_private, bool):
        raise fail("'allow_private' must be true or false")
    return SiteConfig(
        name=name,
        start_urls=tuple(dict.fromkeys(urls)),
        selectors=_selectors(data.get("selectors"), fail),
        limits=_limits(data.get("limits", {}), fail),
        allow_private=allow_private,
    )


def _selectors(data: Any, fail: Any) -> Selectors:
    if not isinstance(data, dict):
        raise fail("the [selectors] table is missing")
    _no_unknown(data, {*REQUIRED_SELECTORS, *OPTIONAL_SELECTORS}, "selectors.", fail)
    missing = [key for key in REQUIRED_SELECTORS if key not in data]
    if missing:
        raise fail(f"missing required selector 'selectors.{missing[0]}'")
    parsed: dict[str, Selector] = {}
    for key, value in data.items():
        if not isinstance(value, str):
            raise fail(f"'selectors.{key}' must be a string")
        try:
            parsed[key] = Selector.parse(value)
        except ValueError as exc:
            raise fail(f"'selectors.{key}' is not a valid selector: {exc}") from None
    return Selectors(**parsed)


def _limits(data: Any, fail: Any) -> Limits:
    if not isinstance(data, dict):
        raise fail("'limits' must be a table")
    _no_unknown(data, {f.name for f in fields(Limits)}, "limits.", fail)
    values: dict[str, Any] = {}
    for key, value in data.items():
        low, high = _LIMIT_RANGES[key]
        floating = isinstance(getattr(Limits, key), float)
        allowed = (int, float) if floating else (int,)
        if isinstance(value, bool) or not isinstance(value, allowed) or not low <= value <= high:
            kind = "a number" if floating else "a whole number"
            raise fail(f"'limits.{key}' must be {kind} from {low:g} to {high:g}")
        values[key] = float(value) if floating else value
    return Limits(**values)


def _no_unknown(data: Mapping[str, Any], known: set[str], prefix: str, fail: Any) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise fail(f"unknown key '{prefix}{unknown[0]}' (known: {', '.join(sorted(known))})")


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)

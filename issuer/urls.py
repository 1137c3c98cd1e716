"""Mark URLs: ``HTTPS://<HOST>/V/<CODE>``, upper case so the QR stays alphanumeric."""

from __future__ import annotations

from collections.abc import Collection

from issuer.errors import MalformedCode

SCHEME = "HTTPS://"
PATH = "/V/"


def mark_url(host: str, code: str) -> str:
    return f"{SCHEME}{host.upper()}{PATH}{code}"


def extract_code(text: str, hosts: Collection[str] | None = None) -> str:
    """Return the code from a bare code or a mark URL.

    Scheme and host compare case-insensitively (they are case-insensitive in any
    URL, and browsers lower-case them); the path and the code do not. With
    ``hosts`` given, a URL on any other host is refused.
    """
    text = text.strip()
    if not text.isascii():
        # str.upper() maps look-alikes such as "ı" to "I": a foreign host must not pass.
        raise MalformedCode("not a mark code: it contains non-ASCII characters")
    if "/" not in text and ":" not in text:
        return text
    if text[: len(SCHEME)].upper() != SCHEME:
        raise MalformedCode("not a mark URL: it must start with HTTPS://")
    rest = text[len(SCHEME) :]
    host, sep, path = rest.partition("/")
    if not sep or not host:
        raise MalformedCode("not a mark URL: no host or path")
    if hosts is not None and host.upper() not in {h.upper() for h in hosts}:
        raise MalformedCode(f"not a mark URL of this scheme: unknown host {host!r}")
    if not ("/" + path).startswith(PATH):
        raise MalformedCode("not a mark URL: the path must be /V/<code>")
    code = path[len(PATH) - 1 :]
    if not code:
        raise MalformedCode("the mark URL carries no code")
    return code

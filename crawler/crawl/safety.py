"""Keep the crawler off private networks: a listing page must not make us fetch the intranet.

A marketplace page is written by strangers. A link, an image source or a redirect to
``http://10.0.0.1/`` or ``http://localhost:6379/`` would turn the crawler into a way to reach
machines behind our firewall (server-side request forgery). So every request is checked
before it leaves, by ``PrivateAddressMiddleware``, a downloader middleware that runs first:

* the host is resolved (IPv4 and IPv6) and the request is refused when ANY address is not
  public: private, loopback, link-local, reserved, multicast, unspecified, shared (CGNAT),
  and IPv6 forms that embed one (``::ffff:127.0.0.1``, 6to4);
* a redirect makes a new request that passes every downloader middleware again, so a redirect
  to a private address is refused like a link to one (tested);
* ``allow_private = true`` in the site file (for a test site on loopback or an intranet shop)
  allows non-public addresses only for the hosts and ports of the site's own start URLs;
  anything else private, redirects included, is still refused.

``GuardedResolver`` repeats the check at connection time on the address actually used, so a
host name that resolves to a public address for the check and to a private one a moment later
(DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError
from twisted.internet.threads import deferToThread

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Settings the middleware and the resolver read (set by crawler.crawl.settings).
ALLOW_PRIVATE = "CRAWL_ALLOW_PRIVATE"
PRIVATE_ORIGINS = "CRAWL_PRIVATE_ORIGINS"  # ["host:port", ...] of the start URLs
#: Resolved addresses are reused this long; short, so a changed DNS record is seen soon.
_RESOLVE_TTL = 60.0


class PrivateAddressRefused(IgnoreRequest):
    """The request points at a non-public address; it is not sent."""

    reason = "private address"


class UnsupportedScheme(IgnoreRequest):
    """Only http and https are fetched (no file:, ftp:, data:, s3:)."""

    reason = "unsupported scheme"


def is_public(address: Address) -> bool:
    """True when ``address`` is globally routable unicast, IPv6 forms of IPv4 unwrapped."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d on the wire
            return is_public(address.ipv4_mapped)
        embedded = address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_reserved or address.is_multicast or address.is_unspecified
    )


def parse_origins(values: Iterable[str]) -> frozenset[tuple[str, int]]:
    """``["127.0.0.1:8081", "[::1]:80"]`` -> {("127.0.0.1", 8081), ("::1", 80)}."""
    found = set()
    for value in values:
        host, _, port = value.rpartition(":")
        found.add((host.strip("[]").lower(), int(port)))
    return frozenset(found)


def format_origins(origins: Collection[tuple[str, int]]) -> list[str]:
    return sorted(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in origins)


class PrivateAddressMiddleware:
    """Refuse requests to non-public addresses (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.allow_private = settings.getbool(ALLOW_PRIVATE)
        self.origins = parse_origins(settings.getlist(PRIVATE_ORIGINS))
        self.stats = crawler.stats
        self._resolved: dict[tuple[str, int], tuple[float, list[Address]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            self.stats.inc_value("shangpin/refused/scheme")
            raise UnsupportedScheme(f"not fetched: {parts.scheme}: URLs are not crawled")
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if self.allow_private and (host, port) in self.origins:
            return
        for address in await self._addresses(host, port):
            if not is_public(address):
                self.stats.inc_value("shangpin/refused/private")
                logger.warning("refused %s: %s is not a public address", request.url, address)
                raise PrivateAddressRefused(f"{host} resolves to non-public {address}")

    async def _addresses(self, host: str, port: int) -> list[Address]:
        literal = _literal(host)
        if literal is not None:
            return [literal]
        key = (host, port)
        cached = self._resolved.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < _RESOLVE_TTL:
            return cached[1]
        try:
            infos = await maybe_deferred_to_future(
                deferToThread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            raise CannotResolveHostError(f"cannot resolve {host}: {exc}") from None
        addresses = [a for a in (_literal(str(info[4][0])) for info in infos) if a is not None]
        if not addresses:
            raise CannotResolveHostError(f"cannot resolve {host}")
        if len(self._resolved) > 10_000:
            self._resolved.clear()
        self._resolved[key] = (now, addresses)
        return addresses


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing a non-public answer at connection time (DNS rebinding)."""

    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        resolver = super().from_crawler(crawler, reactor)
        if crawler.settings.getbool(ALLOW_PRIVATE):
            origins = parse_origins(crawler.settings.getlist(PRIVATE_ORIGINS))
            resolver.allowed_hosts = frozenset(host for host, _ in origins)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:  # noqa: N802
        d = super().getHostByName(name, timeout)
        d.addCallback(self._check, name)
        return d

    def _check(self, result: str, name: str) -> str:
        address = _literal(result)
        if name.lower() in self.allowed_hosts or (address is not None and is_public(address)):
            return result
        raise DNSLookupError(f"{name} resolved to non-public {result}: refused")


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None

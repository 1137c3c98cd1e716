"""Per-client rate limits on public endpoints (a fixed window per client address).

A client is an IPv4 address, or an IPv6 /64 (one subscriber usually holds a whole
/64, so counting single IPv6 addresses would be no limit at all). Counts live in
memory per process, bounded: clients whose window has ended are swept out, and past
``max_clients`` the longest-idle are forgotten (so a flood from very many addresses
costs memory once, not for ever; a forgotten client merely starts a fresh window).
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from verifier.clients import client_address
from verifier.errors import problem

#: Paths that are never limited: health checks, metrics, static files.
EXEMPT = ("/healthz", "/metrics", "/static/")
MAX_CLIENTS = 100_000


_KEYS: dict[str, str] = {}


def client_key(address: str) -> str:
    """What one client's requests are counted under (worked out once per address)."""
    key = _KEYS.get(address)
    if key is None:
        if len(_KEYS) >= MAX_CLIENTS:
            _KEYS.clear()
        key = _KEYS[address] = _client_key(address)
    return key


def _client_key(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimiter:
    """``limit`` requests per client per ``window`` seconds; 0 turns it off."""

    def __init__(self, limit: int, window: float = 60.0,
                 max_clients: int = MAX_CLIENTS) -> None:
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        # client -> [window start, count], oldest window start first.
        self._counts: OrderedDict[str, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._counts)

    def allow(self, client: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, whole seconds until this client's window resets)."""
        now = time.monotonic() if now is None else now
        self._sweep(now)
        entry = self._counts.get(client)
        if entry is None or now - entry[0] >= self.window:
            entry = [now, 0.0]
            self._counts[client] = entry
            self._counts.move_to_end(client)
            while len(self._counts) > self.max_clients:
                self._counts.popitem(last=False)
        entry[1] += 1
        retry = max(1, int(entry[0] + self.window - now + 0.999))
        return entry[1] <= self.limit, retry

    def _sweep(self, now: float) -> None:
        """Forget clients whose window has ended (they are at the front, oldest first)."""
        while self._counts:
            start = next(iter(self._counts.values()))[0]
            if now - start < self.window:
                return
            self._counts.popitem(last=False)

    def middleware(self) -> Middleware:
        @web.middleware
        async def rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.limit and not request.path.startswith(EXEMPT):
                allowed, retry = self.allow(client_key(client_address(request)))
                if not allowed:
                    return problem(
                        request, 429, "Too Many Requests",
                        f"Too many requests from this address; please wait {retry} s.",
                        headers={"Retry-After": str(retry), "Cache-Control": "no-store"})
            return await handler(request)

        return rate_limit

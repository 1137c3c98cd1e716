"""Per-client rate limits on public endpoints (a fixed window per client address)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from verifier.clients import client_address

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Paths that are never limited: health checks, metrics, static files.
EXEMPT = ("/healthz", "/metrics", "/static/")


class RateLimiter:
    """``limit`` requests per client per ``window`` seconds; 0 turns it off."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._counts: dict[str, tuple[float, int]] = {}

    def allow(self, client: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, seconds until the window resets)."""
        now = time.monotonic() if now is None else now
        start, count = self._counts.get(client, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        count += 1
        self._counts[client] = (start, count)
        if len(self._counts) > 100_000:  # forget idle clients rather than grow without end
            cutoff = now - self.window
            self._counts = {k: v for k, v in self._counts.items() if v[0] > cutoff}
        return count <= self.limit, max(1, int(start + self.window - now + 0.999))

    def middleware(self) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
        @web.middleware
        async def rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.limit and not request.path.startswith(EXEMPT):
                allowed, retry = self.allow(client_address(request))
                if not allowed:
                    raise web.HTTPTooManyRequests(
                        text="Too many requests from this address; please wait a moment.",
                        headers={"Retry-After": str(retry)},
                    )
            return await handler(request)

        return rate_limit

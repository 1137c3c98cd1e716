"""CORS for the read-only API: any origin may read it; nothing that writes is opened.

Only GET (and HEAD) resources registered through ``open_get`` answer cross-origin
reads and preflights. ``POST /api/v1/reports`` is left closed on purpose: it requires
``application/json``, so a browser on another site would need a preflight, which
nothing here grants.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CORS_OPEN = web.AppKey("cors_open", set[AbstractResource])

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
#: Request headers a cross-origin reader may send (beyond the CORS-safelisted ones).
ALLOWED_HEADERS = ("accept", "accept-language", "content-language", "if-none-match",
                   "cache-control")
#: Response headers a cross-origin reader may see (beyond the safelisted ones).
EXPOSED_HEADERS = "ETag, Retry-After"
PREFLIGHT_MAX_AGE = "86400"


def open_get(app: web.Application, path: str, handler: Handler, *,
             name: str | None = None) -> web.AbstractRoute:
    """Register a GET route readable from any origin, with its preflight answer."""
    route = app.router.add_get(path, handler, name=name)
    resource = route.resource
    assert isinstance(resource, web.Resource)
    resource.add_route("OPTIONS", preflight)
    app[CORS_OPEN].add(resource)
    return route


async def preflight(request: web.Request) -> web.Response:
    asked = request.headers.get("Access-Control-Request-Headers", "")
    wanted = [h.strip().lower() for h in asked.split(",") if h.strip()]
    granted = [h for h in wanted if h in ALLOWED_HEADERS] or list(ALLOWED_HEADERS)
    return web.Response(status=204, headers={
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": ", ".join(granted),
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
    })


async def _cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    resource = request.match_info.route.resource
    if resource is not None and resource in request.app[CORS_OPEN]:
        # "*" rather than echoing the Origin: the answers carry no credentials and are
        # the same for everyone, so no Vary: Origin is needed either.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def setup(app: web.Application) -> None:
    app[CORS_OPEN] = set()
    app.on_response_prepare.append(_cors_headers)

"""The verifier application, built by ``create_app(settings)``.

Public pages and the JSON API share one read model (cached certificate views and
keys, invalidated the moment the registry changes) and one scan service.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from shangpin.settings import Settings
from storage.session import Database
from verifier.clients import load_hash_key
from verifier.errors import error_middleware
from verifier.keys import ENGINE, HASH_KEY, READ_MODEL, SCANS, SETTINGS
from verifier.ratelimit import RateLimiter
from verifier.readmodel import ReadModel, freshness_for
from verifier.scanning import ScanService

log = logging.getLogger("shangpin.verifier")
STATIC = Path(__file__).with_name("static")

#: Script, style and image sources are our own; nothing may frame the pages except
#: the embed route, which sets its own policy.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


#: Set on a request (``request[FRAMEABLE] = True``) whose page holders may embed.
FRAMEABLE = web.RequestKey("frameable", bool)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    policy = CONTENT_SECURITY_POLICY
    if request.get(FRAMEABLE):
        policy = policy.replace("frame-ancestors 'none'", "frame-ancestors *")
    else:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    database = Database.open(settings.database_url)
    freshness = freshness_for(database.engine)
    await freshness.start()
    app[ENGINE] = database.engine
    app[READ_MODEL] = ReadModel(database.engine, freshness)
    app[SCANS] = ScanService(app[READ_MODEL], settings.mark_hosts)
    app[HASH_KEY] = load_hash_key(settings.scan_hash_key, settings.data_dir)
    try:
        yield
    finally:
        await freshness.close()
        database.close()


def create_app(settings: Settings) -> web.Application:
    from verifier import health, log_heads, photo, scanlog
    from verifier.api import routes as api_routes
    from verifier.public import routes as public_routes

    # Metrics outermost, so refusals (429) and failures (503, 500) are counted too. A
    # limit of 0 turns limiting off, and then its middleware is left out altogether.
    middlewares: list[Middleware] = [health.metrics_middleware, error_middleware]
    if settings.rate_limit:
        middlewares.append(RateLimiter(settings.rate_limit).middleware())
    app = web.Application(
        middlewares=middlewares,
        client_max_size=settings.max_upload_bytes + 64 * 1024,
    )
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_database)
    app.on_response_prepare.append(_security_headers)
    health.setup(app)
    scanlog.setup(app)
    log_heads.setup(app)  # signed tree heads of the transparency log, on a schedule
    public_routes.setup(app)
    api_routes.setup(app)
    photo.setup(app)
    from verifier.console import setup_console

    setup_console(app, settings)  # /console routes, each behind the console's own guard
    app.router.add_static("/static/", STATIC, append_version=True)
    return app

"""Failures reach the public as a calm page or JSON body, never a stack trace or SQL."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("shangpin.verifier")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Failures that mean "the database is away or busy", answered with 503 and a retry
#: hint. Other database errors (a bad query, a broken constraint) are our bugs: 500.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout,
               ConnectionError, TimeoutError)


def loggable_path(path: str) -> str:
    """The path without a scanned code (codes are not logged in full)."""
    if path.upper().startswith("/V/") or path.startswith("/api/v1/verify/"):
        return path[: path.rfind("/") + 1] + "…"
    return path


def database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, UNAVAILABLE):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/") or (
        "application/json" in request.headers.get("Accept", "")
        and "text/html" not in request.headers.get("Accept", "")
    )


def problem(request: web.Request, status: int, title: str, detail: str,
            headers: dict[str, str] | None = None) -> web.Response:
    """An RFC 9457 problem document for the API, a small page for people."""
    if wants_json(request):
        return web.json_response(
            {"type": "about:blank", "title": title, "status": status, "detail": detail},
            status=status, content_type="application/problem+json", headers=headers,
        )
    from verifier.render import render_error

    return render_error(request, status, title, detail, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.text and exc.content_type == "text/plain":
            return problem(request, exc.status, exc.reason, exc.text,
                           headers={k: v for k, v in exc.headers.items()
                                    if k.lower() in ("retry-after", "allow")})
        raise
    except Exception as exc:
        if database_unavailable(exc):
            # Logged without the message: it may carry SQL or connection details.
            log.warning("database unavailable during %s %s: %s", request.method,
                        loggable_path(request.path), exc.__class__.__name__)
            return problem(request, 503, "Service Unavailable",
                           "The registry is temporarily unavailable. Please try again shortly.",
                           headers={"Retry-After": "5"})
        log.exception("unhandled error in %s %s", request.method, loggable_path(request.path))
        return problem(request, 500, "Internal Server Error",
                       "Something went wrong on our side. Please try again.")

"""Health, Prometheus metrics and structured (JSON) access logs."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text

from verifier.clients import client_address, keyed_hash
from verifier.keys import ENGINE, HASH_KEY

REQUESTS = Counter("shangpin_http_requests", "HTTP requests", ["route", "status"])
LATENCY = Histogram(
    "shangpin_http_request_seconds", "Request latency", ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SCANS = Counter("shangpin_scans", "Verifications by outcome", ["channel", "status"])

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = _route(request)
        REQUESTS.labels(route, str(status)).inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)


async def healthz(request: web.Request) -> web.Response:
    """Alive, and whether the database answers (503 when it does not)."""
    engine = request.app[ENGINE]

    def ping() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, ping), 5)
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return web.json_response({"status": "unavailable", "database": "down"}, status=503,
                                 headers={"Cache-Control": "no-store"})
    return web.json_response({"status": "ok", "database": "ok"},
                             headers={"Cache-Control": "no-store"})


async def metrics(_request: web.Request) -> web.Response:
    body = generate_latest()
    response = web.Response(body=body)
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


class JsonAccessLogger(AbstractAccessLogger):
    """One JSON object a line; client addresses appear only as keyed hashes."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        key = request.app.get(HASH_KEY, b"") if isinstance(request, web.Request) else b""
        path = request.path
        if path.upper().startswith("/V/") or path.startswith("/api/v1/verify/"):
            path = path[: path.rfind("/") + 1] + "…"  # codes are not logged in full
        self.logger.info(json.dumps({
            "method": request.method,
            "path": path,
            "status": response.status,
            "bytes": response.body_length,
            "ms": round(time * 1000, 2),
            "client": keyed_hash(key, client_address(request)) if key else None,
        }, ensure_ascii=False))

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)

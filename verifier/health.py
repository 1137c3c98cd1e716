"""Health, Prometheus metrics and structured (JSON) access logs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text

from verifier.clients import client_address, client_hashes
from verifier.errors import loggable_path
from verifier.keys import ENGINE, HASH_KEY

REQUESTS = Counter("shangpin_http_requests", "HTTP requests", ["route", "status"])
LATENCY = Histogram(
    "shangpin_http_request_seconds", "Request latency", ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
SCANS = Counter("shangpin_scans", "Verifications by outcome", ["channel", "status"])

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Where access records say they come from (they are not made by a logging call site).
_SOURCE = __file__


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


class _Children:
    """The labelled children of a metric, looked up once: ``labels()`` takes a lock and
    checks its arguments on every call, a few microseconds each time on the hot path.
    Label values are route templates, statuses and scan outcomes: a small, fixed set."""

    def __init__(self, metric: Counter | Histogram) -> None:
        self.metric = metric
        self._children: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        try:
            return self._children[values]
        except KeyError:
            child = self._children[values] = self.metric.labels(*values)
            return child


REQUEST_COUNTS = _Children(REQUESTS)
LATENCIES = _Children(LATENCY)
SCAN_COUNTS = _Children(SCANS)


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
        REQUEST_COUNTS(route, str(status)).inc()
        LATENCIES(route).observe(time.perf_counter() - started)


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
    """One JSON object a line; client addresses appear only as keyed hashes.

    A line is written for every request, so it is made cheaply: the client's hash comes
    from the per-address memory the scan log keeps, orjson encodes, and the record goes
    straight to the logger's handlers (``Logger.info`` would also look up the calling
    frame, which an access line does not show).
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        key = request.app.get(HASH_KEY, b"") if isinstance(request, web.Request) else b""
        line = orjson.dumps({
            "method": request.method,
            "path": loggable_path(request.path),  # codes are not logged in full
            "status": response.status,
            "bytes": response.body_length,
            "ms": round(time * 1000, 2),
            "client": client_hashes(key, client_address(request))[0] if key else None,
        }).decode("utf-8")
        logger = self.logger
        if logger.isEnabledFor(logging.INFO):
            logger.handle(logger.makeRecord(logger.name, logging.INFO, _SOURCE, 0, line,
                                            (), None))

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def setup(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)

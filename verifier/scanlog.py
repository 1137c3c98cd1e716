"""The scan log: every scan recorded, without a commit per scan.

Scans are appended to an in-memory buffer and written in one multi-row insert per
second (or sooner when 1,000 are waiting); the early-warning rules then look at each
written batch. A crash loses at most the last second of scans, never a registry
change. Scan counts for unit codes are kept in memory after one read each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import func, insert, select

from storage.models import Scan
from verifier.clients import agent_family, client_address, keyed_hash, network_of
from verifier.health import SCANS as SCAN_METRIC
from verifier.i18n import negotiate
from verifier.keys import ENGINE, HASH_KEY
from verifier.scanning import ScanOutcome

log = logging.getLogger("shangpin.scanlog")
FLUSH_SECONDS = 1.0
FLUSH_ROWS = 1000
MAX_BUFFER = 100_000


@dataclass
class ScanLog:
    engine: Any
    rows: list[dict[str, Any]]
    unit_counts: dict[tuple[str, int], int]
    wake: asyncio.Event

    def append(self, row: dict[str, Any]) -> None:
        if len(self.rows) >= MAX_BUFFER:  # the database is away: drop the oldest, keep serving
            del self.rows[: FLUSH_ROWS]
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS:
            self.wake.set()

    def _write(self, batch: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(Scan), batch)

    async def flush(self) -> list[dict[str, Any]]:
        if not self.rows:
            return []
        batch, self.rows = self.rows, []
        try:
            await asyncio.get_running_loop().run_in_executor(None, self._write, batch)
        except Exception as exc:  # noqa: BLE001 - keep the rows for the next try
            log.warning("scan log write failed (%s); will retry", exc.__class__.__name__)
            self.rows[:0] = batch
            return []
        return batch

    async def scans_before(self, certificate_number: str, serial: int) -> int:
        """How many times this unit code was scanned before (read once, then counted here)."""
        key = (certificate_number, serial)
        if key not in self.unit_counts:
            def count() -> int:
                with self.engine.connect() as connection:
                    return int(connection.scalar(
                        select(func.count()).select_from(Scan).where(
                            Scan.certificate_number == certificate_number,
                            Scan.unit_serial == serial)) or 0)
            stored = await asyncio.get_running_loop().run_in_executor(None, count)
            pending = sum(1 for r in self.rows if r["certificate_number"] == certificate_number
                          and r["unit_serial"] == serial)
            self.unit_counts[key] = stored + pending
            if len(self.unit_counts) > 500_000:
                self.unit_counts.clear()
        return self.unit_counts[key]


SCAN_LOG = web.AppKey("scan_log", ScanLog)


def record(request: web.Request, outcome: ScanOutcome, channel: str) -> None:
    """Queue one scan; returns at once."""
    app = request.app
    key = app[HASH_KEY]
    address = client_address(request)
    scan_log = app[SCAN_LOG]
    payload = outcome.payload
    row = {
        "scanned_at": outcome.checked_at,
        "code": outcome.code[:256],
        "certificate_number": payload.certificate_number if payload else None,
        "unit_serial": payload.unit_serial if payload else None,
        "verdict": outcome.verdict.value,
        "status": outcome.status,
        "channel": channel,
        "client_hash": keyed_hash(key, address),
        "network_hash": keyed_hash(key, network_of(address)),
        "agent": agent_family(request.headers.get("User-Agent", "")),
        "language": negotiate(request),
    }
    scan_log.append(row)
    if payload is not None and payload.unit_serial is not None:
        unit = (payload.certificate_number, payload.unit_serial)
        if unit in scan_log.unit_counts:
            scan_log.unit_counts[unit] += 1
    SCAN_METRIC.labels(channel, outcome.status).inc()


async def _run(app: web.Application) -> AsyncIterator[None]:
    scan_log = ScanLog(app[ENGINE], [], {}, asyncio.Event())
    app[SCAN_LOG] = scan_log
    from verifier import early_warning

    async def loop() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(scan_log.wake.wait(), FLUSH_SECONDS)
            scan_log.wake.clear()
            batch = await scan_log.flush()
            if batch:
                try:
                    await early_warning.evaluate(app, batch)
                except Exception:  # noqa: BLE001 - a rule failure must not stop logging
                    log.exception("early-warning rules failed")

    task = asyncio.create_task(loop(), name="scan-log")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        batch = await scan_log.flush()  # graceful shutdown writes what is buffered
        if batch:
            await early_warning.evaluate(app, batch)


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_run)

"""The scan log: every scan recorded, without a commit per scan.

Scans are appended to an in-memory buffer and written in one transaction per second
(or sooner when 5,000 are waiting); the early-warning rules then look at each written
batch. Requests never wait for the database here: while it is away the
buffer keeps the newest ``MAX_BUFFER`` rows (dropping the oldest, counted in
``shangpin_scan_log_dropped_total``) and the writer retries on every tick. A graceful
shutdown writes what is buffered; a crash loses at most the last second of scans,
never a registry change. Scan counts for unit codes are kept in memory after one read
each.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from prometheus_client import Counter, Gauge
from sqlalchemy import Connection, Engine, event, func, insert, select
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from storage.models import Scan
from storage.session import make_engine
from verifier import early_warning
from verifier.clients import agent_family, client_address, client_hashes
from verifier.health import SCAN_COUNTS
from verifier.i18n import negotiate
from verifier.keys import ENGINE, HASH_KEY
from verifier.scanning import ScanOutcome

log = logging.getLogger("shangpin.scanlog")
#: The writer wakes at least this often, and sooner once FLUSH_ROWS are waiting. Each
#: scan adds to an index keyed by certificate, so a batch dirties about one index page
#: per row whatever its size; larger batches share pages and commits.
FLUSH_SECONDS = 1.0
FLUSH_ROWS = 5000
#: Rows per insert when catching up after an outage (the writer loops until drained).
WRITE_CHUNK = 5000
#: Rows kept while the database is away (about 30 MB); beyond it the oldest go.
MAX_BUFFER = 100_000
#: Written rows kept for the rules when they fail (e.g. the database went away between
#: the write and the rules); they are evaluated again with the next batch.
MAX_UNEVALUATED = 20_000
#: How long a graceful shutdown waits for the last write.
SHUTDOWN_SECONDS = 10.0
MAX_UNIT_COUNTS = 500_000

DROPPED = Counter("shangpin_scan_log_dropped", "Scan rows dropped without being written",
                  ["reason"])
WRITE_FAILURES = Counter("shangpin_scan_log_write_failures",
                         "Scan-log batch writes that failed (the rows are kept and retried)")
WRITTEN = Counter("shangpin_scan_log_written", "Scan rows written to the database")
BUFFERED = Gauge("shangpin_scan_log_buffered", "Scan rows waiting to be written")
RULE_FAILURES = Counter("shangpin_early_warning_failures",
                        "Early-warning evaluations that failed (retried with the next batch)")


def refuses_row(exc: BaseException) -> bool:
    """A failure caused by a row's values (not an outage, not a schema problem)."""
    if isinstance(exc, (DataError, IntegrityError)):
        return True
    cause = exc.orig if isinstance(exc, StatementError) else exc
    return isinstance(cause, (ValueError, TypeError))


#: SQLite page cache of the scan writer's own connection (KiB): the scan index's pages
#: are written at random places, and a page still cached is not read back again.
WRITER_CACHE_KIB = 65_536
#: WAL pages the writer lets accumulate before it copies them back into the database
#: (SQLite's default is 1,000, about one batch): a page changed by several batches in
#: between is copied once.
WRITER_CHECKPOINT_PAGES = 10_000


def writer_engine(engine: Engine) -> Engine | None:
    """A separate one-connection engine for the scan writer on a SQLite file, tuned for
    its inserts; None for other databases (the shared pool serves them)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    writer = make_engine(url.render_as_string(hide_password=False), pool_size=1,
                         max_overflow=1)

    def tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")
        cursor.close()

    event.listen(writer, "connect", tune)
    return writer


#: Columns in the order ``insert_sqlite`` binds them.
COLUMNS = ("scanned_at", "code", "certificate_number", "unit_serial", "verdict", "status",
           "channel", "client_hash", "network_hash", "agent", "language")
#: Rows per INSERT statement on SQLite (11 values each, well under its 32,766 limit).
SQLITE_ROWS_PER_INSERT = 500


def insert_sqlite(connection: Connection, batch: list[dict[str, Any]]) -> None:
    """Insert scans with multi-row INSERTs: SQLite then does a whole chunk in one step.

    An ``executemany`` steps once per row, and the sqlite3 module lets go of the
    interpreter lock at every step, so the writer and the event loop would hand the
    lock back and forth thousands of times a second. Values are stored as SQLAlchemy
    stores them (``UTCDateTime``: naive UTC, ISO text with microseconds); a row it
    would refuse (a naive time) raises ValueError here, so the batch is written row by
    row through the model and only that row is refused.
    """
    values: list[Any] = []
    for row in batch:
        scanned_at = row["scanned_at"]
        if not isinstance(scanned_at, dt.datetime) or scanned_at.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        values.append(scanned_at.astimezone(dt.UTC).replace(tzinfo=None)
                      .isoformat(" ", "microseconds"))
        values.extend(row[column] for column in COLUMNS[1:])
    width = len(COLUMNS)
    step = SQLITE_ROWS_PER_INSERT * width
    for start in range(0, len(values), step):
        chunk = values[start:start + step]
        connection.exec_driver_sql(_sqlite_insert(len(chunk) // width), tuple(chunk))


@functools.lru_cache(maxsize=8)
def _sqlite_insert(rows: int) -> str:
    one = "(" + ",".join("?" * len(COLUMNS)) + ")"
    return f"INSERT INTO scans ({', '.join(COLUMNS)}) VALUES " + ",".join([one] * rows)


class ScanLog:
    """The buffer and its writer's state; everything runs on the server's event loop.

    ``engine`` answers reads (scan counts); ``writer``, when given, takes the inserts
    and the early-warning queries that follow each batch.
    """

    def __init__(self, engine: Engine, max_rows: int = MAX_BUFFER,
                 writer: Engine | None = None) -> None:
        self.engine = engine
        self.writer = writer or engine
        self.max_rows = max_rows
        self.rows: deque[dict[str, Any]] = deque()
        self.inflight: list[dict[str, Any]] = []
        self.unevaluated: list[dict[str, Any]] = []
        self.unit_counts: dict[tuple[str, int], int] = {}
        self.wake = asyncio.Event()
        self.failing = False
        self.dropped = 0

    def append(self, row: dict[str, Any]) -> None:
        """Queue one row; never blocks, never raises for want of a database."""
        rows = self.rows
        rows.append(row)
        BUFFERED.inc()
        waiting = len(rows)
        if waiting > self.max_rows:
            self._trim()
        if waiting >= FLUSH_ROWS:
            self.wake.set()

    def _trim(self) -> None:
        excess = len(self.rows) - self.max_rows
        if excess > 0:  # the database is away: drop the oldest, keep serving
            for _ in range(excess):
                self.rows.popleft()
            self._drop(excess, "overflow")

    def _drop(self, count: int, reason: str) -> None:
        self.dropped += count
        DROPPED.labels(reason).inc(count)
        BUFFERED.dec(count)

    def _write(self, batch: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """Insert the batch: (rows written, rows refused). Raises if nothing was written."""
        try:
            with self.writer.begin() as connection:
                if connection.dialect.name == "sqlite":
                    insert_sqlite(connection, batch)
                else:
                    connection.execute(insert(Scan), batch)
            return batch, 0
        except Exception as exc:
            if not refuses_row(exc):
                raise
        # Some row can never be written and would block the log for ever: write row by
        # row and drop the ones refused; any other failure stops and keeps the rest.
        written: list[dict[str, Any]] = []
        refused = 0
        for row in batch:
            try:
                with self.writer.begin() as connection:
                    connection.execute(insert(Scan), [row])
            except Exception as exc:
                if not refuses_row(exc):
                    if not written and not refused:
                        raise
                    break
                refused += 1
                log.error("scan log: dropped a row the database refuses (%s)",
                          exc.__class__.__name__)
            else:
                written.append(row)
        return written, refused

    async def flush(self) -> list[dict[str, Any]]:
        """Write up to WRITE_CHUNK of the oldest rows; the rows written ([] if none or failed)."""
        if not self.rows:
            return []
        batch = [self.rows.popleft() for _ in range(min(len(self.rows), WRITE_CHUNK))]
        self.inflight = batch
        try:
            written, refused = await asyncio.get_running_loop().run_in_executor(
                None, self._write, batch)
        except Exception as exc:  # noqa: BLE001 - keep the rows for the next try
            WRITE_FAILURES.inc()
            if not self.failing:
                log.warning("scan log write failed (%s); %d rows kept, retrying every %.0f s",
                            exc.__class__.__name__, len(batch) + len(self.rows), FLUSH_SECONDS)
            self.failing = True
            self.rows.extendleft(reversed(batch))
            self._trim()
            return []
        finally:
            self.inflight = []
        unwritten = batch[len(written) + refused:]  # a failure stopped the row-by-row pass
        if unwritten:
            WRITE_FAILURES.inc()
            self.failing = True
            self.rows.extendleft(reversed(unwritten))
            self._trim()
        elif self.failing:
            log.warning("scan log writes recovered; %d rows still waiting", len(self.rows))
            self.failing = False
        if refused:
            self._drop(refused, "invalid")
        WRITTEN.inc(len(written))
        BUFFERED.dec(len(written))
        return written

    async def drain(self, app: web.Application) -> None:
        """Write everything buffered (chunk by chunk) and run the rules on each chunk."""
        while self.rows:
            batch = await self.flush()
            if batch:
                await self.evaluate(app, batch)
            if self.failing:
                return  # try again on the next tick

    async def evaluate(self, app: web.Application, batch: list[dict[str, Any]]) -> None:
        rows = self.unevaluated + batch
        self.unevaluated = []
        try:
            await early_warning.evaluate(app, rows, self.writer)
        except Exception as exc:  # noqa: BLE001 - a rule failure must not stop logging
            RULE_FAILURES.inc()
            log.warning("early-warning rules failed (%s); retried with the next batch",
                        exc.__class__.__name__)
            self.unevaluated = rows[-MAX_UNEVALUATED:]

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
            pending = sum(1 for rows in (self.rows, self.inflight) for r in rows
                          if r["certificate_number"] == certificate_number
                          and r["unit_serial"] == serial)
            if len(self.unit_counts) > MAX_UNIT_COUNTS:
                self.unit_counts.clear()
            self.unit_counts[key] = stored + pending
        return self.unit_counts[key]


SCAN_LOG = web.AppKey("scan_log", ScanLog)


def storable(text: str) -> str:
    """Text every backend accepts: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if text.isascii() and "\x00" not in text:  # every real code
        return text
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def record(request: web.Request, outcome: ScanOutcome, channel: str) -> None:
    """Queue one scan; returns at once. The client address is stored only as keyed hashes."""
    app = request.app
    client_hash, network_hash = client_hashes(app[HASH_KEY], client_address(request))
    scan_log = app[SCAN_LOG]
    payload = outcome.payload
    row = {
        "scanned_at": outcome.checked_at,
        "code": storable(outcome.code[:256]),
        "certificate_number": payload.certificate_number if payload else None,
        "unit_serial": payload.unit_serial if payload else None,
        "verdict": outcome.verdict.value,
        "status": outcome.status,
        "channel": channel,
        "client_hash": client_hash,
        "network_hash": network_hash,
        "agent": agent_family(request.headers.get("User-Agent", "")),
        "language": negotiate(request),
    }
    scan_log.append(row)
    if payload is not None and payload.unit_serial is not None:
        unit = (payload.certificate_number, payload.unit_serial)
        if unit in scan_log.unit_counts:
            scan_log.unit_counts[unit] += 1
    SCAN_COUNTS(channel, outcome.status).inc()


async def _run(app: web.Application) -> AsyncIterator[None]:
    inserts = writer_engine(app[ENGINE])
    scan_log = ScanLog(app[ENGINE], writer=inserts)
    app[SCAN_LOG] = scan_log
    app[early_warning.RULE_STATE] = early_warning.RuleState()
    stopping = asyncio.Event()

    async def writer() -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(scan_log.wake.wait(), FLUSH_SECONDS)
            scan_log.wake.clear()
            await scan_log.drain(app)
        await scan_log.drain(app)  # graceful shutdown writes what is buffered

    task = asyncio.create_task(writer(), name="scan-log")
    try:
        yield
    finally:
        # Stop between writes rather than cancel one midway (its rows might be written
        # by the executor thread and then written again).
        stopping.set()
        scan_log.wake.set()
        try:
            await asyncio.wait_for(task, SHUTDOWN_SECONDS)
        except TimeoutError:
            log.warning("scan log did not finish writing within %.0f s", SHUTDOWN_SECONDS)
        if scan_log.rows:
            log.warning("scan log: %d buffered rows not written at shutdown",
                        len(scan_log.rows))
            scan_log._drop(len(scan_log.rows), "shutdown")
            scan_log.rows.clear()
        if inserts is not None:
            inserts.dispose()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_run)

"""The scan log: written in batches within about a second, addresses only as keyed hashes,
kept and retried while writes fail, bounded, and flushed on a graceful shutdown."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine, select, text

from storage import migrate
from storage.models import Scan
from storage.session import make_engine
from tests.verifier.conftest import ServerThread, Verifier, make_settings, seed_registry
from verifier.clients import keyed_hash
from verifier.scanlog import ScanLog, storable

HASH_KEY = b"test-scan-hash-key"  # what make_settings configures


def path_of(url: str) -> str:
    return "/V/" + url.rsplit("/", 1)[1]


def scan_from(base_url: str, source: str, *paths: str) -> None:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=base_url, timeout=30, transport=transport) as client:
        for path in paths:
            assert client.get(path).status_code == 200


def rows_from(engine: Engine, source: str) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(
            select(Scan).where(Scan.client_hash == keyed_hash(HASH_KEY, source))))


def wait_for_rows(engine: Engine, source: str, count: int, timeout: float = 5) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        rows = rows_from(engine, source)
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


@pytest.fixture(scope="module")
def db(verifier: Verifier) -> Iterator[Engine]:
    engine = make_engine(verifier.database_url)
    yield engine
    engine.dispose()


def test_scans_are_written_within_about_a_second(verifier: Verifier, db: Engine) -> None:
    started = time.monotonic()
    scan_from(verifier.url, "127.21.0.1", path_of(verifier.seeded.urls["valid"]),
              path_of(verifier.seeded.urls["forged"]))
    rows = wait_for_rows(db, "127.21.0.1", 2)
    assert len(rows) == 2
    assert time.monotonic() - started < 2.5  # one 1 s tick, with room for a slow machine
    by_status = {r.status: r for r in rows}
    assert by_status["valid"].verdict == "authentic"
    assert by_status["valid"].certificate_number == verifier.seeded.numbers["valid"]
    assert by_status["forged"].verdict == "forged"
    assert {r.channel for r in rows} == {"page"}


def test_client_addresses_are_stored_only_as_keyed_hashes(verifier: Verifier,
                                                          db: Engine) -> None:
    source = "127.22.33.44"
    scan_from(verifier.url, source, path_of(verifier.seeded.urls["valid"]),
              path_of(verifier.seeded.unit_urls[5]))
    assert len(wait_for_rows(db, source, 2)) == 2
    with db.connect() as connection:
        everything = connection.execute(text("SELECT * FROM scans")).all()
    for row in everything:
        for value in row:
            assert "127.22.33" not in str(value)


def test_network_hash_is_per_slash_24(verifier: Verifier, db: Engine) -> None:
    code = path_of(verifier.seeded.urls["valid"])
    for source in ("127.23.0.1", "127.23.0.2", "127.24.0.1"):
        scan_from(verifier.url, source, code)
    first, second, other = (wait_for_rows(db, s, 1)[0]
                            for s in ("127.23.0.1", "127.23.0.2", "127.24.0.1"))
    assert first.client_hash != second.client_hash
    assert first.network_hash == second.network_hash
    assert other.network_hash != first.network_hash


def test_hostile_codes_are_stored_safely(verifier: Verifier, db: Engine) -> None:
    """NUL (which PostgreSQL refuses) and broken UTF-8 must not block the log."""
    source = "127.26.0.1"
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=verifier.url, timeout=30, transport=transport) as client:
        for path in ("/V/%00NUL-JUNK", "/V/%ED%A0%80SURROGATE-JUNK"):
            assert client.get(path).status_code < 500
    rows = wait_for_rows(db, source, 2)
    assert sorted(r.code for r in rows) == ["%ED%A0%80SURROGATE-JUNK", "\ufffdNUL-JUNK"]
    assert storable("A\udcedB\x00C") == "A?B\ufffdC"


def test_graceful_shutdown_writes_what_is_buffered(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shangpin.db'}"
    seeded = seed_registry(url)
    with ServerThread(make_settings(url, tmp_path)) as server:
        scan_from(server.url, "127.25.0.1", *(path_of(u) for u in seeded.unit_urls[:5]))
    engine = make_engine(url)
    try:
        assert len(rows_from(engine, "127.25.0.1")) == 5  # no wait: written at shutdown
    finally:
        engine.dispose()


# -- the buffer itself, against a real database whose writes really fail -------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scans.db'}"
    else:
        url = request.getfixturevalue("pg_database")
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def scan_row(n: int) -> dict[str, Any]:
    return {"scanned_at": dt.datetime.now(dt.UTC), "code": f"TEST-CODE-{n}",
            "certificate_number": None, "unit_serial": None, "verdict": "malformed",
            "status": "malformed", "channel": "api", "client_hash": "c" * 32,
            "network_hash": "n" * 32, "agent": "cli", "language": "en"}


def stored_codes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(select(Scan.code).order_by(Scan.id)))


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_buffered_rows_survive_a_failing_write(fresh_engine: Engine) -> None:
    scan_log = ScanLog(fresh_engine)
    failures = metric("shangpin_scan_log_write_failures_total")

    async def scenario() -> None:
        for n in range(3):
            scan_log.append(scan_row(n))
        with fresh_engine.begin() as connection:  # the table goes away: inserts fail
            connection.execute(text("ALTER TABLE scans RENAME TO scans_away"))
        try:
            assert await scan_log.flush() == []
            scan_log.append(scan_row(3))
            assert await scan_log.flush() == []
        finally:
            with fresh_engine.begin() as connection:
                connection.execute(text("ALTER TABLE scans_away RENAME TO scans"))
        assert len(scan_log.rows) == 4
        written = await scan_log.flush()  # the next tick
        assert [r["code"] for r in written] == [f"TEST-CODE-{n}" for n in range(4)]

    asyncio.run(scenario())
    assert metric("shangpin_scan_log_write_failures_total") == failures + 2
    assert stored_codes(fresh_engine) == [f"TEST-CODE-{n}" for n in range(4)]
    assert not scan_log.rows and not scan_log.failing


def test_a_row_the_database_refuses_is_dropped_alone(fresh_engine: Engine) -> None:
    scan_log = ScanLog(fresh_engine)
    invalid = metric("shangpin_scan_log_dropped_total", reason="invalid")
    poison = scan_row(1) | {"scanned_at": dt.datetime(2026, 1, 1)}  # naive: refused
    for each in (scan_row(0), poison, scan_row(2)):
        scan_log.append(each)
    written = asyncio.run(scan_log.flush())
    assert [r["code"] for r in written] == ["TEST-CODE-0", "TEST-CODE-2"]
    assert stored_codes(fresh_engine) == ["TEST-CODE-0", "TEST-CODE-2"]
    assert metric("shangpin_scan_log_dropped_total", reason="invalid") == invalid + 1
    assert not scan_log.rows


def test_buffer_is_bounded_dropping_the_oldest(fresh_engine: Engine) -> None:
    scan_log = ScanLog(fresh_engine, max_rows=5)
    dropped = metric("shangpin_scan_log_dropped_total", reason="overflow")
    for n in range(8):
        scan_log.append(scan_row(n))
    assert [r["code"] for r in scan_log.rows] == [f"TEST-CODE-{n}" for n in range(3, 8)]
    assert scan_log.dropped == 3
    assert metric("shangpin_scan_log_dropped_total", reason="overflow") == dropped + 3
    asyncio.run(scan_log.flush())
    assert stored_codes(fresh_engine) == [f"TEST-CODE-{n}" for n in range(3, 8)]

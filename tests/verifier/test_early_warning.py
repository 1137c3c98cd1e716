"""Early-warning alerts, end to end through a real server and directly over the real DB.

The server sees real client addresses: each scan comes from its own loopback source
address (127.N.0.1 are distinct /24 networks, all loopback), so no header is trusted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy import Engine, func, insert, select

from storage.models import Alert, Scan
from storage.session import make_engine
from tests.verifier.conftest import Verifier
from verifier import early_warning
from verifier.early_warning import RATE_SPIKE_MIN, evaluate
from verifier.keys import ENGINE, SETTINGS


def path_of(url: str) -> str:
    return "/V/" + url.rsplit("/", 1)[1]


def scan_from(verifier: Verifier, source: str, path: str, times: int = 1) -> None:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=verifier.url, timeout=30, transport=transport) as client:
        for _ in range(times):
            assert client.get(path).status_code == 200


@pytest.fixture(scope="module")
def db(verifier: Verifier) -> Iterator[Engine]:
    engine = make_engine(verifier.database_url)
    yield engine
    engine.dispose()


def alerts(engine: Engine, kind: str, number: str | None = None) -> list[Any]:
    query = select(Alert).where(Alert.kind == kind)
    if number is not None:
        query = query.where(Alert.certificate_number == number)
    with engine.connect() as connection:
        return list(connection.execute(query))


def wait_for_alerts(engine: Engine, kind: str, number: str, count: int,
                    timeout: float = 5) -> list[Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = alerts(engine, kind, number)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def scan_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Scan)) or 0)


def settle(engine: Engine, expected_scans: int) -> None:
    """Wait until the server has written ``expected_scans`` rows, then for its rules."""
    deadline = time.monotonic() + 5
    while scan_count(engine) < expected_scans and time.monotonic() < deadline:
        time.sleep(0.05)
    assert scan_count(engine) >= expected_scans
    time.sleep(1.5)  # the rules run right after the write that made the rows visible


# -- end to end ---------------------------------------------------------------------


def test_cloned_label_raises_exactly_one_alert(verifier: Verifier, db: Engine) -> None:
    number = verifier.seeded.numbers["valid"]
    code = path_of(verifier.seeded.unit_urls[0])  # unit serial 1
    networks = verifier.settings.clone_networks + 3
    for n in range(1, networks + 1):
        scan_from(verifier, f"127.{100 + n}.0.1", code)
    found = wait_for_alerts(db, "cloned_unit_code", number, 1)
    assert len(found) == 1
    alert = found[0]
    assert (alert.unit_serial, alert.source, alert.status.value) == (1, "scan", "open")
    assert alert.dedupe_key == f"cloned_unit_code:{number}:1"
    assert alert.details["networks"] >= verifier.settings.clone_networks
    # More scans from yet more networks, and again from the same ones: still one alert.
    before = scan_count(db)
    for n in range(1, 4):
        scan_from(verifier, f"127.{150 + n}.0.1", code)
        scan_from(verifier, f"127.{100 + n}.0.1", code, times=2)
    settle(db, before + 9)
    assert len(alerts(db, "cloned_unit_code", number)) == 1


def test_many_scans_from_one_network_raise_nothing(verifier: Verifier, db: Engine) -> None:
    number = verifier.seeded.numbers["valid"]
    before = scan_count(db)
    unit = path_of(verifier.seeded.unit_urls[1])  # unit serial 2
    for host in range(1, 5):  # four addresses, one /24
        scan_from(verifier, f"127.60.0.{host}", unit, times=3)
    scan_from(verifier, "127.60.0.9", path_of(verifier.seeded.urls["valid"]), times=10)
    settle(db, before + 22)
    assert all(a.unit_serial != 2 for a in alerts(db, "cloned_unit_code", number))
    # Every scan naming the valid certificate in this module (here, the clone test and the
    # forged code) stays under the spike floor of RATE_SPIKE_MIN an hour.
    assert alerts(db, "scan_rate_spike", number) == []


def test_status_scans_raise_one_alert_per_day(verifier: Verifier, db: Engine) -> None:
    seeded = verifier.seeded
    for round_ in range(2):
        for n, status in enumerate(("suspended", "revoked", "forged", "expired", "terminated")):
            scan_from(verifier, f"127.70.{n}.{round_ + 1}", path_of(seeded.urls[status]),
                      times=3)
        scan_from(verifier, "127.70.9.1", "/V/THIS-IS-NOT-A-MARK-CODE", times=3)
        suspended = wait_for_alerts(db, "scan_of_suspended", seeded.numbers["suspended"], 1)
        revoked = wait_for_alerts(db, "scan_of_revoked", seeded.numbers["revoked"], 1)
        # The forged code claims the valid certificate's number.
        forged = wait_for_alerts(db, "scan_of_forged", seeded.numbers["valid"], 1)
        assert (len(suspended), len(revoked), len(forged)) == (1, 1, 1)
    assert suspended[0].details["scans"] >= 3
    assert forged[0].details["code"] == seeded.urls["forged"].rsplit("/", 1)[1]
    day = early_warning.day_of(dt.datetime.now(dt.UTC))
    assert suspended[0].dedupe_key == f"scan_of_suspended:{seeded.numbers['suspended']}:{day}"
    with db.connect() as connection:
        raised = connection.execute(select(Alert.kind, Alert.certificate_number).where(
            Alert.certificate_number.in_(list(seeded.numbers.values()))
            | Alert.certificate_number.is_(None))).all()
    # Expired and terminated certificates and malformed junk raise nothing.
    assert {number for _kind, number in raised}.isdisjoint(
        {seeded.numbers["expired"], seeded.numbers["terminated"], None})
    assert {kind for kind, _number in raised} <= {
        "cloned_unit_code", "scan_of_suspended", "scan_of_revoked", "scan_of_forged"}


# -- the rules called directly, over the same real database --------------------------


def app_for(verifier: Verifier, engine: Engine) -> web.Application:
    """What ``evaluate`` needs from an application: settings and an engine."""
    app = web.Application()
    app[SETTINGS] = verifier.settings
    app[ENGINE] = engine
    return app


def row(number: str | None, *, serial: int | None = None, network: str = "n",
        ago: dt.timedelta = dt.timedelta(0), status: str = "valid", verdict: str = "authentic",
        code: str | None = None) -> dict[str, Any]:
    return {"scanned_at": dt.datetime.now(dt.UTC) - ago, "code": code or f"CODE-{number}-{serial}",
            "certificate_number": number, "unit_serial": serial, "verdict": verdict,
            "status": status, "channel": "api", "client_hash": network.ljust(32, "c")[:32],
            "network_hash": network.ljust(32, "n")[:32], "agent": "cli", "language": "en"}


def write(engine: Engine, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the scan log does before it calls the rules."""
    with engine.begin() as connection:
        connection.execute(insert(Scan), rows)
    return rows


def test_clone_rule_counts_networks_in_30_days_once_across_processes(
        verifier: Verifier, db: Engine) -> None:
    threshold = verifier.settings.clone_networks
    cloned = write(db, [row("SP-2099-00001", serial=7, network=f"net{n}",
                            ago=dt.timedelta(days=n))
                        for n in range(threshold)])
    under = write(db, [row("SP-2099-00001", serial=8, network=f"net{n}")
                       for n in range(threshold - 1)])
    stale = write(db, [row("SP-2099-00001", serial=9, network=f"net{n}",
                           ago=dt.timedelta(days=31)) for n in range(threshold)]
                  + [row("SP-2099-00001", serial=9, network="recent")])
    # A forged code naming the same unit is not a clone of a genuine label.
    fakes = write(db, [row("SP-2099-00001", serial=10, network=f"net{n}", status="forged",
                           verdict="forged") for n in range(threshold)])
    other = make_engine(verifier.database_url)  # a second process, with its own engine

    async def two_processes() -> None:
        batch = cloned + under + stale + fakes
        await asyncio.gather(evaluate(app_for(verifier, db), batch),
                             evaluate(app_for(verifier, other), batch))

    try:
        asyncio.run(two_processes())
        asyncio.run(evaluate(app_for(verifier, other), cloned))
    finally:
        other.dispose()
    raised = alerts(db, "cloned_unit_code", "SP-2099-00001")
    assert [(a.unit_serial, a.details["networks"]) for a in raised] == [(7, threshold)]


def test_rate_spike_against_the_weekly_baseline(verifier: Verifier, db: Engine) -> None:
    hours = 7 * 24
    # Quiet: one scan an hour for a week, so the floor (RATE_SPIKE_MIN) applies.
    write(db, [row("SP-2099-00002", ago=dt.timedelta(hours=h + 1.5))
               for h in range(hours)])
    # Busy: ten an hour, so the threshold is 10 x 10 = 100 an hour.
    write(db, [row("SP-2099-00003", ago=dt.timedelta(hours=h / 10 + 1.05))
               for h in range(hours * 10)])
    # A certificate with a burst far back (beyond the baseline) does not count it.
    write(db, [row("SP-2099-00004", ago=dt.timedelta(days=9)) for _ in range(500)])
    app = app_for(verifier, db)
    quiet = write(db, [row("SP-2099-00002") for _ in range(RATE_SPIKE_MIN + 1)])
    busy = write(db, [row("SP-2099-00003") for _ in range(60)])
    old = write(db, [row("SP-2099-00004") for _ in range(RATE_SPIKE_MIN)])
    asyncio.run(evaluate(app, quiet + busy + old))
    spikes = {a.certificate_number: a for a in alerts(db, "scan_rate_spike")}
    assert set(spikes) == {"SP-2099-00002"}
    assert spikes["SP-2099-00002"].details["last_hour"] == RATE_SPIKE_MIN + 1
    busier = write(db, [row("SP-2099-00003") for _ in range(50)])  # 110 > 100
    asyncio.run(evaluate(app, busier))
    asyncio.run(evaluate(app_for(verifier, db), busier + quiet))  # same day: no repeat
    spikes_now = [a.certificate_number for a in alerts(db, "scan_rate_spike")]
    assert sorted(spikes_now) == ["SP-2099-00002", "SP-2099-00003"]


def test_status_rules_group_per_certificate_and_skip_junk(verifier: Verifier,
                                                          db: Engine) -> None:
    batch = [
        row("SP-2099-00005", status="compromised_key", verdict="compromised_key",
            code="CODE-A", network="a"),
        row("SP-2099-00005", status="compromised_key", verdict="compromised_key",
            code="CODE-A", network="b"),
        row("SP-2099-00005", serial=3, status="compromised_key", verdict="compromised_key",
            code="CODE-B", network="b"),
        row(None, status="malformed", verdict="malformed", code="JUNK"),
        row("SP-2099-00006", status="expired"),
        row("SP-2099-00007", status="terminated"),
        row("SP-2099-00008", status="publicity"),
    ]
    app = app_for(verifier, db)
    asyncio.run(evaluate(app, write(db, batch)))
    asyncio.run(evaluate(app, write(db, batch)))
    raised = alerts(db, "scan_of_compromised_key", "SP-2099-00005")
    assert len(raised) == 1
    assert {"scans": 3, "codes": 2, "networks": 2}.items() <= raised[0].details.items()
    with db.connect() as connection:
        others = connection.scalars(select(Alert.certificate_number).where(
            Alert.certificate_number.in_(["SP-2099-00006", "SP-2099-00007",
                                          "SP-2099-00008"]))).all()
    assert others == []


"""Early-warning rules over each written batch of scans; alerts are stored for staff.

``scanlog`` calls ``evaluate(app, batch)`` after every successful batch write, so the
rows are already in the ``scans`` table and the rules may count them there. Each rule
costs at most one query per batch (never one per row), and each alert is stored once
per ``dedupe_key`` with an ``INSERT ... ON CONFLICT DO NOTHING``, so several verifier
processes looking at the same scans never raise the same alert twice.

The rules and their thresholds are described in ``docs/scan-alerts.md``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import Counter
from sqlalchemy import BigInteger, Connection, Engine, String, bindparam, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from issuer.status import today
from issuer.verification import Verdict
from storage.base import utcnow
from storage.enums import AlertStatus
from storage.models import Alert, Scan
from verifier.keys import ENGINE, SETTINGS

#: How far back the clone rule counts distinct networks for a unit code.
CLONE_WINDOW = dt.timedelta(days=30)
#: A certificate is "spiking" when its scans in the last RATE_WINDOW exceed
#: max(RATE_SPIKE_MIN, RATE_SPIKE_FACTOR x its average per RATE_WINDOW over the
#: RATE_BASELINE before that). The floor keeps a rarely scanned certificate from
#: alerting on its first busy afternoon.
RATE_WINDOW = dt.timedelta(hours=1)
RATE_BASELINE = dt.timedelta(days=7)
RATE_SPIKE_MIN = 50
RATE_SPIKE_FACTOR = 10
#: One process re-counts a certificate's rate at most this often: the count reads every
#: scan of the certificate in the last week, too much to repeat every second.
SPIKE_RECHECK_SECONDS = 60.0
#: Alert keys known to be stored are not tried again for this long (the key may be
#: freed by staff later, so the memory is not kept for ever).
KNOWN_TTL_SECONDS = 3600.0
MAX_REMEMBERED = 100_000
#: Rows per INSERT statement (keeps the bound parameters well under SQLite's limit).
INSERT_CHUNK = 200

#: Scan statuses that raise a per-day alert, and the alert kind. ``expired`` and
#: ``terminated`` do not: goods marked while the certificate stood stay on shelves
#: long after, so every such scan would be noise. ``malformed`` (junk that is not a
#: mark code) and ``publicity`` do not either. ``forged`` is keyed per code, the others
#: per certificate (what staff act on).
STATUS_KINDS: dict[str, str] = {
    "suspended": "scan_of_suspended",
    "revoked": "scan_of_revoked",
    "forged": "scan_of_forged",
    "compromised_key": "scan_of_compromised_key",
    "unknown_certificate": "scan_of_unknown_certificate",
}
PER_CODE_STATUSES = frozenset({"forged"})
STATUS_SUMMARIES: dict[str, str] = {
    "suspended": "Code of suspended certificate {number} scanned on {day}",
    "revoked": "Code of revoked certificate {number} scanned on {day}",
    "forged": "Forged code (claiming certificate {number}) scanned on {day}",
    "compromised_key": "Code of certificate {number} signed with a compromised key "
                       "scanned on {day}",
    "unknown_certificate": "Validly signed code for {number}, which is not in the registry, "
                           "scanned on {day}",
}
CLONE_KIND = "cloned_unit_code"
SPIKE_KIND = "scan_rate_spike"

ALERTS_RAISED = Counter("shangpin_alerts_raised", "Early-warning alerts stored", ["kind"])


@dataclass
class RuleState:
    """Per-process memory that saves queries; correctness never depends on it."""

    known: dict[str, float] = field(default_factory=dict)  # stored dedupe key -> when learnt
    spike_checked: dict[str, float] = field(default_factory=dict)  # certificate -> when

    def is_known(self, key: str, now: float) -> bool:
        learnt = self.known.get(key)
        return learnt is not None and now - learnt < KNOWN_TTL_SECONDS

    def remember(self, keys: Iterable[str], now: float) -> None:
        if len(self.known) > MAX_REMEMBERED:
            self.known.clear()
        self.known.update((key, now) for key in keys)

    def spike_due(self, number: str, now: float) -> bool:
        checked = self.spike_checked.get(number)
        return checked is None or now - checked >= SPIKE_RECHECK_SECONDS

    def spike_counted(self, numbers: Iterable[str], now: float) -> None:
        if len(self.spike_checked) > MAX_REMEMBERED:
            self.spike_checked.clear()
        self.spike_checked.update((number, now) for number in numbers)


RULE_STATE = web.AppKey("early_warning_state", RuleState)


def day_of(moment: dt.datetime) -> str:
    """The Shanghai calendar day that per-day alerts are keyed by."""
    return today(moment).isoformat()


def code_digest(code: str) -> str:
    """A short fixed-length stand-in for a code inside a dedupe key."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:24]


def clone_key(number: str, serial: int) -> str:
    return f"{CLONE_KIND}:{number}:{serial}"


def spike_key(number: str, day: str) -> str:
    return f"{SPIKE_KIND}:{number}:{day}"


def status_key(kind: str, row: Mapping[str, Any]) -> str:
    day = day_of(row["scanned_at"])
    if row["status"] in PER_CODE_STATUSES or not row["certificate_number"]:
        return f"{kind}:{code_digest(row['code'])}:{day}"
    return f"{kind}:{row['certificate_number']}:{day}"


def _alert(kind: str, key: str, summary: str, details: dict[str, Any], now: dt.datetime,
           number: str | None = None, serial: int | None = None) -> dict[str, Any]:
    return {"kind": kind, "source": "scan", "dedupe_key": key, "certificate_number": number,
            "unit_serial": serial, "summary": summary, "details": details,
            "created_at": now, "status": AlertStatus.OPEN}


def status_alerts(batch: Sequence[Mapping[str, Any]], now: dt.datetime) -> list[dict[str, Any]]:
    """Alerts for scans of suspended, revoked, forged, compromised-key and unknown codes."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in batch:
        kind = STATUS_KINDS.get(row["status"] or "")
        if kind is not None:
            groups.setdefault(status_key(kind, row), []).append(row)
    alerts = []
    for key, rows in groups.items():
        first = rows[0]
        kind = STATUS_KINDS[first["status"]]
        number = first["certificate_number"]
        details: dict[str, Any] = {
            "day": day_of(first["scanned_at"]),
            "status": first["status"],
            "scans": len(rows),
            "networks": len({r["network_hash"] for r in rows}),
            "channels": sorted({r["channel"] for r in rows}),
            "first_scanned_at": min(r["scanned_at"] for r in rows).isoformat(),
        }
        if first["status"] in PER_CODE_STATUSES:
            details["code"] = first["code"]
        else:
            details["codes"] = len({r["code"] for r in rows})
        serials = sorted({r["unit_serial"] for r in rows if r["unit_serial"] is not None})
        if serials:
            details["unit_serials"] = serials[:20]
        summary = STATUS_SUMMARIES[first["status"]].format(
            number=number or "(unreadable)", day=details["day"])
        alerts.append(_alert(kind, key, summary, details, now, number,
                             serials[0] if len(serials) == 1 else None))
    return alerts


def clone_alert(number: str, serial: int, networks: int, now: dt.datetime,
                threshold: int) -> dict[str, Any]:
    summary = (f"Unit code {number} #{serial} scanned from {networks} distinct networks "
               f"in {CLONE_WINDOW.days} days: the label is probably cloned")
    details = {"networks": networks, "threshold": threshold, "window_days": CLONE_WINDOW.days}
    return _alert(CLONE_KIND, clone_key(number, serial), summary, details, now, number, serial)


def spike_threshold(baseline_scans: int) -> float:
    hours = RATE_BASELINE / RATE_WINDOW
    return max(RATE_SPIKE_MIN, RATE_SPIKE_FACTOR * baseline_scans / hours)


def spike_alert(number: str, recent: int, baseline_scans: int,
                now: dt.datetime) -> dict[str, Any]:
    threshold = spike_threshold(baseline_scans)
    average = baseline_scans / (RATE_BASELINE / RATE_WINDOW)
    summary = (f"Certificate {number} scanned {recent} times in the last hour "
               f"(usual: {average:.1f} an hour)")
    details = {"last_hour": recent, "baseline_hourly": round(average, 2),
               "threshold": round(threshold, 2), "baseline_days": RATE_BASELINE.days,
               "day": day_of(now)}
    return _alert(SPIKE_KIND, spike_key(number, day_of(now)), summary, details, now, number)


def _units_table(dialect: str, units: Sequence[tuple[str, int]]) -> tuple[Any, Any, Any]:
    """The batch's unit codes as a table to join on: (from clause, number, serial).

    Two bound arrays (PostgreSQL) or one JSON text (SQLite) rather than a tuple IN list,
    whose planning alone costs PostgreSQL most of a second at 1,000 pairs; the join
    then probes ix_scans_unit once per unit code.
    """
    if dialect == "postgresql":
        table = func.unnest(
            bindparam("numbers", [n for n, _ in units], type_=postgresql.ARRAY(String)),
            bindparam("serials", [s for _, s in units], type_=postgresql.ARRAY(BigInteger)),
        ).table_valued("number", "serial").render_derived()
        return table, table.c.number, table.c.serial
    table = func.json_each(bindparam("units", json.dumps(list(units)))).table_valued("value")
    return (table, func.json_extract(table.c.value, "$[0]"),
            func.json_extract(table.c.value, "$[1]"))


def _numbers_table(dialect: str, numbers: Sequence[str]) -> tuple[Any, Any]:
    """The batch's certificate numbers as a table to join on: (from clause, number)."""
    if dialect == "postgresql":
        table = func.unnest(
            bindparam("numbers", list(numbers), type_=postgresql.ARRAY(String)),
        ).table_valued("number").render_derived()
        return table, table.c.number
    table = func.json_each(bindparam("numbers", json.dumps(list(numbers)))).table_valued("value")
    return table, table.c.value


def _clone_counts(connection: Connection, units: Sequence[tuple[str, int]],
                  since: dt.datetime) -> list[tuple[str, int, int]]:
    """Distinct networks per unit code in the window (served by ix_scans_unit)."""
    table, number, serial = _units_table(connection.dialect.name, units)
    query = (
        select(Scan.certificate_number, Scan.unit_serial,
               func.count(func.distinct(Scan.network_hash)))
        .select_from(table)
        .join(Scan, (Scan.certificate_number == number) & (Scan.unit_serial == serial))
        .where(Scan.scanned_at >= since, Scan.verdict == Verdict.AUTHENTIC.value)
        .group_by(Scan.certificate_number, Scan.unit_serial)
    )
    return [(str(r[0]), int(r[1] or 0), int(r[2])) for r in connection.execute(query)]


def _rate_counts(connection: Connection, numbers: Sequence[str],
                 now: dt.datetime) -> list[tuple[str, int, int]]:
    """(certificate, scans in the last window, scans in the baseline before it)."""
    window_start = now - RATE_WINDOW
    recent = func.sum(case((Scan.scanned_at >= window_start, 1), else_=0))
    earlier = func.sum(case((Scan.scanned_at < window_start, 1), else_=0))
    table, number = _numbers_table(connection.dialect.name, numbers)
    query = (
        select(Scan.certificate_number, recent, earlier)
        .select_from(table)
        .join(Scan, Scan.certificate_number == number)
        .where(Scan.scanned_at >= window_start - RATE_BASELINE)
        .group_by(Scan.certificate_number)
    )
    return [(str(r[0]), int(r[1] or 0), int(r[2] or 0)) for r in connection.execute(query)]


def store_alerts(connection: Connection, alerts: Sequence[dict[str, Any]]) -> list[str]:
    """Insert alerts, skipping any whose dedupe key is stored; the keys actually inserted."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        make_insert: Any = postgresql.insert
    elif dialect == "sqlite":
        make_insert = sqlite.insert
    else:  # pragma: no cover - only the two supported backends exist
        raise RuntimeError(f"no ON CONFLICT insert for {dialect}")
    inserted: list[str] = []
    # A fixed order means two processes inserting overlapping keys cannot deadlock.
    ordered = sorted(alerts, key=lambda a: a["dedupe_key"])
    for start in range(0, len(ordered), INSERT_CHUNK):
        statement = (
            make_insert(Alert)
            .values(ordered[start:start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Alert.dedupe_key, Alert.kind)
        )
        for key, kind in connection.execute(statement):
            inserted.append(key)
            ALERTS_RAISED.labels(kind).inc()
    return inserted


@dataclass
class _Work:
    """What one batch asks of the database."""

    now: dt.datetime
    clone_threshold: int
    units: list[tuple[str, int]]
    numbers: list[str]
    alerts: list[dict[str, Any]]


def _run(engine: Engine, work: _Work) -> tuple[list[str], list[str]]:
    """(keys tried, keys inserted). Runs in an executor thread: one connection, one commit."""
    alerts = list(work.alerts)
    with engine.begin() as connection:
        if work.units:
            since = work.now - CLONE_WINDOW
            for number, serial, networks in _clone_counts(connection, work.units, since):
                if networks >= work.clone_threshold:
                    alerts.append(clone_alert(number, serial, networks, work.now,
                                              work.clone_threshold))
        if work.numbers:
            for number, recent, baseline in _rate_counts(connection, work.numbers, work.now):
                if recent > spike_threshold(baseline):
                    alerts.append(spike_alert(number, recent, baseline, work.now))
        inserted = store_alerts(connection, alerts) if alerts else []
    return [a["dedupe_key"] for a in alerts], inserted


async def evaluate(app: web.Application, batch: list[dict[str, Any]],
                   engine: Engine | None = None) -> None:
    """Raise stored alerts for what the batch shows; idempotent per alert.

    ``app`` needs SETTINGS and ENGINE (used unless ``engine`` is given: the scan log
    passes the connection that has just written the batch, whose cache holds the
    index pages the rules read); RULE_STATE (set up by the scan log) is optional and
    only saves queries. All of it runs in an executor thread: going through a batch of
    thousands of rows takes tens of milliseconds, which the event loop would otherwise
    spend not answering anyone.
    """
    if not batch:
        return
    state = app.get(RULE_STATE) or RuleState()
    await asyncio.get_running_loop().run_in_executor(
        None, _evaluate, engine or app[ENGINE], batch, state, app[SETTINGS].clone_networks)


def _evaluate(engine: Engine, batch: list[dict[str, Any]], state: RuleState,
              clone_threshold: int) -> None:
    clock = time.monotonic()
    now = utcnow()
    today_key = day_of(now)
    alerts = [a for a in status_alerts(batch, now) if not state.is_known(a["dedupe_key"], clock)]
    units = sorted({
        (r["certificate_number"], r["unit_serial"]) for r in batch
        if r["unit_serial"] is not None and r["certificate_number"]
        and r["verdict"] == Verdict.AUTHENTIC.value
        and not state.is_known(clone_key(r["certificate_number"], r["unit_serial"]), clock)
    })
    numbers = sorted({
        r["certificate_number"] for r in batch
        if r["certificate_number"] and state.spike_due(r["certificate_number"], clock)
        and not state.is_known(spike_key(r["certificate_number"], today_key), clock)
    })
    if not (alerts or units or numbers):
        return
    tried, _inserted = _run(engine, _Work(now, clone_threshold, units, numbers, alerts))
    state.remember(tried, clock)
    state.spike_counted(numbers, clock)

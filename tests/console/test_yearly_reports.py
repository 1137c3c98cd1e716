"""Yearly reports: figures equal counts made independently here, the page equals the CSV,
and each role reads only the reports it may."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from issuer import registry, status
from storage.enums import AlertStatus, Scheme
from storage.models import (
    Alert,
    Certificate,
    CertificationBody,
    InfringementRecord,
    StatusEvent,
    SurveillanceVisit,
)
from tests.console.conftest import Console
from tests.console.lifecycle_factory import at, make

CELL = re.compile(r'<td data-key="([^"]+)">([^<]*)</td>')
STATUSES = ("publicity", "valid", "suspended", "expired", "terminated", "revoked")


def _year_of(moment: dt.datetime) -> int:
    return moment.astimezone(status.TIMEZONE).year


def _scoped(engine: Engine, body: str | None) -> dict[int, Any]:
    """Certificates by id, optionally only one body's."""
    query = select(Certificate.id, Certificate.number, Certificate.scheme,
                   Certificate.valid_from, Certificate.valid_until,
                   CertificationBody.code).join(
        CertificationBody, CertificationBody.id == Certificate.body_id)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return {r.id: r for r in rows if body is None or r.code == body}


def expected(engine: Engine, year: int, body: str | None) -> dict[str, str]:
    """The report's summary figures, counted here from plain rows in Python."""
    certificates = _scoped(engine, body)
    numbers = {c.number for c in certificates.values()}
    today = status.today()
    as_at = dt.date(year, 12, 31) if year < today.year else today
    cutoff = at(dt.date(year + 1, 1, 1), 0) if year < today.year else dt.datetime.now(dt.UTC)
    with engine.connect() as connection:
        events = connection.execute(select(StatusEvent)).all()
        visits = connection.execute(select(SurveillanceVisit)).all()
        alerts = connection.execute(select(Alert)).all()
        records = connection.execute(select(InfringementRecord)).all()
    state_then: dict[int, tuple[dt.datetime, int, Any]] = {}
    for e in events:
        if e.certificate_id in certificates and e.occurred_at < cutoff:
            known = state_then.get(e.certificate_id)
            if known is None or (e.occurred_at, e.id) > known[:2]:
                state_then[e.certificate_id] = (e.occurred_at, e.id, e.to_state)
    figures: Counter[str] = Counter()
    overdue = 0
    for certificate_id, (_, _, state) in state_then.items():
        c = certificates[certificate_id]
        shown = status.public_status(state, c.valid_until, as_at).value
        figures[f"certificates.{c.scheme.value}.{shown}"] += 1
        if shown in ("valid", "suspended"):
            done = sorted((v.visited_on, v.id, v.next_due) for v in visits
                          if v.certificate_id == certificate_id and v.visited_on <= as_at)
            due = done[-1][2] if done else registry.add_years(c.valid_from, 1)
            overdue += due < as_at
    result = {f"certificates.{s.value}.{shown}": str(figures[f"certificates.{s.value}.{shown}"])
              for s in Scheme for shown in STATUSES}
    result["certificates.total"] = str(len(state_then))
    for outcome in ("passed", "failed"):
        result[f"surveillance.done.{outcome}"] = str(sum(
            1 for v in visits if v.certificate_id in certificates and v.result == outcome
            and v.visited_on.year == year and v.visited_on <= as_at))
    result["surveillance.overdue"] = str(overdue)
    for key, state in (("suspensions", "suspended"), ("revocations", "revoked")):
        result[key] = str(sum(1 for e in events if e.certificate_id in certificates
                              and e.to_state == state and _year_of(e.occurred_at) == year))
    mine = [a for a in alerts if body is None or a.certificate_number in numbers]
    result["alerts.raised"] = str(sum(1 for a in mine if _year_of(a.created_at) == year))
    for outcome in ("confirmed", "dismissed"):
        result[f"alerts.{outcome}"] = str(sum(
            1 for a in mine if a.status == outcome and a.reviewed_at is not None
            and _year_of(a.reviewed_at) == year))
    result["infringements"] = str(sum(
        1 for r in records if _year_of(r.confirmed_at) == year
        and (body is None or r.certificate_number in numbers)))
    return result


@pytest.fixture(scope="module")
def world(console: Console) -> Console:
    """Alerts and infringement records in this year and the last, on both bodies."""
    this_year = status.today().year
    own = make(console.engine, console.officer_body, outcome="suspended", days_ago=12,
               reason="年报测试：暂停")
    other = make(console.engine, console.other_body, outcome="revoked", days_ago=12,
                 reason="年报测试：撤销")
    plans = [  # (certificate, created in year, outcome, reviewed in year)
        (own.number, this_year, AlertStatus.CONFIRMED, this_year),
        (own.number, this_year, AlertStatus.DISMISSED, this_year),
        (own.number, this_year - 1, AlertStatus.CONFIRMED, this_year),
        (own.number, this_year - 1, AlertStatus.OPEN, None),
        (other.number, this_year, AlertStatus.CONFIRMED, this_year),
        (other.number, this_year - 1, AlertStatus.DISMISSED, this_year - 1),
        (None, this_year, AlertStatus.CONFIRMED, this_year),
    ]
    with Session(console.engine) as session, session.begin():
        for i, (number, created, outcome, reviewed) in enumerate(plans):
            alert = Alert(kind="misuse", source="crawler", dedupe_key=f"yearly-test:{i}",
                          certificate_number=number, summary=f"年报测试预警 {i}",
                          created_at=at(dt.date(created, 1, 1), 1), status=outcome,
                          reviewed_by="reviewer" if reviewed else None,
                          reviewed_at=at(dt.date(reviewed, 1, 1), 2) if reviewed else None,
                          review_reason="测试" if reviewed else None)
            session.add(alert)
            session.flush()
            if outcome is AlertStatus.CONFIRMED and reviewed is not None:
                session.add(InfringementRecord(
                    alert_id=alert.id, kind="misuse", certificate_number=number,
                    seller_name="=HYPERLINK(\"http://evil\")", summary=f"侵权记录 {i}",
                    evidence={}, confirmed_by="reviewer", confirmed_at=alert.reviewed_at))
    return console


def _page_and_csv(client: httpx.Client, path: str) -> tuple[dict[str, str], list[list[str]],
                                                             httpx.Response]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    shown = dict(CELL.findall(page.text))
    download = client.get(path + ".csv")
    assert download.status_code == 200
    assert download.content.startswith("\ufeff".encode())
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    return shown, rows, download


@pytest.mark.parametrize("years_ago", [0, 1])
def test_the_alliance_report_equals_independent_counts(world: Console, years_ago: int) -> None:
    year = status.today().year - years_ago
    with world.as_user("reviewer") as client:
        shown, rows, download = _page_and_csv(client, f"/console/reports/alliance/{year}")
        via_query = client.get(f"/console/reports/alliance/{year}?format=csv")
    assert via_query.content == download.content
    assert (download.headers["content-disposition"]
            == f'attachment; filename="shangpin-alliance-report-{year}.csv"')
    counted = expected(world.engine, year, None)
    assert {k: shown[k] for k in counted} == counted
    assert int(counted["certificates.total"]) > 0
    # The CSV says what the page says, line for line.
    header, *lines = rows
    assert header == ["键", "项目", "数值", "日期", "证书编号", "主体", "说明"]
    details = {"infringement", "suspension", "revocation", "surveillance.overdue.certificate"}
    from_csv = {line[0]: line[2] for line in lines
                if line[0] not in details and not line[0].startswith("report.")}
    assert from_csv == shown
    assert ["report.year", "年度", str(year)] == lines[1][:3]
    for key, detail in (("suspensions", "suspension"), ("revocations", "revocation"),
                        ("infringements", "infringement")):
        assert sum(1 for line in lines if line[0] == detail) == int(shown[key])
    # Text typed by others cannot run as a spreadsheet formula.
    assert all(not cell.startswith("=") for line in lines for cell in line)


def test_a_body_report_counts_only_its_own(world: Console) -> None:
    year = status.today().year
    with world.as_user("officer") as client:
        shown, rows, download = _page_and_csv(
            client, f"/console/reports/body/{world.officer_body}/{year}")
        assert "年报测试：暂停" in client.get(
            f"/console/reports/body/{world.officer_body}/{year}").text
    counted = expected(world.engine, year, world.officer_body)
    assert {k: shown[k] for k in counted} == counted
    everything = expected(world.engine, year, None)
    assert int(counted["alerts.raised"]) < int(everything["alerts.raised"])
    assert int(counted["revocations"]) < int(everything["revocations"])
    assert download.headers["content-disposition"] == (
        f'attachment; filename="shangpin-body-report-{world.officer_body}-{year}.csv"')
    assert ["report.body", "认证机构", world.officer_body] == [
        line[:3] for line in rows if line[0] == "report.body"][0]
    due = [line for line in rows if line[0] == "report.due"][0]
    assert due[2] == f"{year}-11-30"


def test_each_role_reads_only_the_reports_it_may(world: Console) -> None:
    year = status.today().year
    with world.as_user("officer") as client:
        assert client.get("/console/reports").status_code == 200
        assert client.get(f"/console/reports/body/{world.other_body}/{year}").status_code == 404
        assert client.get(
            f"/console/reports/body/{world.other_body}/{year}.csv").status_code == 404
        assert client.get(f"/console/reports/alliance/{year}").status_code == 403
        assert client.get(f"/console/reports/alliance/{year}.csv").status_code == 403
        chosen = client.get("/console/reports", params={
            "kind": "body", "year": str(year), "body": world.officer_body},
            follow_redirects=False)
        assert chosen.headers["location"] == f"/console/reports/body/{world.officer_body}/{year}"
    with world.as_user("admin") as client:
        assert client.get(f"/console/reports/body/{world.other_body}/{year}").status_code == 200
        assert client.get(f"/console/reports/alliance/{year + 1}").status_code == 404
        assert client.get("/console/reports/alliance/1999").status_code == 404
        assert client.get("/console/reports/body/NO-SUCH-BODY/2026").status_code == 404
    with world.as_user("holder") as client:
        assert client.get("/console/reports").status_code == 403
        assert client.get(f"/console/reports/alliance/{year}.csv").status_code == 403

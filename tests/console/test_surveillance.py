"""Recording surveillance visits and the list of certificates due or overdue."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from sqlalchemy import select

from issuer import status
from storage.models import Certificate
from tests.console.conftest import Console, csrf_token
from tests.console.lifecycle_factory import audit_rows, make
from verifier.console import surveillance

ROWS = re.compile(r'<tr data-number="([^"]+)" data-overdue="(yes|no)">')


def _due(client: httpx.Client) -> dict[str, str]:
    page = client.get("/console/surveillance")
    assert page.status_code == 200
    return dict(ROWS.findall(page.text))


def _dates(console: Console, number: str) -> tuple[dt.date | None, dt.date | None]:
    with console.engine.connect() as connection:
        row = connection.execute(select(Certificate.last_surveillance,
                                        Certificate.next_surveillance).where(
            Certificate.number == number)).one()
    return row[0], row[1]


def test_the_due_list_shows_overdue_and_soon_due_in_scope(console: Console) -> None:
    overdue = make(console.engine, console.officer_body, days_ago=300, visit=(250, -15))
    soon = make(console.engine, console.officer_body, days_ago=300, visit=(200, 10))
    later = make(console.engine, console.officer_body, days_ago=300, visit=(100, 200))
    never = make(console.engine, console.officer_body, days_ago=420)  # no visit: due at 1 year
    suspended = make(console.engine, console.officer_body, days_ago=300, visit=(250, -5),
                     outcome="suspended")
    revoked = make(console.engine, console.officer_body, days_ago=300, visit=(250, -5),
                   outcome="revoked")
    elsewhere = make(console.engine, console.other_body, days_ago=300, visit=(250, -15))
    with console.as_user("officer") as client:
        mine = _due(client)
    assert mine[overdue.number] == "yes" and mine[soon.number] == "no"
    assert mine[never.number] == "yes" and mine[suspended.number] == "yes"
    for absent in (later, revoked, elsewhere):
        assert absent.number not in mine
    with console.as_user("admin") as client:
        everything = _due(client)
        page = client.get("/console/surveillance").text
    assert everything[elsewhere.number] == "yes" and later.number not in everything
    assert f'href="/console/certificates/{soon.number}#surveillance"' in page
    # Overdue first: the list is ordered by due date.
    numbers = list(everything)
    assert numbers.index(overdue.number) < numbers.index(soon.number)
    with console.as_user("reviewer") as client:
        assert client.get("/console/surveillance").status_code == 403


def test_recording_a_visit_moves_the_next_due_date(console: Console) -> None:
    made = make(console.engine, console.officer_body, days_ago=300, visit=(250, -15))
    today = status.today()
    visited, next_due = today - dt.timedelta(days=2), today + dt.timedelta(days=300)
    with console.as_user("officer") as client:
        page = client.get(f"/console/certificates/{made.number}")
        assert 'id="record-visit"' in page.text
        token = csrf_token(page.text)
        response = client.post(f"/console/certificates/{made.number}/surveillance", data={
            "csrf_token": token, "visited_on": visited.isoformat(), "result": "passed",
            "next_due": next_due.isoformat(), "notes": "现场审核，标志使用规范"})
        assert response.status_code == 303
        assert made.number not in _due(client)
        shown = client.get(f"/console/certificates/{made.number}").text
        assert "现场审核，标志使用规范" in shown and next_due.isoformat() in shown
    assert _dates(console, made.number) == (visited, next_due)
    assert audit_rows(console.engine, "surveillance.record", f"certificate:{made.number}") == 1


def test_bad_visits_are_refused_and_change_nothing(console: Console) -> None:
    made = make(console.engine, console.officer_body, days_ago=300, visit=(250, -15))
    today = status.today()
    before = _dates(console, made.number)
    target = f"certificate:{made.number}"
    with console.as_user("officer") as client:
        token = csrf_token(client.get(f"/console/certificates/{made.number}").text)
        cases = [
            ({"visited_on": today.isoformat(),
              "next_due": (today + dt.timedelta(days=400)).isoformat()}, 400, "不超过一年"),
            ({"visited_on": (today + dt.timedelta(days=3)).isoformat()}, 400, "不能晚于今天"),
            ({"visited_on": (today - dt.timedelta(days=260)).isoformat()}, 400, "更晚的监督记录"),
            ({"visited_on": "2026-13-01"}, 400, "格式不正确"),
            ({"visited_on": ""}, 400, "请填写监督日期"),
            ({"visited_on": today.isoformat(), "result": "maybe"}, 400, "请选择结论"),
        ]
        for fields, code, says in cases:
            data = {"csrf_token": token, "result": "passed", **fields}
            response = client.post(f"/console/certificates/{made.number}/surveillance",
                                   data=data)
            assert response.status_code == code, fields
            assert says in response.text, fields
        no_token = client.post(f"/console/certificates/{made.number}/surveillance",
                               data={"visited_on": today.isoformat(), "result": "passed"})
        assert no_token.status_code == 403
    with console.as_user("reviewer") as client:
        token = csrf_token(client.get("/console/").text)
        denied = client.post(f"/console/certificates/{made.number}/surveillance", data={
            "csrf_token": token, "visited_on": today.isoformat(), "result": "passed"})
        assert denied.status_code == 403
    elsewhere = make(console.engine, console.other_body, days_ago=300, visit=(250, -15))
    with console.as_user("officer") as client:
        token = csrf_token(client.get("/console/").text)
        other = client.post(f"/console/certificates/{elsewhere.number}/surveillance", data={
            "csrf_token": token, "visited_on": today.isoformat(), "result": "passed"})
        assert other.status_code == 404
    assert _dates(console, made.number) == before
    assert audit_rows(console.engine, "surveillance.record", target) == 0
    assert audit_rows(console.engine, "surveillance.record",
                      f"certificate:{elsewhere.number}") == 0


def test_the_due_list_comes_a_page_at_a_time_in_due_order(
        console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    for days in (-20, -3, 5, 12):
        make(console.engine, console.officer_body, days_ago=300, visit=(250, days))
    with console.as_user("admin") as client:
        whole = client.get("/console/surveillance").text
        everything = ROWS.findall(whole)
        assert len(everything) >= 5
        total = re.search(r'<p id="due-counts">([^<]*)</p>', whole)
        assert total is not None
        monkeypatch.setattr(surveillance, "PAGE_SIZE", 2)
        seen: list[tuple[str, str]] = []
        page = 1
        while True:
            shown = client.get(f"/console/surveillance?page={page}").text
            rows = ROWS.findall(shown)
            assert 1 <= len(rows) <= 2
            # The counts are of the whole list, not of the page.
            assert f'<p id="due-counts">{total.group(1)}</p>' in shown
            seen += rows
            if 'id="next-page"' not in shown:
                break
            page += 1
        assert seen == everything and page == -(-len(everything) // 2)
        # A page past the end shows the last one.
        assert ROWS.findall(client.get("/console/surveillance?page=999").text) == rows

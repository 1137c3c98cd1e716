"""What a holder does not see: the alliance's review internals on its alerts, staff names
on its credit file and certificate, and objections against it. Checked in the handlers'
data (so no template can show them) and on the pages, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from issuer import credit, status
from storage.models import CreditEvent, InfringementRecord, Objection, StaffRole, Subject
from storage.session import Database
from tests.console import test_alerts
from tests.console.conftest import Console, csrf_token
from tests.console.lifecycle_factory import make
from tests.console.test_alerts import World, crawler_alert, plain_alert, post, user
from verifier.console import alerts_detail, certificate_pages, credit_files
from verifier.console.sessions import Staff

world = test_alerts.world
_close_clients = test_alerts._close_clients

REASON = "内部复核意见：与去年同一批次"


def staff_as(role: StaffRole, username: str, subject: Subject | None = None) -> Staff:
    return Staff(session_id=0, user_id=0, username=username, display_name=username, role=role,
                 body_id=None, body_code=None, body_name=None,
                 subject_id=subject.id if subject else None,
                 subject_uscc=subject.uscc if subject else None,
                 subject_name=subject.name if subject else None, csrf_token="")


@pytest.fixture()
def database(console: Console) -> Iterator[Database]:
    opened = Database.open(console.database_url)
    try:
        yield opened
    finally:
        opened.close()


def test_a_holder_sees_that_its_alert_was_reviewed_not_by_whom_or_why(
        console: Console, world: World, database: Database) -> None:
    reviewed = plain_alert(console, number=world.holder_number)
    assigned = plain_alert(console, number=world.holder_number)
    reviewer = user(console, "reviewer")
    assert post(reviewer, f"/console/alerts/{reviewed}/dismiss",
                {"reason": REASON}).status_code == 303
    assert post(reviewer, f"/console/alerts/{assigned}/assign",
                {"to_me": "1"}).status_code == 303
    holder = staff_as(StaffRole.HOLDER, "holder", world.holder)
    admin = staff_as(StaffRole.ALLIANCE_ADMIN, "admin")
    with database.transaction() as session:
        hidden = alerts_detail.detail(session, holder, reviewed)
        shown = alerts_detail.detail(session, admin, reviewed)
        pending = alerts_detail.detail(session, holder, assigned)
    assert hidden is not None and shown is not None and pending is not None
    assert shown["alert"]["reviewed_by"] == "reviewer" and shown["alert"]["review_reason"]
    assert hidden["alert"]["reviewed_by"] is None and hidden["alert"]["review_reason"] is None
    assert hidden["alert"]["reviewed_at"] is not None and hidden["review_hidden"] is True
    assert pending["alert"]["assigned_to"] is None and pending["alert"]["assigned_at"] is None

    page = user(console, "holder").get(f"/console/alerts/{reviewed}").text
    assert 'id="reviewed"' in page and REASON not in page
    assert 'id="review-reason"' not in page and 'id="assigned-to"' not in page
    assert "reviewer" not in page[page.index('id="review"'):]
    queue = user(console, "holder").get("/console/alerts").text
    row = queue[queue.index(f'data-alert="{assigned}"'):]
    assert "reviewer" not in row[:row.index("</tr>")]
    staff_queue = user(console, "admin").get("/console/alerts").text
    row = staff_queue[staff_queue.index(f'data-alert="{assigned}"'):]
    assert "reviewer" in row[:row.index("</tr>")]


def test_a_holders_credit_file_names_no_staff(console: Console, world: World,
                                              database: Database) -> None:
    alert_id = crawler_alert(console, number=world.holder_number, subject=world.holder,
                             match="credit_code", seller_code=world.holder.uscc)
    assert post(user(console, "reviewer"), f"/console/alerts/{alert_id}/confirm",
                {"charge": "1"}).status_code == 303
    with database.transaction() as session:
        record_id = session.scalar(select(InfringementRecord.id).where(
            InfringementRecord.alert_id == alert_id))
        event = session.scalars(select(CreditEvent).where(
            CreditEvent.source == f"infringement:{record_id}")).one()
        credit.repair(session, event.id, actor="admin", reason="已整改并提交材料")
        event_id = event.id
    holder = staff_as(StaffRole.HOLDER, "holder", world.holder)
    admin = staff_as(StaffRole.ALLIANCE_ADMIN, "admin")
    with database.transaction() as session:
        own = credit_files.credit_file(session, holder, world.holder.id, status.today())
        full = credit_files.credit_file(session, admin, world.holder.id, status.today())
    assert own is not None and full is not None
    mine = next(e for e in own["events"] if e["id"] == event_id)
    theirs = next(e for e in full["events"] if e["id"] == event_id)
    assert (theirs["recorded_by"], theirs["repaired_by"]) == ("reviewer", "admin")
    assert mine["recorded_by"] is None and mine["repaired_by"] is None
    assert mine["repair_reason"] == "已整改并提交材料"
    assert mine["source"]["link"] is None  # a holder cannot open infringement records
    assert all(e["recorded_by"] is None and e["repaired_by"] is None for e in own["events"])

    page = user(console, "holder").get(f"/console/credit/{world.holder.id}").text
    row = page[page.index(f'data-event="{event_id}"'):]
    row = row[:row.index("</tr>")]
    assert "已整改并提交材料" in row and "reviewer" not in row and "admin" not in row
    assert "记录人" not in page


def test_objections_are_not_loaded_for_the_holder(console: Console, world: World,
                                                  database: Database) -> None:
    made = make(console.engine, console.officer_body, outcome="publicity", days_ago=20,
                subject_uscc=console.holder_uscc)
    admin_client = user(console, "admin")
    token = csrf_token(admin_client.get("/console/").text)
    assert admin_client.post(f"/console/certificates/{made.number}/objections", data={
        "csrf_token": token, "lodged_by": "投诉人王某", "text": "异议内容"}).status_code == 303
    holder = staff_as(StaffRole.HOLDER, "holder", world.holder)
    admin = staff_as(StaffRole.ALLIANCE_ADMIN, "admin")
    with database.transaction() as session:
        assert session.scalar(select(Objection.id).where(
            Objection.lodged_by == "投诉人王某")) is not None
        own = certificate_pages.certificate_detail(session, holder, made.number)
        full = certificate_pages.certificate_detail(session, admin, made.number)
    assert own is not None and full is not None
    assert [o["lodged_by"] for o in full["objections"]] == ["投诉人王某"]
    assert own["objections"] == []
    assert all(h["actor"] is None for h in own["history"])
    assert any(h["actor"] for h in full["history"])

"""Credit files in the console and on the public certificate page: scope, the repair
permission, CSRF, the audit trail, and what the public sees."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import credit, registry, status
from storage.base import utcnow
from storage.enums import CertificateState, CreditSeverity
from storage.models import (
    Alert,
    AuditEntry,
    Certificate,
    CertificationBody,
    CreditEvent,
    InfringementRecord,
    Subject,
)
from tests.console.conftest import Console, csrf_token
from tests.factories import make_uscc

SUBJECT_ROWS = re.compile(r'<tr data-subject="(\d+)" data-grade="([A-D])">')


def _subjects_listed(client: httpx.Client, query: str = "") -> set[int]:
    found: set[int] = set()
    page = 1
    while True:
        html = client.get("/console/credit", params={"q": query, "page": page}).text
        found |= {int(i) for i, _ in SUBJECT_ROWS.findall(html)}
        if f"?page={page + 1}" not in html:
            return found
        page += 1


def _subject_with_event(console: Console, session: Session, *, with_certificate: bool = False
                        ) -> tuple[int, int, str]:
    """A fresh subject with one unrepaired major event: (subject id, event id, summary)."""
    if with_certificate:
        number = session.scalars(select(Certificate.number).where(
            Certificate.state == CertificateState.VALID).order_by(Certificate.number)).first()
        assert number is not None
        certificate = registry.get_certificate(session, number)
        subject_id = certificate.subject_id
    else:
        number = None
        subject_id = registry.add_subject(session, f"信用测试企业{uuid.uuid4().hex[:6]}",
                                          make_uscc()).id
    tag = uuid.uuid4().hex[:10]
    alert = Alert(kind="uncertified_use", source="crawler", dedupe_key=f"credit-page:{tag}",
                  certificate_number=number, summary="test listing")
    session.add(alert)
    session.flush()
    summary = f"内部说明-{tag}"
    record = InfringementRecord(alert_id=alert.id, kind="uncertified_use", subject_id=subject_id,
                                certificate_number=number, summary=summary, evidence={},
                                confirmed_by=f"reviewer-{tag}", confirmed_at=utcnow())
    session.add(record)
    session.flush()
    event = credit.record_infringement(session, record)
    assert event is not None
    return subject_id, event.id, summary


def _make_event(console: Console, **kwargs: bool) -> tuple[int, int, str]:
    with Session(console.engine) as session, session.begin():
        return _subject_with_event(console, session, **kwargs)


def _event(console: Console, event_id: int) -> CreditEvent:
    with Session(console.engine) as session:
        found = session.get(CreditEvent, event_id)
        assert found is not None
        session.expunge(found)
        return found


def test_alliance_staff_see_every_subject_and_can_search(console: Console) -> None:
    subject_id, _, _ = _make_event(console)
    with Session(console.engine) as session:
        everyone = set(session.scalars(select(Subject.id)))
        name, uscc = session.execute(select(Subject.name, Subject.uscc).where(
            Subject.id == subject_id)).one()
    with console.as_user("reviewer") as client:
        assert _subjects_listed(client) == everyone
        # Worst files first: the revoked holder's D heads the list.
        assert SUBJECT_ROWS.findall(client.get("/console/credit").text)[0][1] == "D"
        assert _subjects_listed(client, name) == {subject_id}
        assert _subjects_listed(client, uscc.lower()) == {subject_id}
        assert _subjects_listed(client, "no such subject %") == set()
        page = client.get(f"/console/credit/{subject_id}")
        assert page.status_code == 200 and name in page.text
        # A reviewer reads the file but is offered no repair and no sweep.
        assert "/repair" not in page.text
        assert 'id="credit-sweep"' not in client.get("/console/credit").text


def test_an_officer_sees_the_subjects_of_its_bodys_certificates(console: Console) -> None:
    with Session(console.engine) as session:
        own = set(session.scalars(select(Certificate.subject_id).join(CertificationBody).where(
            CertificationBody.code == console.officer_body)))
        everyone = set(session.scalars(select(Subject.id)))
    assert own and everyone - own
    with console.as_user("officer") as client:
        assert _subjects_listed(client) == own
        assert client.get(f"/console/credit/{sorted(own)[0]}").status_code == 200
        stranger = sorted(everyone - own)[0]
        refused = client.get(f"/console/credit/{stranger}")
        assert refused.status_code == 404


def test_a_holder_sees_only_its_own_file(console: Console) -> None:
    with Session(console.engine) as session:
        own = session.scalar(select(Subject.id).where(Subject.uscc == console.holder_uscc))
        others = set(session.scalars(select(Subject.id).where(Subject.id != own)))
    assert own is not None and others
    with console.as_user("holder") as client:
        assert _subjects_listed(client) == {own}
        assert client.get(f"/console/credit/{own}").status_code == 200
        assert client.get(f"/console/credit/{sorted(others)[0]}").status_code == 404


def test_the_file_shows_events_with_their_source(console: Console) -> None:
    with Session(console.engine) as session:
        revoked = session.scalars(select(Certificate).where(
            Certificate.state == CertificateState.REVOKED)).first()
        assert revoked is not None
        subject_id = revoked.subject_id
    with console.as_user("admin") as client:
        page = client.get(f"/console/credit/{subject_id}")
    assert page.status_code == 200
    assert 'data-grade="D"' in page.text  # a revocation makes D
    assert re.search(r'data-kind="revocation" data-severity="severe" data-state="counting"',
                     page.text)
    assert f'href="/console/certificates/{revoked.number}"' in page.text


def test_only_admins_repair_and_a_reason_is_required(console: Console) -> None:
    subject_id, event_id, _ = _make_event(console)
    path = f"/console/credit/{subject_id}/events/{event_id}/repair"
    for username in ("reviewer", "officer", "holder"):
        with console.as_user(username) as client:
            token = csrf_token(client.get("/console/").text)
            refused = client.post(path, data={"csrf_token": token, "reason": "不应生效"})
            assert refused.status_code == 403, username
    assert _event(console, event_id).repaired_at is None
    with console.as_user("admin") as client:
        page = client.get(f"/console/credit/{subject_id}")
        assert path in page.text
        token = csrf_token(page.text)
        before = console.audit_count(action="credit.repair")
        empty = client.post(path, data={"csrf_token": token, "reason": "   "})
        assert empty.status_code == 400 and "须填写书面理由" in empty.text
        too_long = client.post(path, data={"csrf_token": token, "reason": "长" * 2001})
        assert too_long.status_code == 400
        assert _event(console, event_id).repaired_at is None
        assert console.audit_count(action="credit.repair") == before
        done = client.post(path, data={"csrf_token": token, "reason": "已整改并经复查确认"})
        assert done.status_code == 303
        assert done.headers["location"] == f"/console/credit/{subject_id}?repaired={event_id}"
        again = client.post(path, data={"csrf_token": token, "reason": "再次修复"})
        assert again.status_code == 400
        # The event belongs to another subject: not found, nothing changed.
        wrong = client.post(f"/console/credit/{subject_id + 100000}/events/{event_id}/repair",
                            data={"csrf_token": token, "reason": "x"})
        assert wrong.status_code == 404
        shown = client.get(f"/console/credit/{subject_id}").text
        assert 'data-state="repaired"' in shown and "已整改并经复查确认" in shown
    repaired = _event(console, event_id)
    assert repaired.repaired_by == "admin" and repaired.repair_reason == "已整改并经复查确认"
    with Session(console.engine) as session:
        row = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "credit.repair",
            AuditEntry.target == f"credit_event:{event_id}")).one()
    assert row.actor == "admin"
    assert row.before == {"subject_id": subject_id, "repaired": False, "grade": "C"}
    assert row.after == {"subject_id": subject_id, "repaired": True,
                         "reason": "已整改并经复查确认", "grade": "A"}


def test_a_repair_without_the_csrf_token_changes_nothing(console: Console) -> None:
    subject_id, event_id, _ = _make_event(console)
    path = f"/console/credit/{subject_id}/events/{event_id}/repair"
    with console.as_user("admin") as client:
        token = csrf_token(client.get(f"/console/credit/{subject_id}").text)
        audit_rows = console.audit_count()
        for data in ({"reason": "伪造请求"}, {"reason": "伪造请求", "csrf_token": "forged"}):
            refused = client.post(path, data=data)
            assert refused.status_code == 403 and "未做任何更改" in refused.text
        foreign = client.post(path, data={"reason": "伪造请求", "csrf_token": token},
                              headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        sweep = client.post("/console/credit/sweep", data={})
        assert sweep.status_code == 403
    assert _event(console, event_id).repaired_at is None
    assert console.audit_count() == audit_rows


def test_the_sweep_button_runs_the_daily_pass_and_is_audited(console: Console) -> None:
    # A certificate whose surveillance fell due yesterday.
    with Session(console.engine) as session, session.begin():
        certificate = session.scalars(select(Certificate).where(
            Certificate.state == CertificateState.VALID).order_by(Certificate.number.desc())
        ).first()
        assert certificate is not None
        number = certificate.number
        due = status.today() - dt.timedelta(days=1)
        certificate.next_surveillance = due
    with console.as_user("reviewer") as client:
        token = csrf_token(client.get("/console/").text)
        assert client.post("/console/credit/sweep", data={"csrf_token": token}).status_code == 403
    with console.as_user("admin") as client:
        token = csrf_token(client.get("/console/credit").text)
        before = console.audit_count(action="credit.sweep")
        done = client.post("/console/credit/sweep", data={"csrf_token": token})
        assert done.status_code == 303
        swept = parse_qs(urlsplit(done.headers["location"]).query)
        assert swept["swept"] == ["1"] and int(swept["overdue"][0]) >= 1
        shown = client.get(done.headers["location"]).text
        assert 'id="sweep-done"' in shown
        again = client.post("/console/credit/sweep", data={"csrf_token": token})
        assert "overdue=0" in again.headers["location"]  # once per due date
    assert console.audit_count(action="credit.sweep") == before + 2
    with Session(console.engine) as session:
        event = session.scalars(select(CreditEvent).where(
            CreditEvent.source == f"overdue:{number}:{due.isoformat()}")).one()
        assert event.severity is CreditSeverity.MINOR and event.recorded_by == "system"
        row = session.scalars(select(AuditEntry).where(AuditEntry.action == "credit.sweep")
                              .order_by(AuditEntry.id.desc())).first()
    assert row is not None and row.actor == "admin" and row.after is not None
    assert row.after["overdue"] == 0


def test_the_public_page_publishes_the_grade_and_counting_records(console: Console) -> None:
    subject_id, event_id, summary = _make_event(console, with_certificate=True)
    with Session(console.engine) as session:
        number = session.scalar(select(CreditEvent.certificate_number).where(
            CreditEvent.id == event_id))
        grade = credit.ratings(session, [subject_id], status.today())[subject_id].grade.value
    assert number
    with console.client() as client:
        page = client.get(f"/certificates/{number}")
        assert page.status_code == 200
        assert f'id="credit" data-grade="{grade}"' in page.text
        assert '<li class="event" data-kind="infringement">' in page.text
        assert "经确认的标志违规使用" in page.text
        # Staff-only details are never published.
        assert summary not in page.text and "reviewer-" not in page.text
        english = client.get(f"/certificates/{number}?lang=en").text
        assert "Confirmed misuse of the mark" in english
    with console.as_user("admin") as admin:
        token = csrf_token(admin.get(f"/console/credit/{subject_id}").text)
        done = admin.post(f"/console/credit/{subject_id}/events/{event_id}/repair",
                          data={"csrf_token": token, "reason": "核实为误报，予以修复"})
        assert done.status_code == 303
    with console.client() as client:
        after = client.get(f"/certificates/{number}").text
    assert '<li class="event" data-kind="infringement">' not in after  # repaired: unpublished
    assert "核实为误报" not in after

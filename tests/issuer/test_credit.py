"""Credit files: the rating table, every event source, idempotency and credit repair.

The rules are checked as pure functions; the recording through the registry runs on
SQLite and PostgreSQL inside a rolled-back transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import credit, registry, status
from issuer.credit import rating
from issuer.credit.rating import Fact, Grade
from issuer.errors import IllegalTransition, InvalidInput, NotFound
from storage.enums import CreditSeverity as Sev
from storage.enums import SurveillanceResult
from storage.models import Alert, Certificate, CreditEvent, InfringementRecord, StatusEvent
from tests.factories import _at, make_certificate, make_subject

BASE = dt.date(2025, 6, 1)  # "today" for the factories: certificates valid 2024-04 to 2027-04
D = dt.date(2025, 1, 15)


# -- the rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "grade", "points"), [
    ([], Grade.A, 0),
    ([Fact(Sev.MINOR, D)], Grade.B, 1),
    ([Fact(Sev.MINOR, D), Fact(Sev.POSITIVE, D)], Grade.A, 0),
    ([Fact(Sev.MINOR, D), Fact(Sev.MINOR, D)], Grade.B, 2),
    ([Fact(Sev.MAJOR, D)], Grade.C, 3),
    ([Fact(Sev.MAJOR, D), Fact(Sev.POSITIVE, D), Fact(Sev.POSITIVE, D)], Grade.B, 1),
    # Credits are capped: three passed visits take off two points, not three.
    ([Fact(Sev.MAJOR, D)] + [Fact(Sev.POSITIVE, D)] * 3, Grade.B, 1),
    ([Fact(Sev.MAJOR, D)] * 3, Grade.D, 9),
    ([Fact(Sev.MAJOR, D)] * 2 + [Fact(Sev.MINOR, D)] * 2, Grade.C, 8),
    # A severe event makes D whatever the positives.
    ([Fact(Sev.SEVERE, D)] + [Fact(Sev.POSITIVE, D)] * 5, Grade.D, 7),
    # Repaired events no longer count.
    ([Fact(Sev.SEVERE, D, repaired=True), Fact(Sev.MAJOR, D, repaired=True)], Grade.A, 0),
    # Events dated after the day rated do not count yet.
    ([Fact(Sev.MAJOR, D + dt.timedelta(days=1))], Grade.A, 0),
    # Positives help for twelve months only.
    ([Fact(Sev.MINOR, D), Fact(Sev.POSITIVE, dt.date(2024, 1, 15))], Grade.B, 1),
    ([Fact(Sev.MINOR, D), Fact(Sev.POSITIVE, dt.date(2024, 1, 16))], Grade.A, 0),
])
def test_rating_table(facts: list[Fact], grade: Grade, points: int) -> None:
    rated = rating.rate(facts, D)
    assert (rated.grade, rated.points) == (grade, points)


def test_rating_counts_only_adverse_events_as_counting() -> None:
    rated = rating.rate([Fact(Sev.MAJOR, D), Fact(Sev.POSITIVE, D),
                         Fact(Sev.MINOR, D, repaired=True)], D)
    assert (rated.counting, rated.demerits, rated.credits, rated.severe) == (1, 3, 1, False)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2025, 1, 15), 6, dt.date(2025, 7, 15)),
    (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),
    (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29)),
    (dt.date(2025, 11, 30), 36, dt.date(2028, 11, 30)),
    (dt.date(2025, 12, 1), 1, dt.date(2026, 1, 1)),
])
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert rating.add_months(day, months) == expected


@pytest.mark.parametrize(("severity", "months"), [(Sev.MINOR, 6), (Sev.MAJOR, 12),
                                                  (Sev.SEVERE, 36)])
def test_clean_period_by_severity(severity: Sev, months: int) -> None:
    facts = [Fact(severity, D)]
    due = rating.add_months(D, months)
    assert rating.repair_date(facts[0], facts) == due
    assert rating.repairable(facts, due - dt.timedelta(days=1)) == []
    assert rating.repairable(facts, due) == [0]


def test_a_new_lapse_restarts_the_clean_period_and_a_positive_does_not() -> None:
    later = dt.date(2025, 5, 1)
    facts = [Fact(Sev.MAJOR, D), Fact(Sev.POSITIVE, dt.date(2025, 12, 1)),
             Fact(Sev.MINOR, later)]
    assert rating.repair_date(facts[0], facts) == dt.date(2026, 5, 1)
    # Once the minor itself has stayed clean six months it is repaired; the major waits.
    assert rating.repairable(facts, dt.date(2025, 10, 31)) == []
    assert rating.repairable(facts, dt.date(2026, 1, 20)) == [2]
    assert rating.repairable(facts, dt.date(2026, 5, 1)) == [0, 2]
    # An event unknown on the day rated does not hold anything back.
    assert rating.repairable(facts[:1] + [Fact(Sev.MINOR, dt.date(2027, 1, 1))],
                             dt.date(2026, 1, 15)) == [0]


def test_positive_and_repaired_events_need_no_repair() -> None:
    assert rating.repair_date(Fact(Sev.POSITIVE, D), []) is None
    assert rating.repair_date(Fact(Sev.MAJOR, D, repaired=True), []) is None
    assert rating.repairable([Fact(Sev.POSITIVE, D)], dt.date(2030, 1, 1)) == []


# -- recording ----------------------------------------------------------------------------


def _events(session: Session, subject_id: int) -> list[CreditEvent]:
    return list(session.scalars(select(CreditEvent).where(CreditEvent.subject_id == subject_id)
                                .order_by(CreditEvent.id)))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CreditEvent)) or 0


def _last_status_event(session: Session, certificate: Certificate) -> StatusEvent:
    found = session.scalars(select(StatusEvent).where(
        StatusEvent.certificate_id == certificate.id).order_by(StatusEvent.id.desc())).first()
    assert found is not None
    return found


def _kept_up(*certificates: Certificate) -> None:
    """Surveillance not due before validity ends, so no overdue event interferes."""
    for certificate in certificates:
        certificate.next_surveillance = certificate.valid_until


def _change(session: Session, certificate: Certificate, action: status.Action, day: dt.date,
            reason: str | None = "test reason") -> None:
    registry.change_status(session, certificate.number, action, actor="officer-1",
                           reason=reason, now=_at(day))


def test_issuing_and_activating_record_nothing(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    assert _events(session, certificate.subject_id) == []


def test_suspension_is_major_and_reinstatement_adds_nothing(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    _change(session, certificate, status.Action.SUSPEND, D, "质量抽查不合格")
    [event] = _events(session, certificate.subject_id)
    assert event.kind == "suspension" and event.severity is Sev.MAJOR
    assert event.certificate_number == certificate.number
    assert event.summary == "质量抽查不合格" and event.recorded_by == "officer-1"
    assert event.occurred_at == _at(D)
    assert event.source == f"status_event:{_last_status_event(session, certificate).id}"
    _change(session, certificate, status.Action.REINSTATE, D + dt.timedelta(days=20), None)
    assert len(_events(session, certificate.subject_id)) == 1


def test_revocation_is_severe_and_follows_a_suspension(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    _change(session, certificate, status.Action.SUSPEND, D)
    _change(session, certificate, status.Action.REVOKE, D + dt.timedelta(days=10))
    kinds = [(e.kind, e.severity) for e in _events(session, certificate.subject_id)]
    assert kinds == [("suspension", Sev.MAJOR), ("revocation", Sev.SEVERE)]
    assert credit.ratings(session, [certificate.subject_id], D + dt.timedelta(days=10))[
        certificate.subject_id].grade is Grade.D


def test_termination_at_the_holders_request_is_not_adverse(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    _change(session, certificate, status.Action.TERMINATE, D, "业务调整，申请注销")
    assert _events(session, certificate.subject_id) == []


def test_a_refused_status_change_leaves_no_credit_event(session: Session) -> None:
    certificate = make_certificate(session, "revoked", today=BASE)
    before = _count(session)
    with pytest.raises(IllegalTransition):
        _change(session, certificate, status.Action.SUSPEND, D)
    valid = make_certificate(session, "valid", today=BASE)
    with pytest.raises(IllegalTransition):
        _change(session, valid, status.Action.SUSPEND, D, "   ")  # no written reason
    assert _count(session) == before


def test_status_events_are_recorded_once(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    _change(session, certificate, status.Action.SUSPEND, D)
    event = _last_status_event(session, certificate)
    assert credit.record_status_event(session, certificate, event) is not None
    assert credit.record_status_event(session, certificate, event) is not None
    assert len(_events(session, certificate.subject_id)) == 1


def test_surveillance_passed_is_positive_and_failed_is_major(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    first = certificate.valid_from + dt.timedelta(days=300)
    registry.record_surveillance(session, certificate.number, visited_on=first,
                                 result=SurveillanceResult.PASSED, actor="auditor",
                                 notes="现场审核通过")
    registry.record_surveillance(session, certificate.number,
                                 visited_on=first + dt.timedelta(days=200),
                                 result=SurveillanceResult.FAILED, actor="auditor")
    passed, failed = _events(session, certificate.subject_id)
    assert (passed.kind, passed.severity, passed.summary) == (
        "surveillance_passed", Sev.POSITIVE, "现场审核通过")
    assert (failed.kind, failed.severity) == ("surveillance_failed", Sev.MAJOR)
    assert passed.source.startswith("surveillance:") and passed.source != failed.source
    assert status.today(passed.occurred_at) == first


def _infringement(session: Session, subject_id: int | None, n: int) -> InfringementRecord:
    alert = Alert(kind="misuse", source="crawler", dedupe_key=f"credit-test:{n}",
                  summary="listing shows the mark without a certificate")
    session.add(alert)
    session.flush()
    record = InfringementRecord(alert_id=alert.id, kind="misuse", subject_id=subject_id,
                                seller_name="某网店", summary="冒用上品标志",
                                evidence={"listing_url": "http://market.test/item/1"},
                                confirmed_by="reviewer-1", confirmed_at=_at(D))
    session.add(record)
    session.flush()
    return record


def test_a_confirmed_infringement_is_major_once(session: Session) -> None:
    subject = make_subject(session)
    record = _infringement(session, subject.id, 1)
    event = credit.record_infringement(session, record)
    assert event is not None
    assert (event.kind, event.severity, event.source) == (
        "infringement", Sev.MAJOR, f"infringement:{record.id}")
    assert event.recorded_by == "reviewer-1" and event.occurred_at == _at(D)
    again = credit.record_infringement(session, record)
    assert again is not None and again.id == event.id
    assert len(_events(session, subject.id)) == 1


def test_an_infringement_by_no_known_subject_records_nothing(session: Session) -> None:
    before = _count(session)
    assert credit.record_infringement(session, _infringement(session, None, 2)) is None
    assert _count(session) == before


def test_overdue_surveillance_is_minor_once_per_due_date(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    visited = certificate.valid_from + dt.timedelta(days=100)
    registry.record_surveillance(session, certificate.number, visited_on=visited,
                                 result=SurveillanceResult.PASSED, actor="auditor")
    due = certificate.next_surveillance
    assert due is not None
    # Not overdue on the due date itself.
    assert [e.certificate_number for e in credit.record_overdue_surveillance(session, due)
            if e.certificate_number == certificate.number] == []
    late = due + dt.timedelta(days=3)
    made = [e for e in credit.record_overdue_surveillance(session, late)
            if e.certificate_number == certificate.number]
    assert [(e.kind, e.severity, e.source) for e in made] == [
        ("surveillance_overdue", Sev.MINOR, f"overdue:{certificate.number}:{due.isoformat()}")]
    assert status.today(made[0].occurred_at) == late and made[0].recorded_by == "system"
    assert [e for e in credit.record_overdue_surveillance(session, late + dt.timedelta(days=1))
            if e.certificate_number == certificate.number] == []
    # A visit recorded late sets a new due date; missing that one is a new event.
    registry.record_surveillance(session, certificate.number, visited_on=late,
                                 result=SurveillanceResult.PASSED, actor="auditor")
    second_due = late + dt.timedelta(days=365)
    made = [e for e in credit.record_overdue_surveillance(session, second_due
                                                          + dt.timedelta(days=1))
            if e.certificate_number == certificate.number]
    assert [e.source for e in made] == [f"overdue:{certificate.number}:{second_due}"]


def test_a_certificate_never_visited_is_due_a_year_after_validity_began(
        session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    assert certificate.next_surveillance is None
    due = rating.add_months(certificate.valid_from, 12)
    assert certificate.number not in {
        e.certificate_number for e in credit.record_overdue_surveillance(session, due)}
    made = [e for e in credit.record_overdue_surveillance(session, due + dt.timedelta(days=1))
            if e.certificate_number == certificate.number]
    assert [e.source for e in made] == [f"overdue:{certificate.number}:{due.isoformat()}"]


def test_overdue_ignores_certificates_no_longer_standing(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    registry.record_surveillance(session, certificate.number,
                                 visited_on=certificate.valid_from + dt.timedelta(days=10),
                                 result=SurveillanceResult.PASSED, actor="auditor")
    _change(session, certificate, status.Action.REVOKE, BASE)
    assert certificate.next_surveillance is not None
    made = credit.record_overdue_surveillance(session,
                                              certificate.next_surveillance
                                              + dt.timedelta(days=30))
    assert certificate.number not in {e.certificate_number for e in made}


# -- repair -------------------------------------------------------------------------------


def test_the_sweep_repairs_after_the_clean_period_and_not_before(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    _kept_up(certificate)
    _change(session, certificate, status.Action.SUSPEND, D)
    [event] = _events(session, certificate.subject_id)
    due = rating.add_months(D, 12)
    early = credit.sweep(session, due - dt.timedelta(days=1))
    assert event.id not in {e.id for e in early.repaired}
    assert event.repaired_at is None
    ratings = credit.ratings(session, [certificate.subject_id], due - dt.timedelta(days=1))
    assert ratings[certificate.subject_id].grade is Grade.C
    done = credit.sweep(session, due, now=_at(due))
    assert event.id in {e.id for e in done.repaired}
    session.expire_all()
    [stored] = _events(session, certificate.subject_id)  # still in the file
    assert stored.repaired_at == _at(due) and stored.repaired_by == "system"
    assert stored.repair_reason == "clean period of 12 months passed"
    assert credit.ratings(session, [certificate.subject_id], due)[
        certificate.subject_id].grade is Grade.A
    # A second sweep changes nothing.
    assert event.id not in {e.id for e in credit.sweep(session, due).repaired}


def test_a_new_lapse_holds_the_repair_back(session: Session) -> None:
    subject = make_subject(session)
    certificate = make_certificate(session, "valid", today=BASE, subject=subject)
    _change(session, certificate, status.Action.SUSPEND, D)
    credit.record_infringement(session, _infringement(session, subject.id, 3))  # dated D
    _change(session, certificate, status.Action.REINSTATE, D + dt.timedelta(days=5), None)
    other = make_certificate(session, "valid", today=BASE, subject=subject)
    _kept_up(certificate, other)
    later = D + dt.timedelta(days=60)
    _change(session, other, status.Action.SUSPEND, later)
    credit.sweep(session, rating.add_months(D, 12))
    assert all(e.repaired_at is None for e in _events(session, subject.id))
    credit.sweep(session, rating.add_months(later, 12))
    assert all(e.repaired_at is not None for e in _events(session, subject.id))


def test_manual_repair_needs_a_written_reason(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    _change(session, certificate, status.Action.SUSPEND, D)
    [event] = _events(session, certificate.subject_id)
    for reason in ("", "   \n"):
        with pytest.raises(InvalidInput):
            credit.repair(session, event.id, actor="admin", reason=reason)
    with pytest.raises(InvalidInput):
        credit.repair(session, event.id, actor="admin", reason="x" * 2001)
    assert event.repaired_at is None
    credit.repair(session, event.id, actor="admin", reason="  已完成整改并通过复查  ")
    session.expire_all()
    [stored] = _events(session, certificate.subject_id)
    assert stored.repaired_by == "admin" and stored.repair_reason == "已完成整改并通过复查"
    assert stored.repaired_at is not None
    with pytest.raises(InvalidInput):
        credit.repair(session, event.id, actor="admin", reason="again")
    with pytest.raises(NotFound):
        credit.repair(session, 10**9, actor="admin", reason="no such event")


def test_a_positive_event_cannot_be_repaired(session: Session) -> None:
    certificate = make_certificate(session, "valid", today=BASE)
    registry.record_surveillance(session, certificate.number,
                                 visited_on=certificate.valid_from + dt.timedelta(days=10),
                                 result=SurveillanceResult.PASSED, actor="auditor")
    [event] = _events(session, certificate.subject_id)
    with pytest.raises(InvalidInput):
        credit.repair(session, event.id, actor="admin", reason="not needed")

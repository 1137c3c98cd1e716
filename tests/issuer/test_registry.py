"""The lifecycle through the registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import IllegalTransition, InvalidInput, NotFound
from issuer.keys import KeyStore
from issuer.verification import Verdict, verify_code
from storage.enums import CertificateState, Scheme, ScopeKind, SurveillanceResult
from storage.models import StatusEvent
from tests.factories import _at, make_body, make_certificate, make_subject, signer

TODAY = status.today()
ALL_TRAITS = ["publicity", "valid", "suspended", "revoked", "terminated", "expired"]


@pytest.mark.parametrize("trait", ALL_TRAITS)
def test_every_public_status_can_be_reached(session: Session, trait: str) -> None:
    certificate = make_certificate(session, trait)
    shown = status.public_status(certificate.state, certificate.valid_until, TODAY)
    assert shown.value == trait


def test_issue_enters_publicity_with_a_signed_mark(session: Session) -> None:
    subject, body = make_subject(session), make_body(session)
    certificate = registry.issue_certificate(
        session,
        scheme=Scheme.CULTIVATION,
        subject_uscc=subject.uscc,
        body_code=body.code,
        standard="上海品牌培育评价规范",
        scope=[registry.ScopeEntry(ScopeKind.SERVICE, "家政服务", "生活服务")],
        signer=signer(session),
        actor="tester",
        on=TODAY,
        publicity_days=7,
    )
    assert certificate.state is CertificateState.PUBLICITY
    assert certificate.number.startswith(f"SB-{TODAY.year}-")
    assert certificate.publicity_end == TODAY + dt.timedelta(days=7)
    assert certificate.valid_from == TODAY + dt.timedelta(days=8)
    assert certificate.scope[0].category == "生活服务"
    keys = KeyStore(session).public_keys()
    result = verify_code(certificate.mark_code, keys)
    assert result.verdict is Verdict.AUTHENTIC
    assert result.payload is not None
    assert result.payload.certificate_number == certificate.number
    assert result.payload.valid_until == certificate.valid_until
    events = session.scalars(
        select(StatusEvent).where(StatusEvent.certificate_id == certificate.id)
    ).all()
    assert [(e.from_state, e.to_state) for e in events] == [(None, CertificateState.PUBLICITY)]


def test_numbers_are_sequential_per_scheme_and_year(session: Session) -> None:
    first = make_certificate(session, "publicity")
    second = make_certificate(session, "publicity")
    a, b = int(first.number.rsplit("-", 1)[1]), int(second.number.rsplit("-", 1)[1])
    assert b == a + 1


def test_dates_out_of_order_are_refused(session: Session) -> None:
    subject, body = make_subject(session), make_body(session)
    with pytest.raises(InvalidInput, match="after valid until"):
        registry.issue_certificate(
            session,
            scheme=Scheme.SHANGPIN,
            subject_uscc=subject.uscc,
            body_code=body.code,
            standard="S",
            scope=[registry.ScopeEntry(ScopeKind.PRODUCT, "a", "b")],
            signer=signer(session),
            actor="t",
            on=TODAY,
            valid_from=TODAY + dt.timedelta(days=10),
            valid_until=TODAY,
        )


def test_unknown_references_are_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        registry.get_certificate(session, "SP-1999-99999")
    with pytest.raises(NotFound):
        registry.get_body(session, "NOPE")


def test_duplicate_subject_is_refused(session: Session) -> None:
    subject = make_subject(session)
    with pytest.raises(InvalidInput, match="already exists"):
        registry.add_subject(session, "another name", subject.uscc)


def _history(session: Session, certificate_id: int) -> list[tuple[str | None, str]]:
    events = session.scalars(
        select(StatusEvent)
        .where(StatusEvent.certificate_id == certificate_id)
        .order_by(StatusEvent.id)
    ).all()
    return [(e.from_state.value if e.from_state else None, e.to_state.value) for e in events]


def test_full_lifecycle_writes_one_event_per_change(session: Session) -> None:
    certificate = make_certificate(session, "valid")
    number = certificate.number
    registry.change_status(session, number, status.Action.SUSPEND, actor="officer", reason="整改中")
    registry.change_status(session, number, status.Action.REINSTATE, actor="officer")
    event = registry.change_status(
        session, number, status.Action.REVOKE, actor="officer", reason="抽检不合格"
    )
    assert event.reason == "抽检不合格" and event.actor == "officer"
    assert _history(session, certificate.id) == [
        (None, "publicity"),
        ("publicity", "valid"),
        ("valid", "suspended"),
        ("suspended", "valid"),
        ("valid", "revoked"),
    ]


@pytest.mark.parametrize("trait", ALL_TRAITS)
@pytest.mark.parametrize("action", list(status.Action))
def test_illegal_transitions_change_nothing(
    session: Session, trait: str, action: status.Action
) -> None:
    certificate = make_certificate(session, trait)
    before_state = certificate.state
    before_events = _history(session, certificate.id)
    sources, _target = status.TRANSITIONS[action]
    allowed = (
        certificate.state in sources
        and (trait != "expired" or action in status.ALLOWED_AFTER_EXPIRY)
        and action is not status.Action.ACTIVATE
    )  # publicity in the factory has not ended
    if allowed:
        registry.change_status(session, certificate.number, action, actor="t", reason="because")
        assert len(_history(session, certificate.id)) == len(before_events) + 1
        return
    with pytest.raises(IllegalTransition):
        registry.change_status(session, certificate.number, action, actor="t", reason="because")
    session.expire_all()
    again = registry.get_certificate(session, certificate.number)
    assert again.state is before_state
    assert _history(session, certificate.id) == before_events


def test_activation_waits_for_publicity_and_objections(session: Session) -> None:
    certificate = make_certificate(session, "publicity")
    after = _at(certificate.publicity_end + dt.timedelta(days=1))
    with pytest.raises(IllegalTransition, match="publicity period runs until"):
        registry.change_status(
            session,
            certificate.number,
            status.Action.ACTIVATE,
            actor="t",
            now=_at(certificate.publicity_end),
        )
    objection = registry.lodge_objection(
        session, certificate.number, lodged_by="竞争对手", text="申报材料不实"
    )
    with pytest.raises(IllegalTransition, match="undecided"):
        registry.change_status(
            session, certificate.number, status.Action.ACTIVATE, actor="t", now=after
        )
    registry.decide_objection(
        session, objection.id, upheld=True, actor="alliance", reason="核实属实"
    )
    with pytest.raises(IllegalTransition, match="upheld"):
        registry.change_status(
            session, certificate.number, status.Action.ACTIVATE, actor="t", now=after
        )
    with pytest.raises(InvalidInput, match="already upheld"):
        registry.decide_objection(session, objection.id, upheld=False, actor="a", reason="r")


def test_activate_due_issues_only_clear_certificates(session: Session) -> None:
    clear = make_certificate(session, "publicity")
    blocked = make_certificate(session, "publicity")
    registry.lodge_objection(session, blocked.number, lodged_by="x", text="y")
    later = _at(clear.publicity_end + dt.timedelta(days=1))
    issued = registry.activate_due(session, actor="scheduler", now=later)
    assert clear.number in issued and blocked.number not in issued
    assert registry.get_certificate(session, clear.number).state is CertificateState.VALID
    assert registry.get_certificate(session, blocked.number).state is CertificateState.PUBLICITY


def test_surveillance_sets_last_and_next(session: Session) -> None:
    certificate = make_certificate(session, "valid")
    visit_day = TODAY - dt.timedelta(days=3)
    visit = registry.record_surveillance(
        session,
        certificate.number,
        visited_on=visit_day,
        result=SurveillanceResult.PASSED,
        actor="auditor",
        today=TODAY,
    )
    assert certificate.last_surveillance == visit_day
    assert certificate.next_surveillance == visit.next_due == visit_day + dt.timedelta(days=365)
    with pytest.raises(InvalidInput, match="at most one year"):
        registry.record_surveillance(
            session,
            certificate.number,
            visited_on=TODAY,
            result=SurveillanceResult.PASSED,
            actor="a",
            next_due=TODAY + dt.timedelta(days=400),
            today=TODAY,
        )
    with pytest.raises(InvalidInput, match="future"):
        registry.record_surveillance(
            session,
            certificate.number,
            visited_on=TODAY + dt.timedelta(days=1),
            result=SurveillanceResult.PASSED,
            actor="a",
            today=TODAY,
        )


def test_surveillance_of_a_revoked_certificate_is_refused(session: Session) -> None:
    certificate = make_certificate(session, "revoked")
    with pytest.raises(InvalidInput, match="revoked"):
        registry.record_surveillance(
            session,
            certificate.number,
            visited_on=TODAY,
            result=SurveillanceResult.PASSED,
            actor="a",
        )


def test_search_by_scheme_and_holder(session: Session) -> None:
    subject = make_subject(session)
    mine = make_certificate(session, "valid", subject=subject, scheme=Scheme.CULTIVATION)
    make_certificate(session, "valid")
    found = registry.search_certificates(session, subject_uscc=subject.uscc)
    assert [c.number for c in found] == [mine.number]
    cultivation = registry.search_certificates(session, scheme=Scheme.CULTIVATION)
    assert mine.number in [c.number for c in cultivation]
    assert all(c.scheme is Scheme.CULTIVATION for c in cultivation)
    count = session.scalar(select(func.count()).select_from(StatusEvent))
    assert count and count >= 4

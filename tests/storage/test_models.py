"""Constraints the database itself enforces, on every backend."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from storage.models import StatusEvent, Subject
from storage.uscc import InvalidCreditCode
from tests.factories import make_certificate


def test_subject_refuses_an_invalid_credit_code() -> None:
    with pytest.raises(InvalidCreditCode):
        Subject(name="x", uscc="91310000132200821J")


def test_status_events_are_append_only(session: Session) -> None:
    certificate = make_certificate(session, "suspended")
    session.flush()
    event_id = certificate.events[-1].id
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(update(StatusEvent).where(StatusEvent.id == event_id).values(reason="x"))
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(delete(StatusEvent).where(StatusEvent.id == event_id))
    reason = session.scalar(text("SELECT reason FROM status_events WHERE id = :i"), {"i": event_id})
    assert reason == "test suspended"


def test_validity_dates_must_be_in_order(session: Session) -> None:
    certificate = make_certificate(session)
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        certificate.valid_until = certificate.valid_from - dt.timedelta(days=1)
        session.flush()

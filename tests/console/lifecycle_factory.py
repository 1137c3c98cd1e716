"""Certificates made straight through the registry, dated in the past, for lifecycle tests.

The console's own forms create certificates dated today; tests that need one whose
publicity has passed, or whose surveillance is overdue, make it here in one line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.keys import KeyStore
from issuer.urls import mark_url
from storage.enums import Scheme, ScopeKind, SurveillanceResult
from storage.models import AuditEntry, Certificate, CertificationBody, Subject
from tests.verifier.conftest import HOST, PASSPHRASE


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock Shanghai time on ``day``, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=status.TIMEZONE).astimezone(dt.UTC)


@dataclass(frozen=True)
class Made:
    number: str
    mark_path: str  # /V/<code>, the page a phone opens


def make(engine: Engine, body_code: str, *, outcome: str = "valid", days_ago: int = 60,
         scheme: Scheme = Scheme.SHANGPIN, visit: tuple[int, int] | None = None,
         reason: str = "测试原因", subject_uscc: str | None = None) -> Made:
    """A certificate of ``body_code`` issued ``days_ago`` days ago (publicity 7 days).

    ``outcome``: publicity, valid, suspended, revoked. ``visit`` = (days ago, next due in
    days from today) records a passed surveillance visit.
    """
    today = status.today()
    on = today - dt.timedelta(days=days_ago)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if subject_uscc is None:
            subject_uscc = session.scalars(select(Subject.uscc).order_by(Subject.id)).first()
        assert subject_uscc is not None
        certificate = registry.issue_certificate(
            session, scheme=scheme, subject_uscc=subject_uscc, body_code=body_code,
            standard="T/TEST 001-2026",
            scope=[registry.ScopeEntry(ScopeKind.PRODUCT, "测试产品", "测试类别")],
            signer=KeyStore(session).signer(PASSPHRASE), actor="test", on=on,
            publicity_days=7, now=at(on))
        number = certificate.number
        if outcome != "publicity":
            registry.change_status(session, number, status.Action.ACTIVATE, actor="test",
                                   now=at(on + dt.timedelta(days=8)))
        if visit is not None:
            visited, due_in = visit
            registry.record_surveillance(
                session, number, visited_on=today - dt.timedelta(days=visited),
                result=SurveillanceResult.PASSED, actor="test",
                next_due=today + dt.timedelta(days=due_in))
        if outcome in ("suspended", "revoked"):
            action = status.Action.SUSPEND if outcome == "suspended" else status.Action.REVOKE
            registry.change_status(session, number, action, actor="test", reason=reason,
                                   now=at(on + dt.timedelta(days=9)))
        path = "/V/" + mark_url(HOST, certificate.mark_code).rsplit("/V/", 1)[1]
    return Made(number, path)


def state_of(engine: Engine, number: str) -> str:
    with engine.connect() as connection:
        return str(connection.scalar(select(Certificate.state).where(
            Certificate.number == number)))


def audit_rows(engine: Engine, action: str, target: str) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.target == target)) or 0


def body_id(engine: Engine, code: str) -> int:
    with engine.connect() as connection:
        found = connection.scalar(select(CertificationBody.id).where(
            CertificationBody.code == code))
    assert found is not None
    return int(found)

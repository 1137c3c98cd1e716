"""The certificate registry: subjects, bodies, certificates and their lifecycle.

Thin over the pure rules in ``issuer.status``: look records up, ask the rules,
write the change and its event together. Callers own the transaction, so a
refused change leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import history, status
from issuer.errors import InvalidInput, NotFound
from issuer.marks import sign_mark
from issuer.payload import CERTIFICATE_NUMBER
from storage.base import utcnow
from storage.enums import (
    CertificateState,
    ObjectionOutcome,
    Scheme,
    ScopeKind,
    SurveillanceResult,
)
from storage.models import (
    Certificate,
    CertificationBody,
    Objection,
    ScopeItem,
    StatusEvent,
    Subject,
    SurveillanceVisit,
)
from storage.uscc import InvalidCreditCode, parse_uscc

#: Number prefixes per scheme: SP for the "上品" certification, SB for cultivation.
NUMBER_PREFIX = {Scheme.SHANGPIN: "SP", Scheme.CULTIVATION: "SB"}
DEFAULT_VALIDITY_YEARS = 3
MAX_SURVEILLANCE_INTERVAL = 366  # "at least once a year"; a leap year has 366 days


@dataclass(frozen=True)
class ScopeEntry:
    kind: ScopeKind
    name: str
    category: str

    @classmethod
    def parse(cls, text: str, kind: ScopeKind) -> ScopeEntry:
        """Parse ``NAME:CATEGORY`` as given on the command line."""
        name, sep, category = text.partition(":")
        if not sep or not name.strip() or not category.strip():
            raise InvalidInput(f"scope entry {text!r} must be NAME:CATEGORY")
        return cls(kind, name.strip(), category.strip())


def _credit_code(text: str) -> str:
    try:
        return parse_uscc(text)
    except InvalidCreditCode as exc:
        raise InvalidInput(f"invalid credit code {text!r}: {exc}") from None


def add_subject(session: Session, name: str, uscc: str, address: str = "") -> Subject:
    code = _credit_code(uscc)
    if not name.strip():
        raise InvalidInput("a subject needs a name")
    if session.scalar(select(Subject.id).where(Subject.uscc == code)) is not None:
        raise InvalidInput(f"a subject with credit code {code} already exists")
    subject = Subject(name=name.strip(), uscc=code, address=address.strip())
    session.add(subject)
    session.flush()
    return subject


def get_subject(session: Session, uscc: str) -> Subject:
    subject = session.scalar(select(Subject).where(Subject.uscc == _credit_code(uscc)))
    if subject is None:
        raise NotFound(f"no subject with credit code {uscc}")
    return subject


def add_body(
    session: Session, code: str, name: str, uscc: str | None = None, address: str = ""
) -> CertificationBody:
    code, name = code.strip().upper(), name.strip()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]{1,31}", code):
        raise InvalidInput("a body code is 2-32 characters of A-Z, 0-9 and '-'")
    if not name:
        raise InvalidInput("a certification body needs a name")
    clash = session.scalar(
        select(CertificationBody.id).where(
            (CertificationBody.code == code) | (CertificationBody.name == name)
        )
    )
    if clash is not None:
        raise InvalidInput(f"a certification body with code {code} or name {name} already exists")
    body = CertificationBody(
        code=code, name=name, uscc=_credit_code(uscc) if uscc else None, address=address.strip()
    )
    session.add(body)
    session.flush()
    return body


def get_body(session: Session, code: str) -> CertificationBody:
    body = session.scalar(select(CertificationBody).where(CertificationBody.code == code.upper()))
    if body is None:
        raise NotFound(f"no certification body with code {code}")
    return body


def get_certificate(session: Session, number: str, *, for_update: bool = False) -> Certificate:
    query = select(Certificate).where(Certificate.number == number.strip().upper())
    if for_update:
        query = query.with_for_update(of=Certificate)
    certificate = session.scalar(query)
    if certificate is None:
        raise NotFound(f"no certificate numbered {number}")
    return certificate


def next_number(session: Session, scheme: Scheme, year: int) -> str:
    prefix = f"{NUMBER_PREFIX[scheme]}-{year}-"
    count = session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.number.like(prefix + "%"))
    )
    return f"{prefix}{(count or 0) + 1:05d}"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def issue_certificate(
    session: Session,
    *,
    scheme: Scheme,
    subject_uscc: str,
    body_code: str,
    standard: str,
    scope: Sequence[ScopeEntry],
    signer: tuple[str, bytes],
    actor: str,
    on: dt.date,
    publicity_days: int = 7,
    number: str | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Certificate:
    """Create a certificate in publicity (公示) and sign its mark.

    Validity starts the day after publicity ends unless given; it runs three years.
    """
    subject = get_subject(session, subject_uscc)
    body = get_body(session, body_code)
    if not standard.strip():
        raise InvalidInput("name the standard the certificate was granted against")
    if not scope:
        raise InvalidInput("a certificate covers at least one product or service")
    publicity_end = on + dt.timedelta(days=publicity_days)
    valid_from = valid_from or publicity_end + dt.timedelta(days=1)
    valid_until = valid_until or add_years(valid_from, DEFAULT_VALIDITY_YEARS) - dt.timedelta(
        days=1
    )
    if valid_from > valid_until:
        raise InvalidInput(
            f"valid from {valid_from.isoformat()} is after valid until {valid_until.isoformat()}"
        )
    if number is None:
        number = next_number(session, scheme, on.year)
    number = number.strip().upper()
    if not CERTIFICATE_NUMBER.fullmatch(number):
        raise InvalidInput("a certificate number is 3-32 characters of A-Z, 0-9 and '-'")
    if session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        raise InvalidInput(f"certificate {number} already exists")
    now = now or utcnow()
    certificate = Certificate(
        number=number,
        scheme=scheme,
        subject=subject,
        body=body,
        standard=standard.strip(),
        publicity_start=on,
        publicity_end=publicity_end,
        valid_from=valid_from,
        valid_until=valid_until,
        state=CertificateState.PUBLICITY,
        state_changed_at=now,
        mark_code=sign_mark(signer, number, valid_from, valid_until),
        scope=[
            ScopeItem(position=i, kind=e.kind, name=e.name, category=e.category)
            for i, e in enumerate(scope)
        ],
    )
    session.add(certificate)
    session.flush()
    event = StatusEvent(
        certificate_id=certificate.id,
        from_state=None,
        to_state=CertificateState.PUBLICITY,
        reason="submitted for publicity",
        actor=actor,
        occurred_at=now,
    )
    session.add(event)
    session.flush()
    history.status_changed(session, certificate, event)
    return certificate


def objection_counts(session: Session, certificate: Certificate) -> status.Objections:
    rows = session.execute(
        select(Objection.outcome, func.count())
        .where(Objection.certificate_id == certificate.id)
        .group_by(Objection.outcome)
    ).all()
    counts = {outcome: n for outcome, n in rows}
    return status.Objections(
        pending=counts.get(ObjectionOutcome.PENDING, 0),
        upheld=counts.get(ObjectionOutcome.UPHELD, 0),
    )


def change_status(
    session: Session,
    number: str,
    action: status.Action,
    *,
    actor: str,
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> StatusEvent:
    """Apply one lifecycle action; ``IllegalTransition`` leaves everything as it was."""
    now = now or utcnow()
    certificate = get_certificate(session, number, for_update=True)
    transition = status.plan(
        action,
        certificate.state,
        on=status.today(now),
        valid_until=certificate.valid_until,
        publicity_end=certificate.publicity_end,
        reason=reason,
        objections=objection_counts(session, certificate),
    )
    certificate.state = transition.to_state
    certificate.state_changed_at = now
    event = StatusEvent(
        certificate_id=certificate.id,
        from_state=transition.from_state,
        to_state=transition.to_state,
        reason=transition.reason,
        actor=actor,
        occurred_at=now,
    )
    session.add(event)
    session.flush()
    history.status_changed(session, certificate, event)
    return event


def activate_due(session: Session, *, actor: str, now: dt.datetime | None = None) -> list[str]:
    """Issue every certificate whose publicity has passed without an open or upheld objection."""
    now = now or utcnow()
    on = status.today(now)
    numbers = session.scalars(
        select(Certificate.number).where(
            Certificate.state == CertificateState.PUBLICITY, Certificate.publicity_end < on
        )
    ).all()
    activated = []
    for number in numbers:
        certificate = get_certificate(session, number)
        counts = objection_counts(session, certificate)
        if counts.pending or counts.upheld or status.is_expired(certificate.valid_until, on):
            continue
        change_status(session, number, status.Action.ACTIVATE, actor=actor, now=now)
        activated.append(number)
    return activated


def lodge_objection(
    session: Session, number: str, *, lodged_by: str, text: str, now: dt.datetime | None = None
) -> Objection:
    certificate = get_certificate(session, number)
    if certificate.state is not CertificateState.PUBLICITY:
        raise InvalidInput(f"certificate {certificate.number} is not in its publicity period")
    if not text.strip() or not lodged_by.strip():
        raise InvalidInput("an objection needs who lodges it and what it says")
    objection = Objection(
        certificate_id=certificate.id,
        lodged_by=lodged_by.strip(),
        text=text.strip(),
        lodged_at=now or utcnow(),
    )
    session.add(objection)
    session.flush()
    return objection


def decide_objection(
    session: Session, objection_id: int, *, upheld: bool, actor: str, reason: str
) -> Objection:
    objection = session.get(Objection, objection_id, with_for_update=True)
    if objection is None:
        raise NotFound(f"no objection {objection_id}")
    if objection.outcome is not ObjectionOutcome.PENDING:
        raise InvalidInput(f"objection {objection_id} was already {objection.outcome.value}")
    if not reason.strip():
        raise InvalidInput("deciding an objection requires a written reason")
    objection.outcome = ObjectionOutcome.UPHELD if upheld else ObjectionOutcome.DISMISSED
    objection.decided_by = actor
    objection.decided_at = utcnow()
    objection.decision_reason = reason.strip()
    return objection


def record_surveillance(
    session: Session,
    number: str,
    *,
    visited_on: dt.date,
    result: SurveillanceResult,
    actor: str,
    next_due: dt.date | None = None,
    notes: str = "",
    today: dt.date | None = None,
) -> SurveillanceVisit:
    """Record a post-certification surveillance visit; the next is due within a year."""
    certificate = get_certificate(session, number, for_update=True)
    if certificate.state in (
        CertificateState.PUBLICITY,
        CertificateState.REVOKED,
        CertificateState.TERMINATED,
    ):
        raise InvalidInput(
            f"certificate {certificate.number} is {certificate.state.value}: "
            "surveillance applies to issued, standing certificates"
        )
    if today is not None and visited_on > today:
        raise InvalidInput("a surveillance visit cannot be dated in the future")
    if visited_on < certificate.valid_from:
        raise InvalidInput("the visit is dated before the certificate became valid")
    if certificate.last_surveillance and visited_on < certificate.last_surveillance:
        raise InvalidInput(
            f"a later visit ({certificate.last_surveillance.isoformat()}) is already recorded"
        )
    next_due = next_due or visited_on + dt.timedelta(days=365)
    if not visited_on < next_due <= visited_on + dt.timedelta(days=MAX_SURVEILLANCE_INTERVAL):
        raise InvalidInput("the next visit is due after this one and at most one year later")
    visit = SurveillanceVisit(
        certificate_id=certificate.id,
        visited_on=visited_on,
        result=result,
        next_due=next_due,
        notes=notes.strip(),
        actor=actor,
    )
    certificate.last_surveillance = visited_on
    certificate.next_surveillance = next_due
    session.add(visit)
    session.flush()
    history.surveillance_recorded(session, certificate, visit)
    return visit


def search_certificates(
    session: Session,
    *,
    scheme: Scheme | None = None,
    state: CertificateState | None = None,
    subject_uscc: str | None = None,
    limit: int | None = None,
) -> list[Certificate]:
    query = select(Certificate).order_by(Certificate.number)
    if scheme is not None:
        query = query.where(Certificate.scheme == scheme)
    if state is not None:
        query = query.where(Certificate.state == state)
    if subject_uscc is not None:
        query = query.join(Subject).where(Subject.uscc == _credit_code(subject_uscc))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query).unique())

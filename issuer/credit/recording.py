"""Writing credit-file events (信用档案) and repairing them, in the caller's transaction.

Every event names its cause in ``source``; the column is unique and each writer looks
the source up first, so recording the same cause twice adds nothing. Events are never
deleted: a repair only fills in ``repaired_at``, ``repaired_by`` and ``repair_reason``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from issuer import status
from issuer.credit import rating
from issuer.errors import InvalidInput, NotFound
from storage.base import utcnow
from storage.enums import CertificateState, CreditSeverity, SurveillanceResult
from storage.models import (
    Certificate,
    CreditEvent,
    InfringementRecord,
    StatusEvent,
    SurveillanceVisit,
)

#: Who the automatic sweep records as having repaired an event.
SYSTEM = "system"
MAX_REASON = 2000


class Kind(enum.StrEnum):
    SUSPENSION = "suspension"
    REVOCATION = "revocation"
    INFRINGEMENT = "infringement"
    SURVEILLANCE_PASSED = "surveillance_passed"
    SURVEILLANCE_FAILED = "surveillance_failed"
    SURVEILLANCE_OVERDUE = "surveillance_overdue"


#: Status changes that weigh on the holder's file. Reinstatement restores the
#: certificate but the suspension stays on file until repaired; termination at the
#: holder's own request (提前终止) and issuance are not adverse.
STATUS_KINDS: dict[CertificateState, tuple[Kind, CreditSeverity]] = {
    CertificateState.SUSPENDED: (Kind.SUSPENSION, CreditSeverity.MAJOR),
    CertificateState.REVOKED: (Kind.REVOCATION, CreditSeverity.SEVERE),
}
SURVEILLANCE_KINDS: dict[SurveillanceResult, tuple[Kind, CreditSeverity]] = {
    SurveillanceResult.PASSED: (Kind.SURVEILLANCE_PASSED, CreditSeverity.POSITIVE),
    SurveillanceResult.FAILED: (Kind.SURVEILLANCE_FAILED, CreditSeverity.MAJOR),
}


def at_noon(day: dt.date) -> dt.datetime:
    """A Shanghai calendar day as an instant, for events known only by their date."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=status.TIMEZONE).astimezone(dt.UTC)


def _existing(session: Session, source: str) -> CreditEvent | None:
    return session.scalar(select(CreditEvent).where(CreditEvent.source == source))


def _add(session: Session, *, subject_id: int, kind: Kind, severity: CreditSeverity,
         occurred_at: dt.datetime, source: str, certificate_number: str | None,
         summary: str, recorded_by: str) -> tuple[CreditEvent, bool]:
    """The event for ``source``, and whether it was made just now."""
    found = _existing(session, source)
    if found is not None:
        return found, False
    event = CreditEvent(subject_id=subject_id, kind=kind.value, severity=severity,
                        occurred_at=occurred_at, source=source,
                        certificate_number=certificate_number, summary=summary,
                        recorded_by=recorded_by[:120])
    session.add(event)
    session.flush()
    return event, True


def record_status_event(session: Session, certificate: Certificate,
                        event: StatusEvent) -> CreditEvent | None:
    """The event a suspension (major) or revocation (severe) adds; None for other changes."""
    implied = STATUS_KINDS.get(event.to_state)
    if implied is None:
        return None
    kind, severity = implied
    made, _ = _add(session, subject_id=certificate.subject_id, kind=kind, severity=severity,
                   occurred_at=event.occurred_at, source=f"status_event:{event.id}",
                   certificate_number=certificate.number, summary=event.reason or "",
                   recorded_by=event.actor)
    return made


def record_surveillance(session: Session, certificate: Certificate,
                        visit: SurveillanceVisit) -> CreditEvent:
    """A passed visit is a positive event; a failed one a major event."""
    kind, severity = SURVEILLANCE_KINDS[visit.result]
    made, _ = _add(session, subject_id=certificate.subject_id, kind=kind, severity=severity,
                   occurred_at=at_noon(visit.visited_on), source=f"surveillance:{visit.id}",
                   certificate_number=certificate.number, summary=visit.notes or "",
                   recorded_by=visit.actor)
    return made


def record_infringement(session: Session, record: InfringementRecord) -> CreditEvent | None:
    """A confirmed misuse by an identifiable subject is a major event; None without one.

    The record's subject is only who the listing claimed to be, so callers add the event
    only once a reviewer has chosen to charge that subject (see the console's confirm).
    """
    if record.subject_id is None:
        return None
    made, _ = _add(session, subject_id=record.subject_id, kind=Kind.INFRINGEMENT,
                   severity=CreditSeverity.MAJOR, occurred_at=record.confirmed_at,
                   source=f"infringement:{record.id}",
                   certificate_number=record.certificate_number, summary=record.summary,
                   recorded_by=record.confirmed_by)
    return made


def surveillance_due(next_surveillance: dt.date | None, valid_from: dt.date) -> dt.date:
    """When the next visit is due: as recorded, else a year after validity began."""
    return next_surveillance or rating.add_months(valid_from, 12)


def record_overdue_surveillance(session: Session, today: dt.date) -> list[CreditEvent]:
    """A minor event for each standing certificate whose surveillance fell due before
    ``today`` without a visit; one per due date, however often this runs."""
    year_ago = rating.add_months(today, -12)
    candidates = session.execute(
        select(Certificate.number, Certificate.subject_id, Certificate.next_surveillance,
               Certificate.valid_from, Certificate.valid_until)
        .where(Certificate.state.in_([CertificateState.VALID, CertificateState.SUSPENDED]),
               or_(Certificate.next_surveillance < today,
                   Certificate.next_surveillance.is_(None)
                   & (Certificate.valid_from <= year_ago)))
        .order_by(Certificate.number)).all()
    overdue = []
    for row in candidates:
        due = surveillance_due(row.next_surveillance, row.valid_from)
        # Only what fell due while the certificate stood: nothing is due after expiry.
        if due < today and due <= row.valid_until:
            overdue.append((row.number, row.subject_id, due, f"overdue:{row.number}:{due}"))
    known: set[str] = set()
    for start in range(0, len(overdue), 500):
        sources = [source for *_, source in overdue[start:start + 500]]
        known.update(session.scalars(select(CreditEvent.source).where(
            CreditEvent.source.in_(sources))))
    # Dated the day it is found rather than the day after the due date, so a lapse
    # found late does not start its clean period in the past while it still lasts.
    found_at = dt.datetime.combine(today, dt.time(0), tzinfo=status.TIMEZONE).astimezone(dt.UTC)
    made = []
    for number, subject_id, due, source in overdue:
        if source in known:
            continue
        event, _ = _add(session, subject_id=subject_id, kind=Kind.SURVEILLANCE_OVERDUE,
                        severity=CreditSeverity.MINOR, occurred_at=found_at, source=source,
                        certificate_number=number,
                        summary=f"surveillance due {due.isoformat()} not recorded",
                        recorded_by=SYSTEM)
        made.append(event)
    return made


def fact(event: CreditEvent) -> rating.Fact:
    return rating.Fact(event.severity, status.today(event.occurred_at),
                       event.repaired_at is not None)


def subject_events(session: Session, subject_ids: Iterable[int]) -> dict[int, list[CreditEvent]]:
    """Each subject's events, oldest first."""
    ids = sorted(set(subject_ids))
    found: dict[int, list[CreditEvent]] = {i: [] for i in ids}
    if ids:
        for event in session.scalars(select(CreditEvent).where(CreditEvent.subject_id.in_(ids))
                                     .order_by(CreditEvent.occurred_at, CreditEvent.id)):
            found[event.subject_id].append(event)
    return found


def ratings(session: Session, subject_ids: Iterable[int],
            on: dt.date) -> dict[int, rating.Rating]:
    return {subject_id: rating.rate([fact(e) for e in events], on)
            for subject_id, events in subject_events(session, subject_ids).items()}


def repair_due(session: Session, today: dt.date, *,
               now: dt.datetime | None = None) -> list[CreditEvent]:
    """Repair every adverse event whose clean period has passed by ``today``."""
    subjects = session.scalars(
        select(CreditEvent.subject_id).where(
            CreditEvent.repaired_at.is_(None),
            CreditEvent.severity != CreditSeverity.POSITIVE).distinct()).all()
    now = now or utcnow()
    repaired = []
    for events in subject_events(session, subjects).values():
        for index in rating.repairable([fact(e) for e in events], today):
            event = events[index]
            months = rating.REPAIR_MONTHS[event.severity]
            event.repaired_at = now
            event.repaired_by = SYSTEM
            event.repair_reason = f"clean period of {months} months passed"
            repaired.append(event)
    session.flush()
    return repaired


def repair(session: Session, event_id: int, *, actor: str, reason: str,
           now: dt.datetime | None = None) -> CreditEvent:
    """Repair one adverse event by hand (信用修复 on application), with a written reason."""
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidInput("repairing a credit event requires a written reason")
    if len(cleaned) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters")
    # Locked and re-read, so two repairs at once cannot both pass the check below.
    event = session.get(CreditEvent, event_id, with_for_update=True, populate_existing=True)
    if event is None:
        raise NotFound(f"no credit event {event_id}")
    if event.severity is CreditSeverity.POSITIVE:
        raise InvalidInput("a positive event needs no repair")
    if event.repaired_at is not None:
        raise InvalidInput(f"credit event {event_id} was already repaired")
    event.repaired_at = now or utcnow()
    event.repaired_by = actor[:120]
    event.repair_reason = cleaned
    session.flush()
    return event


@dataclass(frozen=True)
class Sweep:
    overdue: list[CreditEvent]
    repaired: list[CreditEvent]


def sweep(session: Session, today: dt.date, *, now: dt.datetime | None = None) -> Sweep:
    """The daily pass: record overdue surveillance first (a new lapse restarts clean
    periods), then repair what has stayed clean long enough."""
    overdue = record_overdue_surveillance(session, today)
    return Sweep(overdue, repair_due(session, today, now=now))

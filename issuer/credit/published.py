"""What the scheme publishes of a credit file on the public certificate page.

The public sees the holder's grade and, of the adverse events still counting, those
that are public acts of the scheme: suspensions, revocations and confirmed
infringements, each with its date and certificate. Summaries, evidence, staff names,
surveillance details and repaired events stay in the console: once repaired
(信用修复) an event is no longer published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credit import rating
from issuer.credit.recording import Kind, fact, subject_events
from storage.models import Certificate

PUBLISHED_KINDS = frozenset({Kind.SUSPENSION, Kind.REVOCATION, Kind.INFRINGEMENT})


@dataclass(frozen=True)
class PublishedEvent:
    kind: str
    occurred_on: dt.date
    certificate_number: str | None


@dataclass(frozen=True)
class Published:
    grade: str
    events: list[PublishedEvent]


def for_certificate(session: Session, number: str, on: dt.date) -> Published | None:
    """The published part of the file of ``number``'s holder; None for an unknown number."""
    subject_id = session.scalar(select(Certificate.subject_id).where(Certificate.number == number))
    if subject_id is None:
        return None
    events = subject_events(session, [subject_id])[subject_id]
    facts = [fact(e) for e in events]
    shown = [
        PublishedEvent(e.kind, f.occurred_on, e.certificate_number)
        for e, f in zip(events, facts, strict=True)
        if e.kind in PUBLISHED_KINDS and f.adverse and rating.counts(f, on)
    ]
    shown.reverse()  # newest first
    return Published(rating.rate(facts, on).grade.value, shown)

"""What the console shows of credit files (信用档案), scoped to the signed-in role.

Alliance staff see every subject; an officer the subjects holding its body's
certificates; a holder its own. The file is the subject's whole file: the grade is
the subject's, whichever body's certificate an event came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from issuer import credit, status
from issuer.credit import rating
from issuer.credit.recording import fact
from storage.models import Certificate, CreditEvent, StaffRole, Subject
from verifier.console import audit, roles
from verifier.console.sessions import Staff

PAGE_SIZE = 50
#: How many of a sweep's events the audit row names one by one (it counts them all).
AUDIT_ITEMS = 100


def subject_scope(staff: Staff) -> ColumnElement[bool]:
    """The subjects whose files ``staff`` may read, as a WHERE clause."""
    if staff.role in roles.ALLIANCE:
        return true()
    if staff.role is StaffRole.HOLDER:
        return Subject.id == staff.subject_id if staff.subject_id is not None else false()
    return Subject.id.in_(select(Certificate.subject_id).where(roles.certificate_scope(staff)))


@dataclass(frozen=True)
class Listing:
    subjects: list[dict[str, Any]]
    total: int


def _unrepaired_adverse() -> Any:
    """Per subject, the demerit points of its unrepaired events, to list worst files first."""
    weight = case(*((CreditEvent.severity == severity, points)
                    for severity, points in rating.WEIGHTS.items()), else_=0)
    points = case((CreditEvent.repaired_at.is_(None), weight), else_=0)
    return (select(CreditEvent.subject_id, func.sum(points).label("open"))
            .group_by(CreditEvent.subject_id).subquery())


def listing(session: Session, staff: Staff, *, query: str, page: int,
            on: dt.date) -> Listing:
    where = [subject_scope(staff)]
    if query:
        where.append(or_(Subject.name.icontains(query, autoescape=True),
                         Subject.uscc.icontains(query, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(Subject).where(*where)) or 0
    open_events = _unrepaired_adverse()
    rows = session.execute(
        select(Subject.id, Subject.name, Subject.uscc)
        .outerjoin(open_events, open_events.c.subject_id == Subject.id)
        .where(*where)
        .order_by(func.coalesce(open_events.c.open, 0).desc(), Subject.name, Subject.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    rated = credit.ratings(session, [r.id for r in rows], on)
    return Listing([
        {"id": r.id, "name": r.name, "uscc": r.uscc, "grade": rated[r.id].grade.value,
         "points": rated[r.id].points, "counting": rated[r.id].counting}
        for r in rows
    ], total)


def _source(event: CreditEvent) -> dict[str, Any]:
    """What caused the event, and where in the console it can be read."""
    kind, _, rest = event.source.partition(":")
    link = None
    if kind == "infringement" and rest.isdigit():
        link = f"/console/infringements/{rest}"
    elif event.certificate_number:
        link = f"/console/certificates/{event.certificate_number}"
    return {"kind": kind, "ref": rest, "link": link}


def shows_staff_names(staff: Staff) -> bool:
    """Who recorded or repaired an event is internal: a holder's file leaves it out."""
    return staff.role is not StaffRole.HOLDER


def credit_file(session: Session, staff: Staff, subject_id: int,
                on: dt.date) -> dict[str, Any] | None:
    """The subject's file, or None when it does not exist or is out of scope."""
    subject = session.scalar(select(Subject).where(Subject.id == subject_id,
                                                   subject_scope(staff)))
    if subject is None:
        return None
    events = credit.subject_events(session, [subject.id])[subject.id]
    facts = [fact(e) for e in events]
    visible = set(session.scalars(roles.visible_certificate_numbers(staff).where(
        Certificate.subject_id == subject.id)))
    records = roles.allowed(staff.role, roles.Permission.INFRINGEMENTS_VIEW)
    names = shows_staff_names(staff)
    rows = []
    for event, known in zip(events, facts, strict=True):
        source = _source(event)
        if source["link"] and (
                (source["kind"] == "infringement" and not records)
                or (source["kind"] != "infringement"
                    and event.certificate_number not in visible)):
            source["link"] = None
        rows.append({
            "id": event.id, "kind": event.kind, "severity": event.severity.value,
            "occurred_on": known.occurred_on, "certificate_number": event.certificate_number,
            "summary": event.summary, "recorded_by": event.recorded_by if names else None,
            "source": source, "counts": rating.counts(known, on),
            "repaired_at": event.repaired_at,
            "repaired_by": event.repaired_by if names else None,
            "repair_reason": event.repair_reason,
            "repairable": known.adverse and not known.repaired,
            "repair_on": rating.repair_date(known, facts),
        })
    rows.reverse()  # newest first
    return {"subject": {"id": subject.id, "name": subject.name, "uscc": subject.uscc},
            "rating": rating.rate(facts, on), "events": rows, "on": on}


def repair(session: Session, subject_id: int, event_id: int, *, actor: str, reason: str,
           client_hash: str) -> CreditEvent | None:
    """Repair one event of ``subject_id`` by hand, audited; None if it is not that subject's."""
    owner = session.scalar(select(CreditEvent.subject_id).where(CreditEvent.id == event_id))
    if owner != subject_id:
        return None
    on = status.today()
    before = credit.ratings(session, [subject_id], on)[subject_id]
    repaired = credit.repair(session, event_id, actor=actor, reason=reason)
    after = credit.ratings(session, [subject_id], on)[subject_id]
    audit.record(session, actor=actor, action="credit.repair",
                 target=f"credit_event:{event_id}",
                 before={"subject_id": subject_id, "repaired": False,
                         "grade": before.grade.value},
                 after={"subject_id": subject_id, "repaired": True,
                        "reason": repaired.repair_reason, "grade": after.grade.value},
                 client_hash=client_hash)
    return repaired


def sweep(session: Session, *, actor: str, client_hash: str) -> credit.Sweep:
    """The daily pass run from the console, audited with what it did."""
    on = status.today()
    done = credit.sweep(session, on)
    audit.record(session, actor=actor, action="credit.sweep", target=f"credit:{on.isoformat()}",
                 after={"overdue": len(done.overdue), "repaired": len(done.repaired),
                        "overdue_sources": [e.source for e in done.overdue[:AUDIT_ITEMS]],
                        "repaired_ids": [e.id for e in done.repaired[:AUDIT_ITEMS]]},
                 client_hash=client_hash)
    return done

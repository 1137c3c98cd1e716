"""Post-certification surveillance (证后监督): recording visits and the list of those due.

A certificate is surveilled at least once a year. Its next visit is due on the date the
last visit set, or, before any visit, one year after it became valid. Only standing
certificates (valid or suspended, not expired) are due; publicity, revoked and terminated
ones are not surveilled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import InvalidInput
from storage.enums import CertificateState, SurveillanceResult
from storage.models import Certificate, CertificationBody, Subject, SurveillanceVisit
from verifier.console import audit, roles
from verifier.console.lifecycle import Refused, scoped_certificate
from verifier.console.sessions import Staff

#: How far ahead the due list looks.
DUE_WITHIN = dt.timedelta(days=30)
STANDING = (CertificateState.VALID, CertificateState.SUSPENDED)
MAX_NOTES = 4000
PAGE_SIZE = 50


def due_date(certificate: Certificate) -> dt.date:
    """When the next surveillance visit is due."""
    if certificate.next_surveillance is not None:
        return certificate.next_surveillance
    return registry.add_years(certificate.valid_from, 1)


@dataclass(frozen=True)
class DueItem:
    number: str
    holder: str
    body: str
    status: str
    last: dt.date | None
    due: dt.date
    overdue: bool
    days: int  # days until due (negative: days overdue)


@dataclass(frozen=True)
class DuePage:
    items: list[DueItem]  # this page's, soonest due first
    total: int  # due or overdue, on every page
    overdue: int
    page: int
    pages: int


def _first_year_cutoff(horizon: dt.date) -> dt.date:
    """The last ``valid_from`` whose first visit (a year on) falls due by ``horizon``;
    exact around 29 February, where ``add_years`` moves the day back to the 28th."""
    day = registry.add_years(horizon, -1) + dt.timedelta(days=2)
    while registry.add_years(day, 1) > horizon:
        day -= dt.timedelta(days=1)
    return day


def due_page(session: Session, staff: Staff, page: int = 1,
             on: dt.date | None = None) -> DuePage:
    """Certificates in ``staff``'s scope whose surveillance is overdue or due within 30 days,
    ``PAGE_SIZE`` a page.

    The due date of a certificate never visited is a year after it became valid, which has
    no portable SQL form; so the keys and dates of the due certificates are read (exactly
    those due, no more), ordered here, and only the page's rows are loaded in full.
    """
    on = on or status.today()
    horizon = on + DUE_WITHIN
    keys = session.execute(
        select(Certificate.id, Certificate.number, Certificate.next_surveillance,
               Certificate.valid_from).where(
            roles.certificate_scope(staff), Certificate.state.in_(STANDING),
            Certificate.valid_until >= on,
            or_(Certificate.next_surveillance <= horizon,
                Certificate.next_surveillance.is_(None)
                & (Certificate.valid_from <= _first_year_cutoff(horizon))),
        )).all()
    dated = sorted((k.next_surveillance or registry.add_years(k.valid_from, 1), k.number, k.id)
                    for k in keys)
    pages = max(1, -(-len(dated) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    chosen = dated[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    shown = {row.id: row for row in session.execute(
        select(Certificate.id, Certificate.state, Certificate.valid_until,
               Certificate.last_surveillance, Subject.name.label("holder"),
               CertificationBody.name.label("body"))
        .join(Subject, Subject.id == Certificate.subject_id)
        .join(CertificationBody, CertificationBody.id == Certificate.body_id)
        .where(Certificate.id.in_([i for *_, i in chosen])))}
    items = [DueItem(
        number=number, holder=shown[i].holder, body=shown[i].body,
        status=status.public_status(shown[i].state, shown[i].valid_until, on).value,
        last=shown[i].last_surveillance, due=due, overdue=due < on, days=(due - on).days)
        for due, number, i in chosen]
    return DuePage(items, len(dated), sum(1 for due, *_ in dated if due < on), page, pages)


def visits(session: Session, certificate: Certificate) -> list[dict[str, Any]]:
    rows = session.scalars(select(SurveillanceVisit).where(
        SurveillanceVisit.certificate_id == certificate.id).order_by(
        SurveillanceVisit.visited_on.desc(), SurveillanceVisit.id.desc()))
    return [{"visited_on": v.visited_on, "result": v.result.value, "next_due": v.next_due,
             "notes": v.notes, "actor": v.actor} for v in rows]


def _date(text: str, field: str, required: bool) -> dt.date | None:
    text = text.strip()
    if not text:
        if required:
            raise Refused("surveillance.field.date_required", 400, field=field)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused("surveillance.field.date", 400, field=field) from None


def record_visit(session: Session, staff: Staff, number: str, form: dict[str, str], *,
                 client_hash: str) -> SurveillanceVisit:
    """Record one visit from the certificate page's form, with its audit row."""
    certificate = scoped_certificate(session, staff, number, for_update=True)
    visited_on = _date(form.get("visited_on", ""), "visited_on", True)
    next_due = _date(form.get("next_due", ""), "next_due", False)
    assert visited_on is not None
    try:
        result = SurveillanceResult(form.get("result", ""))
    except ValueError:
        raise Refused("surveillance.field.result", 400) from None
    notes = form.get("notes", "").strip()
    if len(notes) > MAX_NOTES:
        raise Refused("lifecycle.field.too_long", 400, limit=MAX_NOTES)
    on = status.today()
    # The registry enforces the same rules; checked here first to say which one, in words
    # the user reads.
    if certificate.state not in STANDING:
        raise Refused("surveillance.refused.state", 409, state=certificate.state.value)
    if visited_on > on:
        raise Refused("surveillance.refused.future", 400)
    if visited_on < certificate.valid_from:
        raise Refused("surveillance.refused.before_valid", 400,
                      since=certificate.valid_from.isoformat())
    if certificate.last_surveillance and visited_on < certificate.last_surveillance:
        raise Refused("surveillance.refused.earlier", 400,
                      last=certificate.last_surveillance.isoformat())
    if next_due is not None and not visited_on < next_due <= registry.add_years(visited_on, 1):
        raise Refused("surveillance.refused.interval", 400)
    before = {"last": _iso(certificate.last_surveillance),
              "next": _iso(certificate.next_surveillance)}
    try:
        visit = registry.record_surveillance(
            session, certificate.number, visited_on=visited_on, result=result,
            actor=staff.username, next_due=next_due, notes=notes, today=on)
    except InvalidInput as exc:
        raise Refused("surveillance.refused", 409, detail=str(exc)) from None
    audit.record(session, actor=staff.username, action="surveillance.record",
                 target=f"certificate:{certificate.number}", before=before,
                 after={"last": _iso(visit.visited_on), "next": _iso(visit.next_due),
                        "result": result.value, "visit": visit.id},
                 client_hash=client_hash)
    return visit


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None

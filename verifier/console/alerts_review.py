"""Reviewing alerts: confirm, dismiss and assign, one alert or many, in one transaction.

Every function here runs inside the caller's transaction (``db.run``) and either changes
everything it was asked to or raises before anything is committed. An alert already
reviewed is reported back and left as it is, never reviewed twice: the status change is a
conditional UPDATE (``WHERE status = 'open'``), so two reviewers acting at once cannot
both confirm it. Each change writes one audit row with the alert before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.enums import AlertStatus
from storage.models import Alert, StaffUser
from verifier.console import accounts, audit, infringements, roles
from verifier.console.sessions import Staff

MAX_REASON = 2000
MAX_BULK = 200


class ReviewError(ValueError):
    """The review cannot be done; ``key`` is the message to show. Nothing was changed."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Outcome:
    changed: list[int] = field(default_factory=list)
    already_reviewed: list[int] = field(default_factory=list)
    infringements: dict[int, int] = field(default_factory=dict)  # alert id -> record id
    credit_events: dict[int, int] = field(default_factory=dict)  # alert id -> event id


def clean_reason(text: str | None, *, required: bool) -> str | None:
    reason = (text or "").strip()
    if len(reason) > MAX_REASON:
        raise ReviewError("console.review.reason_long")
    if not reason:
        if required:
            raise ReviewError("console.review.reason_needed")
        return None
    return reason


def clean_ids(values: Sequence[str]) -> list[int]:
    """Alert ids from a form: digits only, each once, at most ``MAX_BULK``."""
    ids: list[int] = []
    for value in values:
        if not value.isdigit() or len(value) > 12:
            raise ReviewError("console.review.bad_selection")
        if int(value) not in ids:
            ids.append(int(value))
    if not ids:
        raise ReviewError("console.review.none_selected")
    if len(ids) > MAX_BULK:
        raise ReviewError("console.review.too_many")
    return ids


def snapshot(alert: Alert) -> dict[str, Any]:
    return {"status": alert.status.value, "assigned_to": alert.assigned_to,
            "reviewed_by": alert.reviewed_by, "review_reason": alert.review_reason}


def _load(session: Session, staff: Staff, ids: Sequence[int]) -> list[Alert]:
    """The alerts, in the order given; refuses the lot if any is not visible to ``staff``."""
    found = {a.id: a for a in session.scalars(
        select(Alert).where(Alert.id.in_(ids), roles.alert_scope(staff)))}
    if len(found) != len(ids):
        raise ReviewError("console.not_found")
    return [found[i] for i in ids]


def charges(alert: Alert, *, charge: bool, bulk: bool) -> bool:
    """Whether confirming ``alert`` adds a credit event for its matched subject.

    One alert: as the reviewer ticked it on the alert's page. In bulk the reviewer has
    not looked at each seller, so a name match is never charged and a credit-code match
    only when the bulk form's box asks for it.
    """
    if not charge:
        return False
    return not bulk or infringements.match_method(alert.details or {}) == "credit_code"


def review(session: Session, staff: Staff, ids: Sequence[int], decision: AlertStatus,
           reason: str | None, *, client_hash: str, charge: bool = False,
           bulk: bool = False, at: dt.datetime | None = None) -> Outcome:
    """Confirm or dismiss ``ids``; a confirmed crawler alert becomes an infringement record,
    and its matched subject is charged in its credit file only as ``charges`` allows."""
    if decision is AlertStatus.OPEN:
        raise ReviewError("console.review.bad_selection")
    reason = clean_reason(reason, required=decision is AlertStatus.DISMISSED)
    at = at or utcnow()
    outcome = Outcome()
    bulk = bulk or len(ids) > 1  # from the queue's form, even with one alert ticked
    for alert in _load(session, staff, ids):
        before = snapshot(alert)
        changed = session.execute(
            update(Alert).where(Alert.id == alert.id, Alert.status == AlertStatus.OPEN)
            .values(status=decision, reviewed_by=staff.username, reviewed_at=at,
                    review_reason=reason)
            .execution_options(synchronize_session=False))
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            outcome.already_reviewed.append(alert.id)
            continue
        session.refresh(alert)
        after = snapshot(alert)
        if decision is AlertStatus.CONFIRMED and infringements.makes_record(alert):
            charged = charges(alert, charge=charge, bulk=bulk)
            made = infringements.record_confirmed(session, alert, actor=staff.username, at=at,
                                                  charge=charged, bulk=bulk)
            outcome.infringements[alert.id] = made.record.id
            after["infringement_id"] = made.record.id
            after["subject_id"] = made.record.subject_id
            after["seller_match"] = infringements.match_method(alert.details or {})
            after["credit_charged"] = made.credit_event is not None
            if made.credit_event is not None:
                outcome.credit_events[alert.id] = made.credit_event.id
                after["credit_event_id"] = made.credit_event.id
        if bulk:
            after["bulk"] = True
        action = "alert.confirm" if decision is AlertStatus.CONFIRMED else "alert.dismiss"
        audit.record(session, actor=staff.username, action=action, target=f"alert:{alert.id}",
                     before=before, after=after, client_hash=client_hash, at=at)
        outcome.changed.append(alert.id)
    return outcome


def reviewers(session: Session) -> list[dict[str, str]]:
    """Active accounts an alert can be assigned to: the alliance's staff."""
    return [{"username": u.username, "display_name": u.display_name}
            for u in session.scalars(select(StaffUser).where(
                StaffUser.active.is_(True), StaffUser.role.in_(list(roles.ALLIANCE)))
                .order_by(StaffUser.username))]


def assign(session: Session, staff: Staff, alert_id: int, assignee: str, *,
           client_hash: str, at: dt.datetime | None = None) -> Outcome:
    """Give an open alert to one of the alliance's active staff (``staff`` itself if
    ``assignee`` is empty or ``me``)."""
    username = (staff.username if assignee.strip() in ("", "me")
                else accounts.normalise_username(assignee))
    if username not in {r["username"] for r in reviewers(session)}:
        raise ReviewError("console.review.bad_assignee")
    (alert,) = _load(session, staff, [alert_id])
    if alert.status is not AlertStatus.OPEN:
        return Outcome(already_reviewed=[alert.id])
    before = snapshot(alert)
    alert.assigned_to = username
    alert.assigned_at = at or utcnow()
    session.flush()
    audit.record(session, actor=staff.username, action="alert.assign",
                 target=f"alert:{alert.id}", before=before, after=snapshot(alert),
                 client_hash=client_hash, at=alert.assigned_at)
    return Outcome(changed=[alert.id])

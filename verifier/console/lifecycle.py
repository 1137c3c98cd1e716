"""Certificate lifecycle work for the console: status actions and publicity objections.

Each function runs inside one ``db.run`` transaction, looks the certificate up within the
staff member's scope, delegates the change to ``issuer.registry`` (which writes the status
event, the transparency-log entry and the credit-file event) and records the audit row.
A refusal raises ``Refused`` before anything is written, or rolls the transaction back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import IllegalTransition, InvalidInput, NotFound
from storage.enums import CertificateState, ObjectionOutcome
from storage.models import Certificate, Objection
from verifier.console import audit, roles
from verifier.console.sessions import Staff

#: Actions offered on the certificate page, in the order they are shown.
ACTIONS = (status.Action.ACTIVATE, status.Action.SUSPEND, status.Action.REINSTATE,
           status.Action.REVOKE, status.Action.TERMINATE)
#: The console asks a written reason for every change a person decides; issuing after a
#: clean publicity period is the only one that needs none.
REASON_OPTIONAL = frozenset({status.Action.ACTIVATE})
MAX_NAME = 200
MAX_TEXT = 4000


class Refused(Exception):
    """An action the console will not perform; ``key`` names the text shown to the user."""

    def __init__(self, key: str, status_code: int = 400, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.status_code = status_code
        self.values = values


def scoped_certificate(session: Session, staff: Staff, number: str, *,
                       for_update: bool = False) -> Certificate:
    """The certificate if ``staff`` may see it; another body's answers like a missing one."""
    query = select(Certificate).where(Certificate.number == number[:32],
                                      roles.certificate_scope(staff))
    if for_update:
        query = query.with_for_update(of=Certificate)
    certificate = session.scalar(query)
    if certificate is None:
        raise Refused("console.not_found", 404)
    return certificate


def snapshot(certificate: Certificate, on: dt.date) -> dict[str, Any]:
    """What an audit row keeps of a certificate's state before and after a change."""
    return {"state": certificate.state.value,
            "status": status.public_status(certificate.state, certificate.valid_until, on).value}


def allowed_actions(session: Session, certificate: Certificate,
                    on: dt.date | None = None) -> list[status.Action]:
    """The actions ``issuer.status`` allows on ``certificate`` today (reasons assumed given)."""
    on = on or status.today()
    objections = registry.objection_counts(session, certificate)
    allowed = []
    for action in ACTIONS:
        try:
            status.plan(action, certificate.state, on=on, valid_until=certificate.valid_until,
                        publicity_end=certificate.publicity_end, reason="-",
                        objections=objections)
        except IllegalTransition:
            continue
        allowed.append(action)
    return allowed


def _why_not(session: Session, certificate: Certificate, action: status.Action,
             reason: str, on: dt.date) -> Refused:
    """Name, in the user's language, the rule that refused ``action``."""
    sources, _ = status.TRANSITIONS[action]
    if certificate.state not in sources:
        return Refused("lifecycle.refused.state", 409, state=certificate.state.value)
    if len(reason) > status.MAX_REASON:
        return Refused("lifecycle.refused.reason_long", 400, limit=status.MAX_REASON)
    if (status.is_expired(certificate.valid_until, on)
            and action not in status.ALLOWED_AFTER_EXPIRY):
        return Refused("lifecycle.refused.expired", 409,
                       until=certificate.valid_until.isoformat())
    if action is status.Action.ACTIVATE:
        counts = registry.objection_counts(session, certificate)
        if on <= certificate.publicity_end:
            return Refused("lifecycle.refused.publicity", 409,
                           until=certificate.publicity_end.isoformat())
        if counts.upheld:
            return Refused("lifecycle.refused.upheld", 409)
        if counts.pending:
            return Refused("lifecycle.refused.pending", 409, count=counts.pending)
    return Refused("lifecycle.refused.other", 409)


def change_status(session: Session, staff: Staff, number: str, action_text: str,
                  reason: str, *, client_hash: str) -> status.Action:
    """Apply one status action from the certificate page, with its audit row."""
    try:
        action = status.Action(action_text)
    except ValueError:
        raise Refused("lifecycle.refused.unknown_action", 400) from None
    certificate = scoped_certificate(session, staff, number, for_update=True)
    reason = reason.strip()
    if action not in REASON_OPTIONAL and not reason:
        raise Refused("lifecycle.reason_required", 400)
    on = status.today()
    before = snapshot(certificate, on)
    try:
        event = registry.change_status(session, certificate.number, action,
                                       actor=staff.username, reason=reason or None)
    except IllegalTransition:
        raise _why_not(session, certificate, action, reason, on) from None
    after = {**snapshot(certificate, on), "reason": event.reason, "event": event.id}
    audit.record(session, actor=staff.username, action=f"certificate.{action.value}",
                 target=f"certificate:{certificate.number}", before=before, after=after,
                 client_hash=client_hash)
    return action


def lodge_objection(session: Session, staff: Staff, number: str, lodged_by: str, text: str,
                    *, client_hash: str) -> Objection:
    """Record an objection received during publicity (公示)."""
    certificate = scoped_certificate(session, staff, number, for_update=True)
    lodged_by, text = lodged_by.strip(), text.strip()
    if not lodged_by or not text:
        raise Refused("lifecycle.objection.incomplete", 400)
    if len(lodged_by) > MAX_NAME or len(text) > MAX_TEXT:
        raise Refused("lifecycle.objection.too_long", 400, name=MAX_NAME, text=MAX_TEXT)
    if certificate.state is not CertificateState.PUBLICITY:
        raise Refused("lifecycle.objection.not_in_publicity", 409)
    try:
        objection = registry.lodge_objection(session, certificate.number, lodged_by=lodged_by,
                                             text=text)
    except InvalidInput:
        raise Refused("lifecycle.objection.not_in_publicity", 409) from None
    audit.record(session, actor=staff.username, action="objection.lodge",
                 target=f"certificate:{certificate.number}",
                 after={"objection": objection.id, "lodged_by": lodged_by, "text": text},
                 client_hash=client_hash)
    return objection


def decide_objection(session: Session, staff: Staff, number: str, objection_id: int,
                     outcome: str, reason: str, *, client_hash: str) -> Objection:
    """Uphold or dismiss a pending objection, with a written reason."""
    certificate = scoped_certificate(session, staff, number, for_update=True)
    objection = session.get(Objection, objection_id)
    if objection is None or objection.certificate_id != certificate.id:
        raise Refused("console.not_found", 404)
    if outcome not in ("uphold", "dismiss"):
        raise Refused("lifecycle.refused.unknown_action", 400)
    reason = reason.strip()
    if not reason:
        raise Refused("lifecycle.reason_required", 400)
    if len(reason) > MAX_TEXT:
        raise Refused("lifecycle.refused.reason_long", 400, limit=MAX_TEXT)
    if objection.outcome is not ObjectionOutcome.PENDING:
        raise Refused("lifecycle.objection.decided", 409)
    try:
        decided = registry.decide_objection(session, objection.id, upheld=outcome == "uphold",
                                            actor=staff.username, reason=reason)
    except (InvalidInput, NotFound):
        raise Refused("lifecycle.objection.decided", 409) from None
    audit.record(session, actor=staff.username, action=f"objection.{outcome}",
                 target=f"certificate:{certificate.number}",
                 before={"objection": objection.id, "outcome": ObjectionOutcome.PENDING.value},
                 after={"objection": objection.id, "outcome": decided.outcome.value,
                        "reason": reason},
                 client_hash=client_hash)
    return decided

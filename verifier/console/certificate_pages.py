"""The console's certificate pages: detail with its lifecycle forms, and the new-certificate form.

Each form posts to its own address and answers with a redirect back to the page (so a
reload does not post again); a refusal shows the page again with the reason and changes
nothing. The page offers only the actions the status rules allow now and the role may use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer import registry, status
from storage.enums import AlertStatus, CertificateState, SurveillanceResult
from storage.models import Alert, Certificate, Objection, StaffRole, StatusEvent
from verifier.console import db, lifecycle, lifecycle_create, messages, pages, roles, surveillance
from verifier.console.lifecycle import Refused
from verifier.console.sessions import Staff
from verifier.console.state import STAFF
from verifier.i18n import negotiate
from verifier.keys import SETTINGS

#: ``?done=`` values that show a confirmation on the certificate page.
DONE = frozenset({"created", "activate", "suspend", "reinstate", "revoke", "terminate",
                  "objection", "uphold", "dismiss", "surveillance"})


def certificate_row(certificate: Certificate, on: Any, open_alerts: int = 0) -> dict[str, Any]:
    """One certificate as the console's tables show it."""
    return {
        "number": certificate.number,
        "holder": certificate.subject.name,
        "uscc": certificate.subject.uscc,
        "body": certificate.body.name,
        "scheme": certificate.scheme.value,
        "status": status.public_status(certificate.state, certificate.valid_until, on).value,
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
        "next_surveillance": certificate.next_surveillance,
        "open_alerts": open_alerts,
    }


def certificate_detail(session: Session, staff: Staff, number: str) -> dict[str, Any] | None:
    """Everything the certificate page shows, or None outside ``staff``'s scope."""
    certificate = session.scalar(
        select(Certificate).where(Certificate.number == number, roles.certificate_scope(staff)))
    if certificate is None:
        return None
    on = status.today()
    history = [
        {"occurred_at": e.occurred_at, "from_state": e.from_state, "to_state": e.to_state,
         "reason": e.reason, "actor": e.actor}
        for e in session.scalars(select(StatusEvent).where(
            StatusEvent.certificate_id == certificate.id).order_by(StatusEvent.id))
    ]
    open_alerts = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.certificate_number == number, Alert.status == AlertStatus.OPEN)) or 0
    holder = staff.role is StaffRole.HOLDER
    # Objectors' names and texts are for the bodies and the alliance deciding them, never
    # for the holder objected to: not even loaded for a holder.
    objections = [] if holder else [
        {"id": o.id, "lodged_by": o.lodged_by, "text": o.text, "lodged_at": o.lodged_at,
         "outcome": o.outcome.value, "decided_by": o.decided_by, "decided_at": o.decided_at,
         "reason": o.decision_reason}
        for o in session.scalars(select(Objection).where(
            Objection.certificate_id == certificate.id).order_by(Objection.id))
    ]
    visits = surveillance.visits(session, certificate)
    if holder:  # which staff member acted is internal
        history = [{**h, "actor": None} for h in history]
        visits = [{**v, "actor": None} for v in visits]
    standing = (certificate.state in surveillance.STANDING
                and not status.is_expired(certificate.valid_until, on))
    return {
        "certificate": certificate_row(certificate, on, open_alerts),
        "history": history,
        "scope": [{"kind": s.kind.value, "name": s.name, "category": s.category}
                  for s in certificate.scope],
        "publicity": {"start": certificate.publicity_start, "end": certificate.publicity_end,
                      "open": certificate.state is CertificateState.PUBLICITY},
        "actions": [a.value for a in lifecycle.allowed_actions(session, certificate, on)],
        "reason_optional": [a.value for a in lifecycle.REASON_OPTIONAL],
        "objections": objections,
        "visits": visits,
        "surveillance": {"last": certificate.last_surveillance,
                         "due": surveillance.due_date(certificate) if standing else None,
                         "open": standing, "today": on,
                         "latest_due": registry.add_years(on, 1)},
        "results": [r.value for r in SurveillanceResult],
    }


def describe(t: Any, refused: Refused) -> str:
    """A refusal in the reader's language, its state and field names translated too."""
    values = dict(refused.values)
    if "state" in values:
        values["state"] = t(f"status.{values['state']}")
    if "field" in values:
        values["field"] = t(f"surveillance.visit.{values['field']}")
    return str(t(refused.key, **values))


async def _show(request: web.Request, *, error: Refused | None = None,
                form: dict[str, str] | None = None) -> web.Response:
    number = request.match_info["number"][:32]
    found = await db.run(request, certificate_detail, request[STAFF], number)
    if found is None:
        # Not in this role's scope (or not at all): the same answer either way.
        return pages.error(request, 404, "console.not_found")
    t = messages.translator(negotiate(request))
    done = request.query.get("done", "")
    found.update({
        "done": done if done in DONE else None,
        "error": describe(t, error) if error else None,
        "form": form or {},
    })
    return pages.render(request, "console/certificate.html", found,
                        status=error.status_code if error else 200)


async def certificate_page(request: web.Request) -> web.Response:
    return await _show(request)


async def _act(request: web.Request, work: Callable[..., Any],
               args: Callable[[dict[str, str]], tuple[Any, ...]], *,
               done: Callable[[dict[str, str]], str]) -> web.Response:
    """Run one lifecycle change; a refusal shows the page again, unchanged."""
    number = request.match_info["number"][:32]
    form = {k: str(v) for k, v in (await request.post()).items() if k != "csrf_token"}
    try:
        await db.run(request, work, request[STAFF], number, *args(form),
                     client_hash=db.client_hash(request))
    except Refused as refused:
        if refused.status_code == 404:
            return pages.error(request, 404, refused.key)
        return await _show(request, error=refused, form=form)
    return pages.redirect(f"/console/certificates/{number}?done={done(form)}#notice")


async def change_status(request: web.Request) -> web.Response:
    return await _act(request, lifecycle.change_status,
                      lambda f: (f.get("action", ""), f.get("reason", "")),
                      done=lambda f: f.get("action", ""))


async def lodge_objection(request: web.Request) -> web.Response:
    return await _act(request, lifecycle.lodge_objection,
                      lambda f: (f.get("lodged_by", ""), f.get("text", "")),
                      done=lambda f: "objection")


async def decide_objection(request: web.Request) -> web.Response:
    try:
        objection_id = int(request.match_info["objection"])
    except ValueError:
        return pages.error(request, 404, "console.not_found")
    return await _act(request, lifecycle.decide_objection,
                      lambda f: (objection_id, f.get("outcome", ""), f.get("reason", "")),
                      done=lambda f: f.get("outcome", ""))


async def record_surveillance(request: web.Request) -> web.Response:
    return await _act(request, surveillance.record_visit, lambda f: (f,),
                      done=lambda f: "surveillance")


async def _new_form(request: web.Request, form: lifecycle_create.NewCertificateForm, *,
                    errors: dict[str, lifecycle_create.FieldError] | None = None,
                    error: Refused | None = None, status_code: int = 200) -> web.Response:
    staff = request[STAFF]
    choices = await db.run(request, lifecycle_create.form_choices, staff)
    t = messages.translator(negotiate(request))
    shown = {name: t(key, **values) for name, (key, values) in (errors or {}).items()}
    return pages.render(request, "console/certificate_new.html", {
        **choices, "form": form, "errors": shown,
        "error": describe(t, error) if error else None,
        "officer": staff.role.value == "body_officer",
    }, status=status_code)


async def new_certificate_form(request: web.Request) -> web.Response:
    form = lifecycle_create.NewCertificateForm(
        publicity_days=str(request.config_dict[SETTINGS].publicity_days))
    return await _new_form(request, form)


async def create_certificate(request: web.Request) -> web.Response:
    data = {k: str(v) for k, v in (await request.post()).items()}
    form = lifecycle_create.NewCertificateForm.from_post(data)
    passphrase = request.config_dict[SETTINGS].key_passphrase
    try:
        certificate = await db.run(request, lifecycle_create.create_certificate,
                                   request[STAFF], form, passphrase=passphrase,
                                   client_hash=db.client_hash(request))
    except lifecycle_create.FormInvalid as invalid:
        return await _new_form(request, form, errors=invalid.errors, status_code=400)
    except Refused as refused:
        return await _new_form(request, form, error=refused, status_code=refused.status_code)
    except IntegrityError:
        # Two certificates created at the same moment drew the same number; the loser's
        # transaction rolled back whole, so posting again is safe.
        return await _new_form(request, form, error=Refused("lifecycle.new.conflict", 409),
                               status_code=409)
    return pages.redirect(f"/console/certificates/{certificate.number}?done=created#notice")

"""The new-certificate form: read, check field by field, then create through the registry.

Every field is checked before anything is written, so a bad credit code or an empty scope
is shown next to its field with the rest of the form kept; signing needs the server's key
passphrase, and without it (or without an active key) nothing is written either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import InvalidInput, KeyStoreError
from issuer.keys import KeyStore
from storage.enums import Scheme, ScopeKind
from storage.models import Certificate, CertificationBody, StaffRole, Subject
from storage.uscc import ALPHABET, check_character
from verifier.console import audit, roles
from verifier.console.lifecycle import Refused
from verifier.console.sessions import Staff

SCOPE_ROWS = 5
MAX_SUGGESTIONS = 100
MAX_PUBLICITY_DAYS = 90
KINDS = frozenset(k.value for k in ScopeKind)
#: A field's problem: a message key and the values it names.
FieldError = tuple[str, dict[str, Any]]


def credit_code_problem(text: str) -> FieldError | None:
    """Why ``text`` is not a unified social credit code, or None when it is one."""
    code = text.strip().upper()
    if not code:
        return ("lifecycle.field.required", {})
    if len(code) != 18 or not code.isascii():
        return ("lifecycle.uscc.length", {"count": len(code)})
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        return ("lifecycle.uscc.characters", {"character": bad[0]})
    expected = check_character(code[:17])
    if code[17] != expected:
        return ("lifecycle.uscc.check", {"expected": expected})
    return None


@dataclass
class ScopeRow:
    kind: str = ScopeKind.PRODUCT.value
    name: str = ""
    category: str = ""


@dataclass
class NewCertificateForm:
    """What was typed, kept as text so the form can be shown again unchanged."""

    scheme: str = Scheme.SHANGPIN.value
    subject_mode: str = "existing"  # or "new"
    subject_uscc: str = ""
    new_name: str = ""
    new_uscc: str = ""
    new_address: str = ""
    body_code: str = ""
    standard: str = ""
    publicity_days: str = "7"
    scope: list[ScopeRow] = field(default_factory=lambda: [ScopeRow() for _ in range(SCOPE_ROWS)])

    @classmethod
    def from_post(cls, data: Mapping[str, str]) -> NewCertificateForm:
        def text(name: str, limit: int = 400) -> str:
            return str(data.get(name, "")).strip()[:limit]

        return cls(
            scheme=text("scheme"), subject_mode=text("subject_mode") or "existing",
            subject_uscc=text("subject_uscc"), new_name=text("new_name"),
            new_uscc=text("new_uscc"), new_address=text("new_address"),
            body_code=text("body_code"), standard=text("standard"),
            publicity_days=text("publicity_days"),
            scope=[ScopeRow(text(f"scope_kind_{i}") or ScopeKind.PRODUCT.value,
                            text(f"scope_name_{i}"), text(f"scope_category_{i}"))
                   for i in range(SCOPE_ROWS)],
        )


class FormInvalid(Exception):
    """The form has field errors; nothing was written."""

    def __init__(self, errors: dict[str, FieldError]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def suggested_subjects(session: Session, staff: Staff) -> list[Any]:
    """Subjects to offer as the credit code is typed: those holding a certificate ``staff``
    may already see (an officer: its own body's clients), at most ``MAX_SUGGESTIONS``.

    Any other subject is still found by typing its full credit code; the form never lists
    the whole registry, which would show an officer other bodies' clients.
    """
    holders = select(Certificate.subject_id).where(roles.certificate_scope(staff))
    return list(session.execute(
        select(Subject.uscc, Subject.name).where(Subject.id.in_(holders))
        .order_by(Subject.name, Subject.uscc).limit(MAX_SUGGESTIONS)).all())


def form_choices(session: Session, staff: Staff) -> dict[str, Any]:
    """Bodies the user may create for (an officer: only its own) and subjects to suggest."""
    bodies = select(CertificationBody).order_by(CertificationBody.code)
    if staff.role is StaffRole.BODY_OFFICER:
        bodies = bodies.where(CertificationBody.id == staff.body_id)
    subjects = suggested_subjects(session, staff)
    return {
        "bodies": [{"code": b.code, "name": b.name} for b in session.scalars(bodies)],
        "subjects": [{"uscc": s.uscc, "name": s.name} for s in subjects],
        "schemes": [s.value for s in Scheme],
        "kinds": [k.value for k in ScopeKind],
    }


def _body_for(session: Session, staff: Staff, form: NewCertificateForm,
              errors: dict[str, FieldError]) -> CertificationBody | None:
    if staff.role is StaffRole.BODY_OFFICER:
        # An officer's body is fixed to its own, whatever the form says.
        body = session.get(CertificationBody, staff.body_id) if staff.body_id else None
        if body is None:
            raise Refused("console.forbidden", 403)
        return body
    body = session.scalar(select(CertificationBody).where(
        CertificationBody.code == form.body_code.upper()))
    if body is None:
        errors["body_code"] = ("lifecycle.field.body", {})
    return body


def _check_subject(session: Session, form: NewCertificateForm,
                   errors: dict[str, FieldError]) -> str:
    """The credit code of the subject to certify (checked; new ones are not yet added)."""
    if form.subject_mode == "new":
        if not form.new_name:
            errors["new_name"] = ("lifecycle.field.required", {})
        elif len(form.new_name) > 200:
            errors["new_name"] = ("lifecycle.field.too_long", {"limit": 200})
        if len(form.new_address) > 300:
            errors["new_address"] = ("lifecycle.field.too_long", {"limit": 300})
        problem = credit_code_problem(form.new_uscc)
        code = form.new_uscc.strip().upper()
        if problem:
            errors["new_uscc"] = problem
        elif session.scalar(select(Subject.id).where(Subject.uscc == code)) is not None:
            errors["new_uscc"] = ("lifecycle.uscc.exists", {})
        return code
    problem = credit_code_problem(form.subject_uscc)
    code = form.subject_uscc.strip().upper()
    if problem:
        errors["subject_uscc"] = problem
    elif session.scalar(select(Subject.id).where(Subject.uscc == code)) is None:
        errors["subject_uscc"] = ("lifecycle.uscc.unknown", {})
    return code


def _check(session: Session, staff: Staff, form: NewCertificateForm
           ) -> tuple[Scheme, str, CertificationBody, list[registry.ScopeEntry], int]:
    errors: dict[str, FieldError] = {}
    scheme = Scheme.SHANGPIN
    try:
        scheme = Scheme(form.scheme)
    except ValueError:
        errors["scheme"] = ("lifecycle.field.choose", {})
    code = _check_subject(session, form, errors)
    body = _body_for(session, staff, form, errors)
    if not form.standard:
        errors["standard"] = ("lifecycle.field.required", {})
    elif len(form.standard) > 120:
        errors["standard"] = ("lifecycle.field.too_long", {"limit": 120})
    scope = []
    for i, row in enumerate(form.scope):
        if not row.name and not row.category:
            continue
        if row.kind not in KINDS or not row.name or not row.category:
            errors[f"scope_{i}"] = ("lifecycle.field.scope_row", {})
        elif len(row.name) > 200 or len(row.category) > 120:
            errors[f"scope_{i}"] = ("lifecycle.field.too_long", {"limit": 120})
        else:
            scope.append(registry.ScopeEntry(ScopeKind(row.kind), row.name, row.category))
    if not scope and not any(k.startswith("scope_") for k in errors):
        errors["scope"] = ("lifecycle.field.scope_empty", {})
    days = int(form.publicity_days) if form.publicity_days.isdigit() else -1
    if not 0 <= days <= MAX_PUBLICITY_DAYS:
        errors["publicity_days"] = ("lifecycle.field.days", {"limit": MAX_PUBLICITY_DAYS})
    if errors or body is None:
        raise FormInvalid(errors)
    return scheme, code, body, scope, days


def create_certificate(session: Session, staff: Staff, form: NewCertificateForm, *,
                       passphrase: str | None, client_hash: str) -> Certificate:
    """Check ``form``, add a new subject if asked, and issue the certificate into publicity."""
    scheme, code, body, scope, days = _check(session, staff, form)
    if not passphrase:
        raise Refused("lifecycle.signing.no_passphrase", 503)
    try:
        signer = KeyStore(session).signer(passphrase)
    except KeyStoreError:
        raise Refused("lifecycle.signing.no_key", 503) from None
    if form.subject_mode == "new":
        subject = registry.add_subject(session, form.new_name, code, form.new_address)
        audit.record(session, actor=staff.username, action="subject.add",
                     target=f"subject:{subject.uscc}",
                     after={"name": subject.name, "uscc": subject.uscc,
                            "address": subject.address}, client_hash=client_hash)
    try:
        certificate = registry.issue_certificate(
            session, scheme=scheme, subject_uscc=code, body_code=body.code,
            standard=form.standard, scope=scope, signer=signer, actor=staff.username,
            on=status.today(), publicity_days=days)
    except InvalidInput as exc:
        raise FormInvalid({"form": ("lifecycle.field.rejected", {"detail": str(exc)})}) from None
    audit.record(session, actor=staff.username, action="certificate.create",
                 target=f"certificate:{certificate.number}",
                 after={"number": certificate.number, "scheme": scheme.value,
                        "subject": code, "body": body.code, "standard": certificate.standard,
                        "scope": [[e.kind.value, e.name, e.category] for e in scope],
                        "state": certificate.state.value,
                        "publicity_end": certificate.publicity_end.isoformat()},
                 client_hash=client_hash)
    return certificate

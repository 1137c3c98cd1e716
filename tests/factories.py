"""Test data in one line: ``make_certificate(session, "suspended")``.

Factories go through the same registry functions the CLI uses, so test data
obeys the same rules as real data.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.keys import KeyStore
from storage.enums import Scheme, ScopeKind
from storage.models import Certificate, CertificationBody, Subject
from storage.uscc import check_character

PASSPHRASE = "test-passphrase"  # test fixture only
_serial = itertools.count(1)


def make_uscc() -> str:
    body = f"9131011{next(_serial):09d}0"
    return body + check_character(body)


def make_subject(session: Session, name: str | None = None) -> Subject:
    uscc = make_uscc()
    return registry.add_subject(session, name or f"测试企业{uscc[-6:]}有限公司", uscc, "上海市")


def make_body(session: Session) -> CertificationBody:
    n = next(_serial)
    return registry.add_body(session, f"TB-{n}", f"测试认证机构{n}")


_unlocked: dict[bytes, bytes] = {}


def signer(session: Session) -> tuple[str, bytes]:
    """The newest active key (made if needed), unlocked once per key to keep tests fast."""
    store = KeyStore(session)
    if not any(k.state.value == "active" for k in store.all()):
        store.create(PASSPHRASE)
    key = store.newest_active()
    if key.encrypted_private_key not in _unlocked:
        _unlocked[key.encrypted_private_key] = store.signer(PASSPHRASE)[1]
    return key.kid, _unlocked[key.encrypted_private_key]


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=status.TIMEZONE).astimezone(dt.UTC)


def make_certificate(
    session: Session,
    trait: str = "valid",
    *,
    today: dt.date | None = None,
    scheme: Scheme = Scheme.SHANGPIN,
    subject: Subject | None = None,
) -> Certificate:
    """A certificate that shows ``trait`` (publicity, valid, suspended, revoked, ...) today."""
    today = today or status.today()
    issued = today - dt.timedelta(days=400 if trait != "publicity" else 1)
    valid_from = issued + dt.timedelta(days=8)
    valid_until = (
        today - dt.timedelta(days=1) if trait == "expired" else registry.add_years(valid_from, 3)
    )
    certificate = registry.issue_certificate(
        session,
        scheme=scheme,
        subject_uscc=(subject or make_subject(session)).uscc,
        body_code=make_body(session).code,
        standard="T/SHBA 001-2023",
        scope=[registry.ScopeEntry(ScopeKind.PRODUCT, "桂花糕", "糕点")],
        signer=signer(session),
        actor="test",
        on=issued,
        valid_from=valid_from,
        valid_until=valid_until,
        now=_at(issued),
    )
    if trait == "publicity":
        return certificate
    registry.change_status(
        session, certificate.number, status.Action.ACTIVATE, actor="test", now=_at(valid_from)
    )
    action = {
        "suspended": status.Action.SUSPEND,
        "revoked": status.Action.REVOKE,
        "terminated": status.Action.TERMINATE,
    }.get(trait)
    if action is not None:
        registry.change_status(
            session,
            certificate.number,
            action,
            actor="test",
            reason=f"test {trait}",
            now=_at(valid_from + dt.timedelta(days=30)),
        )
    return certificate

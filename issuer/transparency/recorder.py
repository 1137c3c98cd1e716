"""Appending registry events to the transparency log, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from issuer.transparency import store
from issuer.transparency.entries import (
    CertificateStatusEntry,
    SigningKeyEntry,
    published_actor,
)
from storage.enums import KeyState
from storage.models import Certificate, SigningKey, StatusEvent


def record_status_event(session: Session, certificate: Certificate, event: StatusEvent) -> None:
    """Append ``event`` to the log."""
    entry = CertificateStatusEntry(
        certificate_number=certificate.number,
        from_state=event.from_state,
        to_state=event.to_state,
        reason=event.reason,
        actor=published_actor(certificate.body.code),
        time=event.occurred_at,
    )
    store.append(session, entry, status_event_id=event.id)


def record_key_event(session: Session, key: SigningKey, change: str, reason: str | None) -> None:
    """Append a signing-key event (new, retired, compromised) to the log.

    The entry format has no reason field: a key's state and when it took effect are what
    verifiers need; the reason stays in the registry's note.
    """
    when: dt.datetime | None
    if change == "new":
        state, when = KeyState.ACTIVE, key.created_at
    elif change == "retired":
        state, when = KeyState.RETIRED, key.retired_at
    elif change == "compromised":
        state, when = KeyState.COMPROMISED, key.compromised_at
    else:
        raise ValueError(f"unknown signing-key change {change!r}")
    if when is None:
        raise ValueError(f"key {key.kid} has no time for its {change} event")
    store.append(session, SigningKeyEntry(kid=key.kid, state=state, time=when))

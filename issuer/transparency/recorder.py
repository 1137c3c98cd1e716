"""Appending registry events to the transparency log, inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import Certificate, SigningKey, StatusEvent


def record_status_event(session: Session, certificate: Certificate, event: StatusEvent) -> None:
    """Append ``event`` to the log."""


def record_key_event(session: Session, key: SigningKey, change: str, reason: str | None) -> None:
    """Append a signing-key event (new, retired, compromised) to the log."""

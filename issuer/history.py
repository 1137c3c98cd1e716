"""What else must happen, in the same transaction, when the registry changes.

A status change, a surveillance visit or a signing-key event is written by
``issuer.registry`` and ``issuer.keys``; the public record that follows from it (the
transparency log entry, the holder's credit-file event) is written here, inside the
caller's transaction, so the change and its consequences commit or roll back together.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from issuer import credit
from issuer.transparency import recorder
from storage.models import Certificate, SigningKey, StatusEvent, SurveillanceVisit


def status_changed(session: Session, certificate: Certificate, event: StatusEvent) -> None:
    """``event`` has been added and flushed for ``certificate``."""
    recorder.record_status_event(session, certificate, event)
    credit.record_status_event(session, certificate, event)


def surveillance_recorded(
    session: Session, certificate: Certificate, visit: SurveillanceVisit
) -> None:
    """``visit`` has been added and flushed for ``certificate``."""
    credit.record_surveillance(session, certificate, visit)


def key_changed(session: Session, key: SigningKey, change: str, reason: str | None = None) -> None:
    """``key`` was made (``new``), ``retired`` or marked ``compromised``; flushed."""
    recorder.record_key_event(session, key, change, reason)

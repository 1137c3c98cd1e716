"""Credit files (信用档案): events about a subject, their rating, and credit repair."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import Certificate, StatusEvent, SurveillanceVisit


def record_status_event(session: Session, certificate: Certificate, event: StatusEvent) -> None:
    """Add the credit-file event a status change implies (suspension, revocation)."""


def record_surveillance(
    session: Session, certificate: Certificate, visit: SurveillanceVisit
) -> None:
    """Add the credit-file event a surveillance visit implies."""

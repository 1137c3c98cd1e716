"""Credit files (信用档案): events about a subject, their rating, and credit repair.

The rules (weights, grades, clean periods) are in ``rating`` and do no I/O; the
writers and readers here work in the caller's transaction.
"""

from __future__ import annotations

from issuer.credit.recording import (
    SYSTEM,
    Kind,
    Sweep,
    ratings,
    record_infringement,
    record_overdue_surveillance,
    record_status_event,
    record_surveillance,
    repair,
    repair_due,
    subject_events,
    sweep,
)

__all__ = [
    "SYSTEM",
    "Kind",
    "Sweep",
    "ratings",
    "record_infringement",
    "record_overdue_surveillance",
    "record_status_event",
    "record_surveillance",
    "repair",
    "repair_due",
    "subject_events",
    "sweep",
]

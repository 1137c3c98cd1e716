"""What enforcement keeps: confirmed infringements (侵权信息) and credit files (信用档案)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk, timestamp
from storage.enums import CreditSeverity
from storage.models._types import enum_column


class InfringementRecord(Base):
    """A misuse of the mark confirmed by staff, with the evidence as it stood when confirmed.

    One per alert. ``evidence`` copies the alert's preserved evidence (listing URL, capture
    time, SHA-256 digests and evidence-store names of the page, the image and the crop), so
    the record stands even if the alert's details are later annotated.
    """

    __tablename__ = "infringement_records"

    id: Mapped[intpk]
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    #: The user of the mark, when it is an identifiable subject in the registry.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    seller_name: Mapped[str | None] = mapped_column(Text)
    seller_credit_code: Mapped[str | None] = mapped_column(String(64))
    #: The certificate the mark or its QR points to, if any.
    certificate_number: Mapped[str | None] = mapped_column(String(32), index=True)
    listing_url: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    confirmed_by: Mapped[str] = mapped_column(String(120))
    confirmed_at: Mapped[timestamp] = mapped_column(index=True)


class CreditEvent(Base):
    """One event in a subject's credit file.

    ``source`` names what caused it (``status_event:12``, ``infringement:3``,
    ``surveillance:5``, ``overdue:SP-2025-0001:2026-03-01``) and is unique, so recording the
    same cause twice adds nothing. Events are never deleted: credit repair (信用修复) sets
    the ``repaired_*`` columns, after which the event no longer counts towards the rating.
    """

    __tablename__ = "credit_events"

    id: Mapped[intpk]
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[CreditSeverity] = mapped_column(enum_column(CreditSeverity, "credit_severity"))
    occurred_at: Mapped[timestamp] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(120), unique=True)
    certificate_number: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[created_at]
    repaired_at: Mapped[dt.datetime | None]
    repaired_by: Mapped[str | None] = mapped_column(String(120))
    repair_reason: Mapped[str | None] = mapped_column(Text)

"""What the public does: scans of codes, consumer reports, and alerts raised for staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk, timestamp
from storage.enums import AlertStatus
from storage.models._types import enum_column


class Scan(Base):
    """One verification. Client addresses are kept only as keyed hashes, never raw."""

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_unit", "certificate_number", "unit_serial", "scanned_at"),
        Index("ix_scans_scanned_at", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True)
    scanned_at: Mapped[timestamp]
    code: Mapped[str] = mapped_column(String(256))
    certificate_number: Mapped[str | None] = mapped_column(String(32))
    unit_serial: Mapped[int | None] = mapped_column(BigInteger)
    verdict: Mapped[str] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(8))  # page, api, photo
    client_hash: Mapped[str] = mapped_column(String(32))
    network_hash: Mapped[str] = mapped_column(String(32))
    agent: Mapped[str] = mapped_column(String(16))  # coarse family: ios, android, wechat, ...
    language: Mapped[str] = mapped_column(String(8))


class ConsumerReport(Base):
    """A consumer's "report a suspected fake" from the verification page."""

    __tablename__ = "consumer_reports"

    id: Mapped[intpk]
    created_at: Mapped[created_at]
    code: Mapped[str | None] = mapped_column(String(256))
    certificate_number: Mapped[str | None] = mapped_column(String(32), index=True)
    verdict: Mapped[str | None] = mapped_column(String(16))
    where_bought: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200), default="")  # staff-only, never published
    client_hash: Mapped[str] = mapped_column(String(32))


class Alert(Base):
    """Something for staff to review, raised once per ``dedupe_key``."""

    __tablename__ = "alerts"

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(16))  # scan, crawler, report
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    certificate_number: Mapped[str | None] = mapped_column(String(32), index=True)
    unit_serial: Mapped[int | None] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[created_at]
    status: Mapped[AlertStatus] = mapped_column(
        enum_column(AlertStatus, "alert_status"), default=AlertStatus.OPEN, index=True
    )
    assigned_to: Mapped[str | None] = mapped_column(String(120), index=True)
    assigned_at: Mapped[dt.datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[dt.datetime | None]
    review_reason: Mapped[str | None] = mapped_column(Text)


class RegistryVersion(Base):
    """One row whose counter database triggers bump on every registry change.

    Verifier processes cache what they read and compare this counter before each
    lookup, so a status change shows on the next scan.
    """

    __tablename__ = "registry_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)

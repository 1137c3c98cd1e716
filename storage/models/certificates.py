"""Certificates, their scope, status history, objections and surveillance visits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, created_at, intpk, timestamp
from storage.enums import (
    CertificateState,
    ObjectionOutcome,
    Scheme,
    ScopeKind,
    SurveillanceResult,
)
from storage.models._types import enum_column
from storage.models.subjects import CertificationBody, Subject


class Certificate(Base):
    """One certificate. ``state`` is stored; ``expired`` is derived from ``valid_until``."""

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("valid_from <= valid_until", name="validity_in_order"),
        CheckConstraint("publicity_start <= publicity_end", name="publicity_in_order"),
    )

    id: Mapped[intpk]
    number: Mapped[str] = mapped_column(String(32), unique=True)
    scheme: Mapped[Scheme] = mapped_column(enum_column(Scheme, "scheme"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("certification_bodies.id"), index=True)
    standard: Mapped[str] = mapped_column(String(120))
    publicity_start: Mapped[dt.date] = mapped_column(Date)
    publicity_end: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[CertificateState] = mapped_column(
        enum_column(CertificateState, "certificate_state"), index=True
    )
    state_changed_at: Mapped[timestamp]
    last_surveillance: Mapped[dt.date | None] = mapped_column(Date)
    next_surveillance: Mapped[dt.date | None] = mapped_column(Date, index=True)
    #: The signed certificate-level mark code (base32), made at issue; deterministic
    #: for a key and payload, re-made only when its key is compromised.
    mark_code: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[created_at]

    subject: Mapped[Subject] = relationship(lazy="joined", innerjoin=True)
    body: Mapped[CertificationBody] = relationship(lazy="joined", innerjoin=True)
    scope: Mapped[list[ScopeItem]] = relationship(
        back_populates="certificate",
        order_by="ScopeItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="certificate", order_by="StatusEvent.id", viewonly=True
    )


class ScopeItem(Base):
    """A product or service the certificate covers, with its category."""

    __tablename__ = "scope_items"

    id: Mapped[intpk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[ScopeKind] = mapped_column(enum_column(ScopeKind, "scope_kind"))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(120))

    certificate: Mapped[Certificate] = relationship(back_populates="scope")


class StatusEvent(Base):
    """Append-only history of state changes; nothing in the code updates or deletes one.

    The migration also installs database triggers that refuse UPDATE and DELETE.
    """

    __tablename__ = "status_events"

    id: Mapped[intpk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    from_state: Mapped[CertificateState | None] = mapped_column(
        enum_column(CertificateState, "from_state")
    )
    to_state: Mapped[CertificateState] = mapped_column(enum_column(CertificateState, "to_state"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    occurred_at: Mapped[timestamp]

    certificate: Mapped[Certificate] = relationship(back_populates="events")


class Objection(Base):
    """An objection lodged during publicity (公示); an upheld one stops the certificate."""

    __tablename__ = "objections"

    id: Mapped[intpk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    lodged_by: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[timestamp]
    outcome: Mapped[ObjectionOutcome] = mapped_column(
        enum_column(ObjectionOutcome, "objection_outcome"), default=ObjectionOutcome.PENDING
    )
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)


class SurveillanceVisit(Base):
    """A post-certification surveillance visit (证后监督), at least one a year."""

    __tablename__ = "surveillance_visits"

    id: Mapped[intpk]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    result: Mapped[SurveillanceResult] = mapped_column(
        enum_column(SurveillanceResult, "surveillance_result")
    )
    next_due: Mapped[dt.date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[created_at]

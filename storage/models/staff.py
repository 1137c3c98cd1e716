"""Console staff: accounts, their server-side sessions, and the append-only audit trail."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, created_at, intpk, timestamp
from storage.models.subjects import CertificationBody, Subject


class StaffRole(enum.StrEnum):
    """Who a console user is; what each may do is decided in the console, not here."""

    ALLIANCE_ADMIN = "alliance_admin"
    ALLIANCE_REVIEWER = "alliance_reviewer"
    BODY_OFFICER = "body_officer"  # acts only on its own certification body's certificates
    HOLDER = "holder"  # reads only its own subject's certificates


class StaffUser(Base):
    """A console account. The password is kept only as an Argon2 hash."""

    __tablename__ = "staff_users"
    __table_args__ = (
        # An officer belongs to exactly one body, a holder to exactly one subject.
        CheckConstraint(
            "(role = 'body_officer') = (body_id IS NOT NULL)", name="officer_has_body"
        ),
        CheckConstraint("(role = 'holder') = (subject_id IS NOT NULL)", name="holder_has_subject"),
    )

    id: Mapped[intpk]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(
        Enum(StaffRole, name="staff_role", native_enum=False, create_constraint=True, length=20,
             values_callable=lambda members: [m.value for m in members], validate_strings=True)
    )
    body_id: Mapped[int | None] = mapped_column(ForeignKey("certification_bodies.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

    body: Mapped[CertificationBody | None] = relationship(lazy="joined")
    subject: Mapped[Subject | None] = relationship(lazy="joined")


class StaffSession(Base):
    """A signed-in browser. Only a keyed digest of the cookie's token is stored, so
    the table alone cannot be used to sign in; deleting the row signs the browser out."""

    __tablename__ = "staff_sessions"

    id: Mapped[intpk]
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[timestamp]
    last_seen_at: Mapped[timestamp]
    expires_at: Mapped[timestamp] = mapped_column(index=True)

    user: Mapped[StaffUser] = relationship(lazy="joined", innerjoin=True)


class AuditEntry(Base):
    """One staff action or sign-in attempt. Append-only: nothing in the code updates or
    deletes a row, and the migration installs triggers that make the database refuse to."""

    __tablename__ = "audit_entries"

    id: Mapped[intpk]
    occurred_at: Mapped[timestamp] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_hash: Mapped[str] = mapped_column(String(32))

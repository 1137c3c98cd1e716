"""The audit trail: one append-only row per staff action or sign-in attempt.

There is deliberately no function here that changes or removes a row; the database
refuses to as well (triggers installed by migration 0004).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import AuditEntry

#: Recorded as the actor when a sign-in names no existing account; the name typed is
#: not kept (people type passwords into the user-name field).
UNKNOWN_ACTOR = "(unknown)"
#: Recorded as the client of changes made with the ``shangpin users`` command.
COMMAND_LINE = "cli"


def record(session: Session, *, actor: str, action: str, target: str = "",
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           client_hash: str, at: dt.datetime | None = None) -> AuditEntry:
    entry = AuditEntry(occurred_at=at or utcnow(), actor=actor[:120], action=action,
                       target=target[:200], before=before, after=after,
                       client_hash=client_hash[:32])
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    total: int


def read(session: Session, *, offset: int, limit: int, actor: str | None = None,
         action: str | None = None) -> AuditPage:
    """Newest first, optionally narrowed to one actor or one action."""
    query = select(AuditEntry)
    counted = select(func.count()).select_from(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
        counted = counted.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
        counted = counted.where(AuditEntry.action == action)
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    entries = [
        {"id": e.id, "occurred_at": e.occurred_at, "actor": e.actor, "action": e.action,
         "target": e.target, "before": e.before, "after": e.after,
         "client_hash": e.client_hash}
        for e in rows
    ]
    return AuditPage(entries, session.scalar(counted) or 0)

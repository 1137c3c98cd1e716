"""The transparency log: entries, the Merkle hash store, signed tree heads and the log key.

Entries, nodes and heads are append-only: nothing in the code updates or deletes one, and
migration 0006 installs triggers that refuse it. ``log_state`` is the one row that changes;
appending locks it, so concurrent appends queue instead of claiming the same index.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, created_at, intpk


class LogEntryRecord(Base):
    """One leaf of the log: the canonical entry bytes its leaf hash covers."""

    __tablename__ = "log_entries"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    entry_type: Mapped[int] = mapped_column(SmallInteger)
    # Lookups only: the entry bytes are the record; these repeat what they say.
    certificate_number: Mapped[str | None] = mapped_column(String(32), index=True)
    kid: Mapped[str | None] = mapped_column(String(16), index=True)
    status_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_events.id"), unique=True
    )
    appended_at: Mapped[created_at]


class LogNode(Base):
    """The hash of one perfect subtree ``(level, node_index)``; level 0 holds leaf hashes."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogState(Base):
    """The log's size: one row, locked by every append so indices never collide."""

    __tablename__ = "log_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)


class LogKey(Base):
    """The log's own Ed25519 key; the private half only encrypted (see ``issuer.keys``)."""

    __tablename__ = "log_keys"

    id: Mapped[intpk]
    kid: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:  # never show the (encrypted) private key
        return f"LogKey(kid={self.kid!r})"


class LogHead(Base):
    """A signed tree head as published: size, root, time (ms) and the log key's signature."""

    __tablename__ = "log_heads"
    id: Mapped[intpk]
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[int] = mapped_column(ForeignKey("log_keys.id"))
    created_at: Mapped[created_at]

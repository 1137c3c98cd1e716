"""The transparency log: entries, Merkle nodes, the log's size, its key and signed tree heads.

Existing status events and signing-key events are put into the log here, in the order they
happened, so the log covers the registry's whole history from its first entry.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from issuer.transparency.entries import (
    CertificateStatusEntry,
    LogEntry,
    SigningKeyEntry,
    encode_entry,
    published_actor,
)
from issuer.transparency.merkle import MemoryHashStore, NodeId, append_leaf, leaf_hash
from storage.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

APPEND_ONLY = ("log_entries", "log_nodes", "log_keys", "log_heads")


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry_type", sa.SmallInteger(), nullable=False),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("kid", sa.String(length=16), nullable=True),
        sa.Column("status_event_id", sa.Integer(), nullable=True),
        sa.Column("appended_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["status_event_id"], ["status_events.id"],
            name=op.f("fk_log_entries_status_event_id_status_events"),
        ),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_log_entries")),
        sa.UniqueConstraint("status_event_id", name=op.f("uq_log_entries_status_event_id")),
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_entries_leaf_hash"), ["leaf_hash"])
        batch_op.create_index(
            batch_op.f("ix_log_entries_certificate_number"), ["certificate_number"]
        )
        batch_op.create_index(batch_op.f("ix_log_entries_kid"), ["kid"])
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_log_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_state")),
    )
    op.create_table(
        "log_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_log_keys_kid")),
    )
    op.create_table(
        "log_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["log_keys.id"], name=op.f("fk_log_heads_key_id_log_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_heads")),
    )
    with op.batch_alter_table("log_heads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_heads_tree_size"), ["tree_size"])
    for table in APPEND_ONLY:
        _append_only(table)
    _backfill()


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        _drop_append_only(table)
    with op.batch_alter_table("log_heads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_heads_tree_size"))
    op.drop_table("log_heads")
    op.drop_table("log_keys")
    op.drop_table("log_state")
    op.drop_table("log_nodes")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entries_kid"))
        batch_op.drop_index(batch_op.f("ix_log_entries_certificate_number"))
        batch_op.drop_index(batch_op.f("ix_log_entries_leaf_hash"))
    op.drop_table("log_entries")


# -- backfill: the history that predates the log -------------------------------------------

_status_events = sa.table(
    "status_events",
    sa.column("id", sa.Integer()),
    sa.column("certificate_id", sa.Integer()),
    sa.column("from_state", sa.String()),
    sa.column("to_state", sa.String()),
    sa.column("reason", sa.Text()),
    sa.column("actor", sa.String()),
    sa.column("occurred_at", UTCDateTime()),
)
_certificates = sa.table("certificates", sa.column("id", sa.Integer()),
                         sa.column("number", sa.String()), sa.column("body_id", sa.Integer()))
_bodies = sa.table("certification_bodies", sa.column("id", sa.Integer()),
                   sa.column("code", sa.String()))
_signing_keys = sa.table(
    "signing_keys",
    sa.column("id", sa.Integer()),
    sa.column("kid", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("retired_at", UTCDateTime()),
    sa.column("compromised_at", UTCDateTime()),
)
_log_entries = sa.table(
    "log_entries",
    sa.column("leaf_index", sa.BigInteger()),
    sa.column("entry", sa.LargeBinary()),
    sa.column("leaf_hash", sa.LargeBinary()),
    sa.column("entry_type", sa.SmallInteger()),
    sa.column("certificate_number", sa.String()),
    sa.column("kid", sa.String()),
    sa.column("status_event_id", sa.Integer()),
    sa.column("appended_at", UTCDateTime()),
)
_log_nodes = sa.table("log_nodes", sa.column("level", sa.SmallInteger()),
                      sa.column("node_index", sa.BigInteger()),
                      sa.column("hash", sa.LargeBinary()))
_log_state = sa.table("log_state", sa.column("id", sa.Integer()),
                      sa.column("size", sa.BigInteger()))

# At the same instant a key event goes first: a key exists before anything it signs.
_KEY_FIRST, _STATUS_SECOND = 0, 1
_KEY_STATES = (("created_at", "active"), ("retired_at", "retired"),
               ("compromised_at", "compromised"))


class _RecordingStore(MemoryHashStore):
    """A memory store that also keeps every node in the order it was written."""

    __slots__ = ("written",)

    def __init__(self) -> None:
        super().__init__()
        self.written: list[tuple[NodeId, bytes]] = []

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        super().put(nodes)
        self.written.extend(nodes)


def _history(connection: sa.Connection) -> list[tuple[LogEntry, dict[str, Any]]]:
    """Every status and key event so far, in the order they took effect."""
    timeline: list[tuple[tuple[dt.datetime, int, int, int], LogEntry, dict[str, Any]]] = []
    for row in connection.execute(
        sa.select(_status_events, _certificates.c.number, _bodies.c.code.label("body_code"))
        .join(_certificates, _certificates.c.id == _status_events.c.certificate_id)
        .join(_bodies, _bodies.c.id == _certificates.c.body_id)
    ):
        entry: LogEntry = CertificateStatusEntry(
            certificate_number=row.number, from_state=row.from_state, to_state=row.to_state,
            reason=row.reason, actor=published_actor(row.body_code), time=row.occurred_at)
        extra = {"certificate_number": row.number, "kid": None, "status_event_id": row.id}
        timeline.append(((row.occurred_at, _STATUS_SECOND, row.id, 0), entry, extra))
    for row in connection.execute(sa.select(_signing_keys)):
        for rank, (column, state) in enumerate(_KEY_STATES):
            when = getattr(row, column)
            if when is None:
                continue
            entry = SigningKeyEntry(kid=row.kid, state=state, time=when)
            extra = {"certificate_number": None, "kid": row.kid, "status_event_id": None}
            timeline.append(((when, _KEY_FIRST, row.id, rank), entry, extra))
    timeline.sort(key=lambda item: item[0])
    return [(entry, extra) for _, entry, extra in timeline]


def _backfill() -> None:
    connection = op.get_bind()
    store = _RecordingStore()
    rows = []
    now = dt.datetime.now(dt.UTC)
    for entry, extra in _history(connection):
        data = encode_entry(entry)
        leaf = leaf_hash(data)
        index = append_leaf(store, leaf)
        rows.append({"leaf_index": index, "entry": data, "leaf_hash": leaf,
                     "entry_type": data[1], "appended_at": now, **extra})
    if rows:
        op.bulk_insert(_log_entries, rows)
        op.bulk_insert(_log_nodes, [{"level": level, "node_index": index, "hash": value}
                                    for (level, index), value in store.written])
    op.bulk_insert(_log_state, [{"id": 1, "size": store.size()}])


# -- append-only, as for status events (0001) and the audit trail (0004) -------------------


def _append_only(table: str) -> None:
    message = f"{table} is append-only"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )
    # TRUNCATE bypasses row triggers on PostgreSQL, so it gets a statement trigger too.
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
    )


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")

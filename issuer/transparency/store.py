"""Appending to the transparency log inside the caller's transaction, over a database hash store.

A registry change and its log entry commit or roll back together. Each append first bumps
the one ``log_state`` row: that UPDATE takes a row lock (PostgreSQL) or the write lock
(SQLite), so concurrent appends queue and never claim the same index or read a half-grown
tree.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from issuer.transparency import merkle
from issuer.transparency.entries import (
    CertificateStatusEntry,
    LogEntry,
    SigningKeyEntry,
    encode_entry,
)
from issuer.transparency.errors import LogError
from storage.base import utcnow
from storage.models import LogEntryRecord, LogNode, LogState

#: Node ids per query: keeps the statement's parameter count small on every backend.
_BATCH = 200


class DatabaseHashStore:
    """``merkle.HashStore`` over ``log_nodes``: one query per batch of nodes."""

    def __init__(self, session: Session, size: int | None = None) -> None:
        self._session = session
        self._size = size

    def size(self) -> int:
        if self._size is None:
            self._size = tree_size(self._session)
        return self._size

    def nodes(self, ids: Sequence[merkle.NodeId]) -> list[bytes]:
        if not ids:
            return []
        wanted = list(dict.fromkeys(ids))
        found: dict[merkle.NodeId, bytes] = {}
        for start in range(0, len(wanted), _BATCH):
            by_level: dict[int, list[int]] = {}
            for level, index in wanted[start : start + _BATCH]:
                by_level.setdefault(level, []).append(index)
            # One branch per level rather than a row-value IN: SQLite answers a row-value
            # IN list by scanning the table, but each branch here by the primary key.
            rows = self._session.execute(
                select(LogNode.level, LogNode.node_index, LogNode.hash).where(or_(*(
                    and_(LogNode.level == level, LogNode.node_index.in_(indices))
                    for level, indices in by_level.items()
                )))
            )
            found.update(((row.level, row.node_index), row.hash) for row in rows)
        try:
            return [found[node] for node in ids]
        except KeyError:
            raise LookupError("asked for a subtree the log does not hold") from None

    def put(self, nodes: Sequence[tuple[merkle.NodeId, bytes]]) -> None:
        self._session.execute(
            insert(LogNode),
            [{"level": level, "node_index": index, "hash": value}
             for (level, index), value in nodes],
        )


def tree_size(session: Session) -> int:
    """How many entries the log holds, as this transaction sees it."""
    size = session.scalar(select(LogState.size).where(LogState.id == 1))
    if size is None:
        raise LogError("the transparency log is not set up: run `shangpin db upgrade`")
    return size


def _claim_index(session: Session) -> int:
    """Grow the log by one and return the new entry's index; holds the lock until commit."""
    size = session.scalar(
        update(LogState)
        .where(LogState.id == 1)
        .values(size=LogState.size + 1)
        .returning(LogState.size)
        .execution_options(synchronize_session=False)
    )
    if size is None:
        raise LogError("the transparency log is not set up: run `shangpin db upgrade`")
    return size - 1


def append(session: Session, entry: LogEntry, *, status_event_id: int | None = None) -> int:
    """Append ``entry`` in the caller's transaction; returns its index."""
    data = encode_entry(entry)
    leaf = merkle.leaf_hash(data)
    index = _claim_index(session)
    merkle.append_leaf(DatabaseHashStore(session, size=index), leaf)
    session.execute(
        insert(LogEntryRecord),
        [{
            "leaf_index": index,
            "entry": data,
            "leaf_hash": leaf,
            "entry_type": data[1],
            "certificate_number": entry.certificate_number
            if isinstance(entry, CertificateStatusEntry) else None,
            "kid": entry.kid if isinstance(entry, SigningKeyEntry) else None,
            "status_event_id": status_event_id,
            "appended_at": utcnow(),
        }],
    )
    return index

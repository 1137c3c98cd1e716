"""The transparency log in the database: entries, proofs, the log key and signed tree heads.

Appending lives in ``store`` (the registry calls it inside its transactions); this module
adds what readers, the console, the CLI and the verifier's head schedule need.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from issuer import ed25519
from issuer.errors import KeyStoreError
from issuer.keys import decrypt_seed, encrypt_seed
from issuer.payload import make_kid
from issuer.transparency import merkle
from issuer.transparency.store import DatabaseHashStore
from issuer.transparency.store import tree_size as tree_size  # re-exported for readers
from issuer.transparency.tree_head import SignedTreeHead, TreeHead, timestamp_ms
from storage.base import utcnow
from storage.models import LogEntryRecord, LogHead, LogKey, LogState

#: The most entries one read returns; callers page through longer ranges.
MAX_PAGE = 256
DEFAULT_HEAD_INTERVAL = dt.timedelta(minutes=10)


# -- reading ---------------------------------------------------------------------------------


def entries(session: Session, start: int, end: int) -> list[LogEntryRecord]:
    """Entries ``start`` to ``end`` inclusive, at most ``MAX_PAGE`` of them."""
    end = min(end, start + MAX_PAGE - 1)
    return list(session.scalars(
        select(LogEntryRecord)
        .where(LogEntryRecord.leaf_index >= start, LogEntryRecord.leaf_index <= end)
        .order_by(LogEntryRecord.leaf_index)
    ))


def index_of(session: Session, leaf: bytes) -> int | None:
    """The first index whose leaf hash is ``leaf``, or None."""
    return session.scalar(
        select(LogEntryRecord.leaf_index)
        .where(LogEntryRecord.leaf_hash == leaf)
        .order_by(LogEntryRecord.leaf_index)
        .limit(1)
    )


def root_hash(session: Session, size: int) -> bytes:
    return merkle.root_hash(DatabaseHashStore(session), size)


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(DatabaseHashStore(session), index, size)


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    return merkle.consistency_proof(DatabaseHashStore(session), size1, size2)


# -- the log key and signed tree heads -------------------------------------------------------


def _aad(kid: str) -> str:
    # Bound into the ciphertext so a log key blob can never be swapped for a mark key's.
    return f"log-{kid}"


def log_key(session: Session) -> LogKey | None:
    """The log's key (the newest, should it ever be replaced), or None before the first head."""
    return session.scalar(select(LogKey).order_by(LogKey.id.desc()).limit(1))


def _signer(session: Session, passphrase: str | None) -> tuple[LogKey, ed25519.Signer]:
    """The log key unlocked, made on first use."""
    if not passphrase:
        raise KeyStoreError(
            "SHANGPIN_KEY_PASSPHRASE is not set: it is needed to sign the log's tree heads"
        )
    key = log_key(session)
    if key is None:
        # Several verifier workers sign their first head at start-up: serialise on the log's
        # state row (a row lock on PostgreSQL, the write lock on SQLite) and look again, so
        # the log only ever has the one key its heads are checked against.
        session.execute(update(LogState).where(LogState.id == 1).values(size=LogState.size)
                        .execution_options(synchronize_session=False))
        key = log_key(session)
    if key is None:
        seed = ed25519.generate_seed()
        public = ed25519.public_key_for(seed)
        kid = make_kid(public)
        key = LogKey(kid=kid, public_key=public,
                     encrypted_private_key=encrypt_seed(seed, passphrase, _aad(kid)),
                     created_at=utcnow())
        session.add(key)
        session.flush()
        return key, ed25519.Signer(seed)
    return key, ed25519.Signer(decrypt_seed(key.encrypted_private_key, passphrase,
                                            _aad(key.kid)))


@dataclass(frozen=True)
class PublishedHead:
    """A signed tree head with the key id that signed it and when it was made."""

    signed: SignedTreeHead
    kid: str
    public_key: bytes
    created_at: dt.datetime


def _published(row: LogHead, key: LogKey) -> PublishedHead:
    head = TreeHead(size=row.tree_size, root_hash=row.root_hash, timestamp_ms=row.timestamp_ms)
    return PublishedHead(SignedTreeHead(head, row.signature), key.kid, key.public_key,
                         row.created_at)


def recent_heads(session: Session, limit: int = 20) -> list[PublishedHead]:
    """The newest signed tree heads, newest first."""
    rows = session.execute(
        select(LogHead, LogKey)
        .join(LogKey, LogKey.id == LogHead.key_id)
        .order_by(LogHead.id.desc())
        .limit(limit)
    ).all()
    return [_published(row.LogHead, row.LogKey) for row in rows]


def latest_head(session: Session) -> PublishedHead | None:
    heads = recent_heads(session, 1)
    return heads[0] if heads else None


def latest_signed_head(session: Session) -> SignedTreeHead | None:
    """The newest signed tree head, or None before the first one is signed."""
    latest = latest_head(session)
    return latest.signed if latest else None


def sign_head(session: Session, now: dt.datetime | None = None, *, passphrase: str | None,
              max_age: dt.timedelta = DEFAULT_HEAD_INTERVAL, force: bool = False) -> PublishedHead:
    """A new signed head when the tree grew, the last head is ``max_age`` old, or ``force``;
    otherwise the latest head as it is."""
    now = now or utcnow()
    size = tree_size(session)
    latest = latest_head(session)
    if latest is not None and not force:
        head = latest.signed.head
        if head.size == size and now - head.time < max_age:
            return latest
    key, signer = _signer(session, passphrase)
    stamp = timestamp_ms(now)
    if latest is not None:
        # Heads never go back in time, even if the clock does.
        stamp = max(stamp, latest.signed.head.timestamp_ms)
    signed = TreeHead(size=size, root_hash=root_hash(session, size), timestamp_ms=stamp).sign(
        signer)
    session.add(LogHead(tree_size=size, root_hash=signed.head.root_hash, timestamp_ms=stamp,
                        signature=signed.signature, key_id=key.id, created_at=now))
    session.flush()
    return PublishedHead(signed, key.kid, key.public_key, now)

"""What a scan needs to know about a certificate, read once and kept in memory.

A scan must not cost an ORM round trip, so certificate views and public keys are
cached per process. They are dropped the moment the registry changes: database
triggers bump ``registry_version``, and ``Freshness`` notices it before every
lookup, so a status change shows on the very next scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from issuer.status import PublicStatus, public_status
from issuer.verification import PublicKey
from storage.enums import CertificateState, KeyState, Scheme
from storage.models import (
    Certificate,
    CertificationBody,
    RegistryVersion,
    ScopeItem,
    SigningKey,
    StatusEvent,
    Subject,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScopeView:
    kind: str
    name: str
    category: str


@dataclass(frozen=True)
class CertificateView:
    """The public facts of one certificate; the status is derived for a given day."""

    number: str
    scheme: Scheme
    state: CertificateState
    holder_name: str
    holder_uscc: str
    body_code: str
    body_name: str
    standard: str
    scope: tuple[ScopeView, ...]
    publicity_end: dt.date
    valid_from: dt.date
    valid_until: dt.date
    last_surveillance: dt.date | None
    next_surveillance: dt.date | None
    #: The published reason and time of the latest change into the current state.
    state_reason: str | None
    state_changed_at: dt.datetime
    mark_code: str

    def status(self, on: dt.date) -> PublicStatus:
        return public_status(self.state, self.valid_until, on)


_CERTIFICATE = (
    select(
        Certificate.id,
        Certificate.number,
        Certificate.scheme,
        Certificate.state,
        Certificate.standard,
        Certificate.publicity_end,
        Certificate.valid_from,
        Certificate.valid_until,
        Certificate.last_surveillance,
        Certificate.next_surveillance,
        Certificate.state_changed_at,
        Certificate.mark_code,
        Subject.name.label("holder_name"),
        Subject.uscc.label("holder_uscc"),
        CertificationBody.code.label("body_code"),
        CertificationBody.name.label("body_name"),
    )
    .join(Subject, Subject.id == Certificate.subject_id)
    .join(CertificationBody, CertificationBody.id == Certificate.body_id)
)
_SCOPE = select(ScopeItem.kind, ScopeItem.name, ScopeItem.category).order_by(ScopeItem.position)
_LATEST_EVENT = select(StatusEvent.reason).order_by(StatusEvent.id.desc()).limit(1)
_KEYS = select(SigningKey.kid, SigningKey.public_key, SigningKey.state)


def load_certificate(engine: Engine, number: str) -> CertificateView | None:
    """Read one certificate's view (three indexed queries, Core, no ORM identity map)."""
    with engine.connect() as connection:
        row = connection.execute(_CERTIFICATE.where(Certificate.number == number)).first()
        if row is None:
            return None
        scope = connection.execute(_SCOPE.where(ScopeItem.certificate_id == row.id)).all()
        reason = connection.scalar(_LATEST_EVENT.where(StatusEvent.certificate_id == row.id))
    return CertificateView(
        number=row.number,
        scheme=row.scheme,
        state=row.state,
        holder_name=row.holder_name,
        holder_uscc=row.holder_uscc,
        body_code=row.body_code,
        body_name=row.body_name,
        standard=row.standard,
        scope=tuple(ScopeView(s.kind.value, s.name, s.category) for s in scope),
        publicity_end=row.publicity_end,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        last_surveillance=row.last_surveillance,
        next_surveillance=row.next_surveillance,
        state_reason=reason if row.state is not CertificateState.VALID else None,
        state_changed_at=row.state_changed_at,
        mark_code=row.mark_code,
    )


def load_keys(engine: Engine) -> dict[str, PublicKey]:
    with engine.connect() as connection:
        return {
            r.kid: PublicKey(r.kid, r.public_key, KeyState(r.state))
            for r in connection.execute(_KEYS)
        }


class Freshness:
    """Tells, before each lookup, whether the registry changed since last asked."""

    async def changed(self) -> bool:
        raise NotImplementedError

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class SqliteFreshness(Freshness):
    """SQLite: ``PRAGMA data_version`` moves when another connection commits (~2 µs);
    only then is the registry counter read.

    Under load many requests wait in the same pass of the event loop, and one check
    serves them all: a check stays good until the loop has run every callback that was
    already scheduled when it was made. Anything scheduled later (a request whose bytes
    are read after the check, or any step that follows one) checks again. A request
    served from the shared check was read from its socket before the check was made,
    so a change committed before that request was sent is seen by it.
    """

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self._data_version = -1
        self._registry_version = -1
        #: The loop whose current pass the last check serves (None once it expired).
        self._checked_on: asyncio.AbstractEventLoop | None = None

    async def changed(self) -> bool:
        loop = asyncio.get_running_loop()
        if self._checked_on is loop:
            return False  # checked in this pass; whoever checked saw any change
        data_version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        changed = False
        if data_version != self._data_version:
            row = self._connection.execute("SELECT version FROM registry_version").fetchone()
            version = row[0] if row else 0
            self._data_version = data_version
            changed = version != self._registry_version
            self._registry_version = version
        self._checked_on = loop
        loop.call_soon(self._expire)
        return changed

    def _expire(self) -> None:
        self._checked_on = None

    async def close(self) -> None:
        self._connection.close()


class PostgresFreshness(Freshness):
    """PostgreSQL: read the registry counter on a dedicated async connection.

    LISTEN/NOTIFY could deliver a change after the next request, so instead every
    request waits for a counter read that *started after it arrived*; concurrent
    requests share one read (one round trip serves all who were waiting), so the
    cost stays one query per round, not per request. When the database cannot be
    asked, the answer is "changed": the cache is dropped and lookups fail loudly
    rather than go stale.
    """

    def __init__(self, url: str) -> None:
        parsed = make_url(url).set(drivername="postgresql")
        self._dsn = parsed.render_as_string(hide_password=False)
        self._version: int | None = None
        self._waiting: list[asyncio.Future[bool]] = []
        self._round: asyncio.Task[None] | None = None
        self._connection: Any = None

    async def changed(self) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        if self._round is None or self._round.done():
            self._round = asyncio.create_task(self._rounds(), name="registry-version")
        return await future

    async def _rounds(self) -> None:
        while self._waiting:
            waiting, self._waiting = self._waiting, []
            try:
                version = await self._read()
                changed = version != self._version
                self._version = version
            except Exception as exc:  # noqa: BLE001 - unknown means changed
                log.warning("registry version unreadable: %s", exc.__class__.__name__)
                await self._drop()
                self._version = None
                changed = True
            for future in waiting:
                if not future.done():
                    future.set_result(changed)

    async def _read(self) -> int:
        import psycopg

        if self._connection is None or self._connection.closed:
            self._connection = await psycopg.AsyncConnection.connect(
                self._dsn, autocommit=True, connect_timeout=3
            )
        cursor = await self._connection.execute("SELECT version FROM registry_version")
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
        self._connection = None

    async def close(self) -> None:
        if self._round is not None:
            self._round.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._round
        await self._drop()


def freshness_for(engine: Engine) -> Freshness:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return SqliteFreshness(url.database or ":memory:")
    return PostgresFreshness(url.render_as_string(hide_password=False))


class ReadModel:
    """Cached certificate views and public keys with immediate invalidation."""

    def __init__(self, engine: Engine, freshness: Freshness,
                 on_change: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.freshness = freshness
        self._certificates: dict[str, CertificateView | None] = {}
        self._keys: dict[str, PublicKey] | None = None
        self._on_change = on_change
        #: Counts registry changes seen; anything derived from the registry can
        #: compare it to know when to rebuild.
        self.generation = 0

    async def refresh(self) -> int:
        """Notice any registry change now; returns the current generation."""
        await self._check()
        return self.generation

    async def _check(self) -> None:
        if await self.freshness.changed():
            self.generation += 1
            self._certificates.clear()
            self._keys = None
            if self._on_change is not None:
                self._on_change()

    async def certificate(self, number: str, *, refresh: bool = True) -> CertificateView | None:
        """The view of ``number``; ``refresh=False`` when the caller has just refreshed."""
        if refresh:
            await self._check()
        try:
            return self._certificates[number]
        except KeyError:
            pass
        generation = self.generation
        view = await asyncio.get_running_loop().run_in_executor(
            None, load_certificate, self.engine, number
        )
        # A change noticed while this view was read may have come after the read:
        # then the view answers this request but is not kept.
        if generation == self.generation:
            if len(self._certificates) > 200_000:
                self._certificates.clear()
            self._certificates[number] = view
        return view

    async def keys(self) -> dict[str, PublicKey]:
        await self._check()
        keys = self._keys
        if keys is None:
            generation = self.generation
            keys = await asyncio.get_running_loop().run_in_executor(None, load_keys, self.engine)
            if generation == self.generation:
                self._keys = keys
        return keys

    def cached(self) -> dict[str, Any]:
        return {"certificates": len(self._certificates), "keys": self._keys is not None}


__all__ = [
    "CertificateView",
    "Freshness",
    "PostgresFreshness",
    "ReadModel",
    "RegistryVersion",
    "SqliteFreshness",
    "freshness_for",
    "load_certificate",
]

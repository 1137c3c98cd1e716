"""What a scan needs to know about a certificate, read once and kept in memory.

A scan must not cost an ORM round trip, so certificate views and public keys are
cached per process. They are dropped the moment the registry changes: database
triggers bump ``registry_version`` (and on PostgreSQL send a notification), and
``Freshness`` notices it before every lookup, so a status change shows on the
very next scan.
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
CHANNEL = "shangpin_registry"


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
    """Tells, cheaply and before each lookup, whether the registry changed since last asked."""

    def changed(self) -> bool:
        raise NotImplementedError

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class SqliteFreshness(Freshness):
    """SQLite: ``PRAGMA data_version`` moves when another connection commits (~2 µs);
    only then is the registry counter read."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self._data_version = -1
        self._registry_version = -1

    def changed(self) -> bool:
        data_version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        if data_version == self._data_version:
            return False
        self._data_version = data_version
        row = self._connection.execute("SELECT version FROM registry_version").fetchone()
        version = row[0] if row else 0
        if version == self._registry_version:
            return False
        self._registry_version = version
        return True

    async def close(self) -> None:
        self._connection.close()


class PostgresFreshness(Freshness):
    """PostgreSQL: LISTEN for the triggers' notification; while the listening connection
    is down, every lookup counts as changed, so nothing stale is ever served."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url).set(drivername="postgresql")
        self._dsn = parsed.render_as_string(hide_password=False)
        self._dirty = True
        self._connected = False
        self._task: asyncio.Task[None] | None = None

    def changed(self) -> bool:
        if self._dirty or not self._connected:
            self._dirty = False
            return True
        return False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="registry-listen")

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._dsn, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self._connected, self._dirty = True, True
                    async for _notice in connection.notifies():
                        self._dirty = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect on any failure
                log.warning("registry listener lost its connection: %s", exc.__class__.__name__)
            self._connected = False
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


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

    def _check(self) -> None:
        if self.freshness.changed():
            self._certificates.clear()
            self._keys = None
            if self._on_change is not None:
                self._on_change()

    async def certificate(self, number: str) -> CertificateView | None:
        self._check()
        try:
            return self._certificates[number]
        except KeyError:
            pass
        view = await asyncio.get_running_loop().run_in_executor(
            None, load_certificate, self.engine, number
        )
        if len(self._certificates) > 200_000:
            self._certificates.clear()
        self._certificates[number] = view
        return view

    async def keys(self) -> dict[str, PublicKey]:
        self._check()
        if self._keys is None:
            self._keys = await asyncio.get_running_loop().run_in_executor(
                None, load_keys, self.engine
            )
        return self._keys

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

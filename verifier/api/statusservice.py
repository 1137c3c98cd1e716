"""``/api/v1/status-list``: serve the signed status list, built once per registry change.

The newest active signing key signs it, and the offline bundle (``bundle()``, served by
``/offline/bundle.json``) the same way. Its seed is unlocked (scrypt, ~0.1 s) once per
key id and kept in memory; a document is rebuilt when the registry changes (the read
model reloads its keys then), when it reaches ``next_update``, at Shanghai midnight,
when ``expired`` may start to apply to more certificates, and every few minutes so the
tree head it names follows the log's newest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from issuer import bundle_source, ed25519
from issuer.bundle import LIFETIME as BUNDLE_LIFETIME
from issuer.errors import KeyStoreError
from issuer.keys import KeyStore, decrypt_seed
from issuer.status import TIMEZONE, today
from shangpin.settings import Secret
from storage.base import utcnow
from verifier.api import statuslist
from verifier.api.responses import conditional, dumps, etag_of
from verifier.errors import problem
from verifier.keys import ENGINE, READ_MODEL, SETTINGS
from verifier.readmodel import ReadModel

log = logging.getLogger("shangpin.verifier")
CACHE_CONTROL = "public, max-age=60"
#: A document naming a tree head is rebuilt at least this often, so the head it names
#: is never far behind the log's newest (heads are signed every few minutes).
HEAD_RECHECK = dt.timedelta(minutes=5)


class SigningUnavailable(Exception):
    """No passphrase, no active key, or the key does not unlock; the reason is logged."""


@dataclass(frozen=True)
class Published:
    body: bytes
    etag: str
    expires: dt.datetime
    #: ``body`` gzipped, made once for the large offline bundle; None for the list.
    gzipped: bytes | None = None


class _Cached:
    """One signed document, rebuilt when the registry changes or it expires."""

    def __init__(self) -> None:
        self.published: Published | None = None
        self.source: int | None = None  # read-model generation it was built from

    def fresh(self, source: int, now: dt.datetime) -> Published | None:
        published = self.published
        if published is not None and source == self.source and now < published.expires:
            return published
        return None


def _next_midnight(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(TIMEZONE)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(),
                                   tzinfo=TIMEZONE)
    return midnight.astimezone(dt.UTC)


class StatusListService:
    def __init__(self, engine: Engine, read_model: ReadModel,
                 passphrase: Secret | None, hosts: tuple[str, ...] = ()) -> None:
        self.engine = engine
        self.read_model = read_model
        self._passphrase = passphrase
        self._signers: dict[str, ed25519.Signer] = {}
        self._list = _Cached()
        self._bundle = _Cached()
        self._lock = asyncio.Lock()
        self.hosts = hosts  # mark hosts the bundle tells offline verifiers to accept

    def _signer(self, session: Session) -> tuple[str, ed25519.Signer]:
        if not self._passphrase:
            raise SigningUnavailable("SHANGPIN_KEY_PASSPHRASE is not set")
        try:
            key = KeyStore(session).newest_active()
            signer = self._signers.get(key.kid)
            if signer is None:
                seed = decrypt_seed(key.encrypted_private_key, self._passphrase, key.kid)
                signer = self._signers[key.kid] = ed25519.Signer(seed)
        except KeyStoreError as exc:
            raise SigningUnavailable(str(exc)) from None
        return key.kid, signer

    @staticmethod
    def _expires(now: dt.datetime, lifetime: dt.timedelta, named_head: bool) -> dt.datetime:
        expires = min(now + lifetime, _next_midnight(now))
        return min(expires, now + HEAD_RECHECK) if named_head else expires

    def _build_list(self, now: dt.datetime) -> Published:
        on = today(now)
        with Session(self.engine) as session:
            kid, signer = self._signer(session)
            statuses = bundle_source.public_statuses(session, on)
            logged = bundle_source.log_head(session)
        payload = statuslist.make_payload(statuses, kid=kid, issued_at=now, on=on,
                                          tree_head=logged[0] if logged else None,
                                          log_key=logged[1] if logged else None)
        body = dumps(statuslist.sign(payload, kid, signer))
        return Published(body, etag_of(body),
                         self._expires(now, statuslist.LIFETIME, logged is not None))

    def _build_bundle(self, now: dt.datetime) -> Published:
        with Session(self.engine) as session:
            kid, signer = self._signer(session)
            body = bundle_source.build_bundle(session, kid, signer, now, self.hosts)
            named_head = bundle_source.log_head(session) is not None
        return Published(body, etag_of(body), self._expires(now, BUNDLE_LIFETIME, named_head),
                         gzip.compress(body, 9))

    async def _current(self, cached: _Cached,
                       build: Callable[[dt.datetime], Published]) -> Published:
        source = await self.read_model.refresh()
        published = cached.fresh(source, utcnow())
        if published is not None:
            return published
        async with self._lock:
            source = await self.read_model.refresh()
            now = utcnow()
            published = cached.fresh(source, now)
            if published is None:
                published = await asyncio.get_running_loop().run_in_executor(None, build, now)
                cached.published, cached.source = published, source
            return published

    async def current(self) -> Published:
        """The signed status list."""
        return await self._current(self._list, self._build_list)

    async def bundle(self) -> Published:
        """The signed offline bundle (docs/offline.md)."""
        return await self._current(self._bundle, self._build_bundle)


STATUS_LIST = web.AppKey("status_list", StatusListService)


async def status_list(request: web.Request) -> web.Response:
    try:
        published = await request.app[STATUS_LIST].current()
    except SigningUnavailable as exc:
        log.warning("status list cannot be signed: %s", exc)
        return problem(request, 503, "Service Unavailable",
                       "Signing is unavailable: the status list cannot be issued right now.",
                       headers={"Retry-After": "60"})
    return conditional(request, published.body, CACHE_CONTROL, etag=published.etag)


async def _start(app: web.Application) -> None:
    settings = app[SETTINGS]
    app[STATUS_LIST] = StatusListService(app[ENGINE], app[READ_MODEL], settings.key_passphrase,
                                         settings.mark_hosts)


def setup(app: web.Application) -> None:
    app.on_startup.append(_start)


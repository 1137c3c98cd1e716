"""``/api/v1/status-list``: serve the signed status list, built once per registry change.

The newest active signing key signs it. Its seed is unlocked (scrypt, ~0.1 s) once per
key id and kept in memory; the document is rebuilt when the registry changes (the read
model reloads its keys then), when it reaches ``next_update``, or at Shanghai
midnight, when ``expired`` may start to apply to more certificates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from issuer import ed25519
from issuer.errors import KeyStoreError
from issuer.keys import KeyStore, decrypt_seed
from issuer.status import TIMEZONE, public_status, today
from shangpin.settings import Secret
from storage.base import utcnow
from storage.models import Certificate
from verifier.api import statuslist
from verifier.api.responses import conditional, dumps, etag_of
from verifier.errors import problem
from verifier.keys import ENGINE, READ_MODEL, SETTINGS
from verifier.readmodel import ReadModel

log = logging.getLogger("shangpin.verifier")
CACHE_CONTROL = "public, max-age=60"


class SigningUnavailable(Exception):
    """No passphrase, no active key, or the key does not unlock; the reason is logged."""


@dataclass(frozen=True)
class Published:
    body: bytes
    etag: str
    expires: dt.datetime


def _next_midnight(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(TIMEZONE)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(),
                                   tzinfo=TIMEZONE)
    return midnight.astimezone(dt.UTC)


class StatusListService:
    def __init__(self, engine: Engine, read_model: ReadModel,
                 passphrase: Secret | None) -> None:
        self.engine = engine
        self.read_model = read_model
        self._passphrase = passphrase
        self._signers: dict[str, ed25519.Signer] = {}
        self._published: Published | None = None
        self._source: int | None = None  # read-model generation the list was built from
        self._lock = asyncio.Lock()

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

    def _build(self, now: dt.datetime) -> Published:
        on = today(now)
        with Session(self.engine) as session:
            kid, signer = self._signer(session)
            rows = session.execute(
                select(Certificate.number, Certificate.state, Certificate.valid_until)
                .order_by(Certificate.number)
            ).all()
        statuses = {r.number: public_status(r.state, r.valid_until, on).value for r in rows}
        payload = statuslist.make_payload(statuses, kid=kid, issued_at=now, on=on)
        body = dumps(statuslist.sign(payload, kid, signer))
        expires = min(now + statuslist.LIFETIME, _next_midnight(now))
        return Published(body, etag_of(body), expires)

    async def current(self) -> Published:
        source = await self.read_model.refresh()
        published = self._published
        if published is not None and source == self._source and utcnow() < published.expires:
            return published
        async with self._lock:
            source = await self.read_model.refresh()
            published = self._published
            now = utcnow()
            if published is None or source != self._source or now >= published.expires:
                published = await asyncio.get_running_loop().run_in_executor(
                    None, self._build, now)
                self._published, self._source = published, source
            return published


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
    app[STATUS_LIST] = StatusListService(app[ENGINE], app[READ_MODEL],
                                         app[SETTINGS].key_passphrase)


def setup(app: web.Application) -> None:
    app.on_startup.append(_start)


"""A scan: check the code's signature (cached per code), then the live status.

The signature of a given code never changes, so its check is cached; whether the
key is compromised and what the certificate's status is are looked up on every
scan through the read model, which drops its cache the moment the registry changes.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass

from issuer import ed25519
from issuer.errors import MalformedCode
from issuer.payload import MarkPayload, SignedMark, decode_code
from issuer.status import today
from issuer.urls import extract_code
from issuer.verification import Verdict
from storage.base import utcnow
from storage.enums import KeyState
from verifier.readmodel import CertificateView, ReadModel

#: What the public page shows, beyond the certificate statuses themselves.
#: No mark code is longer; longer input is answered without touching the caches.
MAX_CODE_TEXT = 512
FORGED = "forged"
UNKNOWN_CERTIFICATE = "unknown_certificate"
MALFORMED = "malformed"
COMPROMISED = "compromised_key"


@dataclass(frozen=True)
class ScanOutcome:
    code: str
    verdict: Verdict
    reason: str | None
    payload: MarkPayload | None
    certificate: CertificateView | None
    #: valid, suspended, expired, terminated, revoked, publicity, forged,
    #: unknown_certificate, malformed or compromised_key.
    status: str
    checked_at: dt.datetime

    @property
    def unit_serial(self) -> int | None:
        return self.payload.unit_serial if self.payload else None


class _LRU(OrderedDict[str, tuple[SignedMark | None, str | None]]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: str, value: tuple[SignedMark | None, str | None]) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


class ScanService:
    """Verifies codes for the public pages and the API."""

    def __init__(self, read_model: ReadModel, hosts: Collection[str] | None = None,
                 cache_size: int = 100_000) -> None:
        self.read_model = read_model
        self.hosts = hosts
        self._decoded = _LRU(cache_size)
        # A key id names one public key for ever, so (code, kid) -> signature valid is
        # immutable; the key's state is still read live on every scan.
        self._signature_ok: dict[tuple[str, str], bool] = {}

    def _decode(self, text: str) -> tuple[SignedMark | None, str | None]:
        cached = self._decoded.get(text)
        if cached is not None:
            self._decoded.move_to_end(text)
            return cached
        try:
            result: tuple[SignedMark | None, str | None] = (
                decode_code(extract_code(text, self.hosts)), None)
        except MalformedCode as exc:
            result = (None, str(exc))
        self._decoded.remember(text, result)
        return result

    async def verify(self, text: str, *, now: dt.datetime | None = None) -> ScanOutcome:
        now = now or utcnow()
        text = text.strip()
        if len(text) > MAX_CODE_TEXT or not text.isprintable():
            return ScanOutcome(text[:MAX_CODE_TEXT], Verdict.MALFORMED,
                               "this is far too long, or has characters no code has",
                               None, None, MALFORMED, now)
        mark, problem = self._decode(text)
        if mark is None:
            return ScanOutcome(text, Verdict.MALFORMED, problem, None, None, MALFORMED, now)
        payload = mark.payload
        keys = await self.read_model.keys()
        key = keys.get(payload.kid)
        if key is None:
            return ScanOutcome(text, Verdict.UNKNOWN_KEY,
                               f"the code names key {payload.kid}, which the alliance never used",
                               payload, None, FORGED, now)
        cache_key = (text, payload.kid)
        valid = self._signature_ok.get(cache_key)
        if valid is None:
            valid = ed25519.verify(key.public_key, mark.signature, payload.signing_input())
            if len(self._signature_ok) > self._decoded.size:
                self._signature_ok.clear()
            self._signature_ok[cache_key] = valid
        if not valid:
            return ScanOutcome(text, Verdict.FORGED,
                               "the signature does not match: not issued by the alliance",
                               payload, None, FORGED, now)
        certificate = await self.read_model.certificate(payload.certificate_number, refresh=False)
        if key.state is KeyState.COMPROMISED:
            return ScanOutcome(text, Verdict.COMPROMISED_KEY,
                               f"signed with key {key.kid}, which has been reported compromised",
                               payload, certificate, COMPROMISED, now)
        if certificate is None:
            return ScanOutcome(text, Verdict.AUTHENTIC, "no such certificate in the registry",
                               payload, None, UNKNOWN_CERTIFICATE, now)
        status = certificate.status(today(now)).value
        return ScanOutcome(text, Verdict.AUTHENTIC, None, payload, certificate, status, now)

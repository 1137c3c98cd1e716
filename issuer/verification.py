"""Verify a mark code against public keys. Pure: no database, no network.

Status is not decided here: it is looked up live by the caller, because it
changes after the mark is printed.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from issuer import ed25519
from issuer.errors import CodeError, CompromisedKey, ForgedCode, MalformedCode, UnknownKey
from issuer.payload import MarkPayload, SignedMark, decode_code
from issuer.urls import extract_code
from storage.enums import KeyState


class Verdict(enum.StrEnum):
    AUTHENTIC = "authentic"
    FORGED = "forged"
    UNKNOWN_KEY = "unknown_key"
    COMPROMISED_KEY = "compromised_key"
    MALFORMED = "malformed"


_VERDICTS: dict[type[CodeError], Verdict] = {
    MalformedCode: Verdict.MALFORMED,
    ForgedCode: Verdict.FORGED,
    UnknownKey: Verdict.UNKNOWN_KEY,
    CompromisedKey: Verdict.COMPROMISED_KEY,
}


@dataclass(frozen=True)
class PublicKey:
    """A published verification key with its state."""

    kid: str
    public_key: bytes
    state: KeyState


@dataclass(frozen=True)
class VerificationResult:
    verdict: Verdict
    reason: str | None = None
    #: The decoded claims; present for every verdict except ``malformed``.
    payload: MarkPayload | None = None

    @property
    def authentic(self) -> bool:
        return self.verdict is Verdict.AUTHENTIC


def check_code(
    text: str, keys: Mapping[str, PublicKey], hosts: Collection[str] | None = None
) -> SignedMark:
    """Return the verified mark, or raise the ``CodeError`` that says what is wrong."""
    mark = decode_code(extract_code(text, hosts))
    key = keys.get(mark.payload.kid)
    if key is None:
        raise UnknownKey(
            f"the code names key {mark.payload.kid}, which is not a known signing key",
            mark.payload,
        )
    if not ed25519.verify(key.public_key, mark.signature, mark.payload.signing_input()):
        raise ForgedCode(
            "the signature does not match: this code was not issued by the alliance",
            mark.payload,
        )
    if key.state is KeyState.COMPROMISED:
        raise CompromisedKey(
            f"the code was signed with key {key.kid}, which has been reported compromised",
            mark.payload,
        )
    return mark


def verify_code(
    text: str, keys: Mapping[str, PublicKey], hosts: Collection[str] | None = None
) -> VerificationResult:
    """Verify a code or mark URL and return a verdict; never raises for bad input."""
    try:
        mark = check_code(text, keys, hosts)
    except CodeError as exc:
        payload = exc.payload if isinstance(exc.payload, MarkPayload) else None
        return VerificationResult(_VERDICTS[type(exc)], str(exc), payload)
    return VerificationResult(Verdict.AUTHENTIC, None, mark.payload)

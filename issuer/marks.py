"""Signing mark codes for certificates and per-unit serials."""

from __future__ import annotations

import datetime as dt

from issuer import ed25519
from issuer.payload import MarkPayload, SignedMark


def sign_payload(signer: ed25519.Signer, payload: MarkPayload) -> str:
    return SignedMark(payload, signer.sign(payload.signing_input())).encode()


def sign_mark(
    key: tuple[str, bytes],
    number: str,
    valid_from: dt.date,
    valid_until: dt.date,
    unit_serial: int | None = None,
) -> str:
    """Sign one mark code with ``key`` = (kid, seed); returns the base32 code."""
    kid, seed = key
    payload = MarkPayload(kid, number, valid_from, valid_until, unit_serial)
    return sign_payload(ed25519.Signer(seed), payload)

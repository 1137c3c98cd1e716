"""Signing keys: creation, encryption at rest, rotation, compromise, JWKS export.

A private key leaves this module only as ciphertext (scrypt-derived key,
AES-256-GCM, bound to its key id) or inside a ``Signer``; it is never printed,
logged or put in an exception message.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import ed25519, history
from issuer.errors import InvalidInput, KeyStoreError, NotFound
from issuer.payload import make_kid
from issuer.verification import PublicKey
from storage.base import utcnow
from storage.enums import KeyState
from storage.models import SigningKey

_MAGIC = b"SPK1"
_SALT = 16
_NONCE = 12
# scrypt at N=2**15, r=8: ~32 MiB and ~0.1 s per unlock; paid once per command. The
# cost is stored in each blob, so raising it later never locks out existing keys.
_SCRYPT_N = 2**15
_HEAD = len(_MAGIC) + 1 + _SALT + _NONCE
_B64URL_KEY = re.compile(r"[A-Za-z0-9_-]{43}")


def _derive(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase.encode("utf-8"))


def encrypt_seed(seed: bytes, passphrase: str, kid: str) -> bytes:
    """Encrypt a private key seed; the key id is authenticated so blobs can't be swapped."""
    if not passphrase:
        raise KeyStoreError("an empty passphrase cannot protect a signing key")
    salt, nonce = os.urandom(_SALT), os.urandom(_NONCE)
    log_n = _SCRYPT_N.bit_length() - 1
    head = _MAGIC + bytes([log_n]) + salt + nonce
    sealed = AESGCM(_derive(passphrase, salt, 1 << log_n)).encrypt(nonce, seed, kid.encode("ascii"))
    return head + sealed


def decrypt_seed(blob: bytes, passphrase: str, kid: str) -> bytes:
    if not blob.startswith(_MAGIC) or len(blob) < _HEAD + 16 or not 1 <= blob[4] <= 22:
        raise KeyStoreError(f"stored key {kid} is not in a format this version can read")
    n = 1 << blob[4]
    salt = blob[len(_MAGIC) + 1 : len(_MAGIC) + 1 + _SALT]
    nonce = blob[len(_MAGIC) + 1 + _SALT : _HEAD]
    sealed = blob[_HEAD:]
    try:
        return AESGCM(_derive(passphrase, salt, n)).decrypt(nonce, sealed, kid.encode("ascii"))
    except InvalidTag:
        raise KeyStoreError(
            f"cannot unlock signing key {kid}: wrong SHANGPIN_KEY_PASSPHRASE or damaged key"
        ) from None


class KeyStore:
    """Signing keys kept in the database, private halves encrypted."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, passphrase: str, note: str | None = None) -> SigningKey:
        """Make a new active key; from now on it is the one that signs."""
        for _ in range(8):
            seed = ed25519.generate_seed()
            public = ed25519.public_key_for(seed)
            kid = make_kid(public)
            if self.session.scalar(select(SigningKey.id).where(SigningKey.kid == kid)) is None:
                break
        else:  # pragma: no cover - a 24-bit id colliding eight times running
            raise KeyStoreError("could not find a free key id")
        key = SigningKey(
            kid=kid,
            public_key=public,
            encrypted_private_key=encrypt_seed(seed, passphrase, kid),
            state=KeyState.ACTIVE,
            created_at=utcnow(),
            note=note,
        )
        self.session.add(key)
        self.session.flush()
        history.key_changed(self.session, key, "new")
        return key

    def get(self, kid: str) -> SigningKey:
        key = self.session.scalar(select(SigningKey).where(SigningKey.kid == kid.lower()))
        if key is None:
            raise NotFound(f"no signing key with id {kid!r}")
        return key

    def all(self) -> list[SigningKey]:
        return list(self.session.scalars(select(SigningKey).order_by(SigningKey.id)))

    def newest_active(self) -> SigningKey:
        key = self.session.scalar(
            select(SigningKey)
            .where(SigningKey.state == KeyState.ACTIVE)
            .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
            .limit(1)
        )
        if key is None:
            raise KeyStoreError("there is no active signing key: run `shangpin keys new`")
        return key

    def signer(self, passphrase: str) -> tuple[str, bytes]:
        """The newest active key as (kid, seed) for signing."""
        key = self.newest_active()
        return key.kid, decrypt_seed(key.encrypted_private_key, passphrase, key.kid)

    def retire(self, kid: str) -> SigningKey:
        """Stop signing with a key; what it signed keeps verifying."""
        key = self.get(kid)
        if key.state is not KeyState.ACTIVE:
            raise InvalidInput(f"key {key.kid} is {key.state.value}, not active")
        key.state = KeyState.RETIRED
        key.retired_at = utcnow()
        self.session.flush()
        history.key_changed(self.session, key, "retired")
        return key

    def compromise(self, kid: str, reason: str) -> SigningKey:
        """Mark a key compromised: every code it signed reports ``compromised_key``."""
        if not reason.strip():
            raise InvalidInput("marking a key compromised requires a reason")
        key = self.get(kid)
        if key.state is KeyState.COMPROMISED:
            raise InvalidInput(f"key {key.kid} is already marked compromised")
        key.state = KeyState.COMPROMISED
        key.compromised_at = utcnow()
        key.note = reason.strip()
        self.session.flush()
        history.key_changed(self.session, key, "compromised", reason.strip())
        return key

    def public_keys(self) -> dict[str, PublicKey]:
        return {k.kid: PublicKey(k.kid, k.public_key, k.state) for k in self.all()}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def to_jwks(keys: Mapping[str, PublicKey]) -> dict[str, Any]:
    """The public keys as an RFC 7517 key set of RFC 8037 OKP/Ed25519 keys.

    ``state`` is our own member: a verifier needs it to report retired and
    compromised keys, and JWK allows members it does not define.
    """
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _b64url(key.public_key),
                "kid": key.kid,
                "use": "sig",
                "alg": "EdDSA",
                "state": key.state.value,
            }
            for key in keys.values()
        ]
    }


def from_jwks(document: Mapping[str, Any]) -> dict[str, PublicKey]:
    """Read a key set written by ``to_jwks``; anything malformed is refused, not skipped."""
    entries = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise InvalidInput("a JWKS document is a JSON object with a 'keys' list")
    keys: dict[str, PublicKey] = {}
    for entry in entries:
        if (
            not isinstance(entry, dict)
            or entry.get("kty") != "OKP"
            or entry.get("crv") != "Ed25519"
        ):
            raise InvalidInput("only OKP/Ed25519 keys are supported")
        x, kid = entry.get("x"), entry.get("kid")
        if not isinstance(kid, str) or not isinstance(x, str) or not _B64URL_KEY.fullmatch(x):
            raise InvalidInput("malformed JWK: 'kid' and a 43-character base64url 'x' are required")
        public = _b64url_decode(x)
        if _b64url(public) != x:
            raise InvalidInput(f"key {kid}: 'x' is not in canonical base64url form")
        if kid != make_kid(public):
            raise InvalidInput(f"key {kid}: the key id does not match the key")
        if kid in keys:
            raise InvalidInput(f"key {kid} appears more than once")
        try:
            state = KeyState(entry.get("state", KeyState.ACTIVE.value))
        except ValueError as exc:
            raise InvalidInput(f"malformed JWK: {exc}") from None
        keys[kid] = PublicKey(kid, public, state)
    return keys

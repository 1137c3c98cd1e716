"""Key rotation, retirement and compromise as seen by verification."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.errors import InvalidInput, KeyStoreError
from issuer.keys import KeyStore, from_jwks, to_jwks
from issuer.marks import sign_mark
from issuer.verification import Verdict, verify_code
from storage.models import SigningKey
from tests.factories import PASSPHRASE

DAY = dt.date(2026, 1, 1)


def test_newest_active_key_signs_and_retired_keys_still_verify(session: Session) -> None:
    store = KeyStore(session)
    old = store.create(PASSPHRASE)
    old_code = sign_mark(store.signer(PASSPHRASE), "SP-2026-00001", DAY, DAY)
    new = store.create(PASSPHRASE)
    kid, _seed = store.signer(PASSPHRASE)
    assert kid == new.kid != old.kid
    store.retire(old.kid)
    keys = store.public_keys()
    assert verify_code(old_code, keys).verdict is Verdict.AUTHENTIC
    with pytest.raises(InvalidInput, match="not active"):
        store.retire(old.kid)


def test_compromised_key_reports_every_code_it_signed(session: Session) -> None:
    store = KeyStore(session)
    bad = store.create(PASSPHRASE)
    codes = [
        sign_mark(store.signer(PASSPHRASE), f"SP-2026-{n:05d}", DAY, DAY, n) for n in range(1, 4)
    ]
    good = store.create(PASSPHRASE)
    fresh = sign_mark(store.signer(PASSPHRASE), "SP-2026-00009", DAY, DAY)
    with pytest.raises(InvalidInput, match="reason"):
        store.compromise(bad.kid, " ")
    store.compromise(bad.kid, "HSM backup lost")
    keys = store.public_keys()
    assert {verify_code(c, keys).verdict for c in codes} == {Verdict.COMPROMISED_KEY}
    assert verify_code(fresh, keys).verdict is Verdict.AUTHENTIC
    assert good.kid in keys


def test_no_active_key_is_a_clear_error(session: Session) -> None:
    store = KeyStore(session)
    with pytest.raises(KeyStoreError, match="keys new"):
        store.signer(PASSPHRASE)
    key = store.create(PASSPHRASE)
    store.compromise(key.kid, "lost")
    with pytest.raises(KeyStoreError, match="no active signing key"):
        store.signer(PASSPHRASE)


def test_private_key_is_stored_encrypted(session: Session) -> None:
    store = KeyStore(session)
    key = store.create(PASSPHRASE)
    kid, seed = store.signer(PASSPHRASE)
    stored = session.scalar(select(SigningKey.encrypted_private_key).where(SigningKey.kid == kid))
    assert stored is not None and seed not in stored
    assert "encrypted" not in repr(key) and seed.hex() not in repr(key)
    with pytest.raises(KeyStoreError, match="cannot unlock"):
        store.signer("wrong passphrase")


def test_jwks_lists_every_key_with_its_state(session: Session) -> None:
    store = KeyStore(session)
    a = store.create(PASSPHRASE)
    b = store.create(PASSPHRASE)
    store.retire(a.kid)
    document = to_jwks(store.public_keys())
    by_kid = {k["kid"]: k for k in document["keys"]}
    assert by_kid[a.kid]["state"] == "retired" and by_kid[b.kid]["state"] == "active"
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" for k in document["keys"])
    assert from_jwks(document) == store.public_keys()

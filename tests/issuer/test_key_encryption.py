"""Private keys at rest: passphrase-encrypted, bound to their kid, never shown."""

from __future__ import annotations

import base64
import pickle
import traceback

import pytest

from issuer import ed25519, keys
from issuer.errors import KeyStoreError
from issuer.keys import decrypt_seed, encrypt_seed
from issuer.payload import make_kid
from shangpin.settings import Secret, Settings

PASSPHRASE = "correct horse battery staple 上品"
# Recognisable bytes make a leak easy to spot in any spelling.
SEED = bytes(range(0xA0, 0xC0))
KID = make_kid(ed25519.public_key_for(SEED))
OTHER_KID = make_kid(b"another key")


def spellings(secret: bytes | str) -> list[str]:
    """Ways a secret could end up in a message or log line."""
    if isinstance(secret, str):
        return [secret, repr(secret), secret.encode("utf-8").hex()]
    return [
        secret.hex(),
        secret.hex().upper(),
        repr(secret),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        base64.b32encode(secret).decode().rstrip("="),
    ]


def assert_hides(text: str, *secrets: bytes | str) -> None:
    for secret in secrets:
        for spelling in spellings(secret):
            assert spelling not in text


@pytest.fixture
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap scrypt for tests that decrypt many times; the format is unchanged."""
    monkeypatch.setattr(keys, "_SCRYPT_N", 2**4)


@pytest.fixture(scope="module")
def blob() -> bytes:
    """One blob made with the real scrypt cost."""
    return encrypt_seed(SEED, PASSPHRASE, KID)


# -- round trip -----------------------------------------------------------------------------


def test_round_trip(blob: bytes) -> None:
    assert decrypt_seed(blob, PASSPHRASE, KID) == SEED


def test_a_generated_seed_round_trips_and_still_signs() -> None:
    seed = ed25519.generate_seed()
    kid = make_kid(ed25519.public_key_for(seed))
    recovered = decrypt_seed(encrypt_seed(seed, "pw", kid), "pw", kid)
    assert recovered == seed
    message = b"shangpin/mark/v1\x00body"
    signature = ed25519.Signer(recovered).sign(message)
    assert ed25519.verify(ed25519.public_key_for(seed), signature, message)


def test_the_seed_does_not_appear_in_the_blob(blob: bytes) -> None:
    assert SEED not in blob
    for width in (8, 12):  # nor any sizeable piece of it
        for start in range(0, len(SEED) - width + 1):
            assert SEED[start : start + width] not in blob
    assert_hides(blob.hex(), SEED)


def test_the_passphrase_does_not_appear_in_the_blob(blob: bytes) -> None:
    assert PASSPHRASE.encode("utf-8") not in blob


def test_each_encryption_is_fresh(fast_kdf: None) -> None:
    first = encrypt_seed(SEED, PASSPHRASE, KID)
    second = encrypt_seed(SEED, PASSPHRASE, KID)
    assert first != second  # new salt and nonce every time
    assert decrypt_seed(first, PASSPHRASE, KID) == decrypt_seed(second, PASSPHRASE, KID) == SEED


def test_an_empty_passphrase_is_refused() -> None:
    with pytest.raises(KeyStoreError, match="passphrase"):
        encrypt_seed(SEED, "", KID)


# -- wrong passphrase, wrong kid, tampering -------------------------------------------------


@pytest.mark.parametrize(
    "wrong",
    ["", "correct horse battery staple", PASSPHRASE + " ", PASSPHRASE.upper(), "hunter2"],
)
def test_a_wrong_passphrase_fails_without_revealing_secrets(blob: bytes, wrong: str) -> None:
    with pytest.raises(KeyStoreError) as excinfo:
        decrypt_seed(blob, wrong, KID)
    error = excinfo.value
    shown = "".join(
        [str(error), repr(error), *map(str, error.args), *traceback.format_exception(error)]
    )
    assert "passphrase" in str(error).lower()
    assert KID in str(error)  # says which key
    assert_hides(shown, SEED, PASSPHRASE)
    if wrong:
        assert_hides(shown, wrong)
    # The cryptography error is not chained on, so a traceback shows only ours.
    assert error.__cause__ is None
    assert error.__suppress_context__


def test_the_blob_is_bound_to_its_kid(blob: bytes) -> None:
    with pytest.raises(KeyStoreError) as excinfo:
        decrypt_seed(blob, PASSPHRASE, OTHER_KID)
    assert_hides(str(excinfo.value), SEED, PASSPHRASE)


def test_blobs_of_two_keys_cannot_be_swapped(fast_kdf: None) -> None:
    other_seed = bytes(32)
    mine = encrypt_seed(SEED, PASSPHRASE, KID)
    theirs = encrypt_seed(other_seed, PASSPHRASE, OTHER_KID)
    assert decrypt_seed(theirs, PASSPHRASE, OTHER_KID) == other_seed
    with pytest.raises(KeyStoreError):
        decrypt_seed(theirs, PASSPHRASE, KID)
    with pytest.raises(KeyStoreError):
        decrypt_seed(mine, PASSPHRASE, OTHER_KID)


@pytest.mark.parametrize("where", ["first", "salt", "nonce", "ciphertext", "last"])
def test_tampering_with_a_real_blob_fails(blob: bytes, where: str) -> None:
    # Magic 4 bytes, salt 16, nonce 12, then the sealed seed with its tag.
    position = {"first": 0, "salt": 10, "nonce": 25, "ciphertext": 40, "last": len(blob) - 1}
    changed = bytearray(blob)
    changed[position[where]] ^= 0x01
    with pytest.raises(KeyStoreError) as excinfo:
        decrypt_seed(bytes(changed), PASSPHRASE, KID)
    assert_hides(str(excinfo.value), SEED, PASSPHRASE)


def test_every_single_bit_flip_fails(fast_kdf: None) -> None:
    blob = encrypt_seed(SEED, PASSPHRASE, KID)
    assert decrypt_seed(blob, PASSPHRASE, KID) == SEED
    survivors = []
    for position in range(len(blob)):
        for bit in range(8):
            changed = bytearray(blob)
            changed[position] ^= 1 << bit
            try:
                decrypt_seed(bytes(changed), PASSPHRASE, KID)
            except KeyStoreError:
                continue
            survivors.append((position, bit))
    assert survivors == []


def test_truncated_or_extended_blobs_fail(fast_kdf: None) -> None:
    blob = encrypt_seed(SEED, PASSPHRASE, KID)
    for size in range(len(blob)):
        with pytest.raises(KeyStoreError):
            decrypt_seed(blob[:size], PASSPHRASE, KID)
    for extra in (b"\x00", b"\x00" * 16):
        with pytest.raises(KeyStoreError):
            decrypt_seed(blob + extra, PASSPHRASE, KID)


@pytest.mark.parametrize("junk", [b"", b"SPK1", b"\x00" * 80, b"SPK2" + b"\x00" * 76])
def test_a_blob_in_another_format_fails_clearly(junk: bytes) -> None:
    with pytest.raises(KeyStoreError, match=KID):
        decrypt_seed(junk, PASSPHRASE, KID)


# -- nothing shows a secret -----------------------------------------------------------------


def test_signer_repr_does_not_leak_the_seed() -> None:
    signer = ed25519.Signer(SEED)
    for text in (repr(signer), str(signer), f"{signer!r}", repr([signer]), repr({"k": signer})):
        assert_hides(text, SEED)


def test_signer_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="picklable"):
        pickle.dumps(ed25519.Signer(SEED))


def test_signer_size_error_does_not_echo_the_seed() -> None:
    short = SEED[:31]
    with pytest.raises(ValueError) as excinfo:
        ed25519.Signer(short)
    assert_hides(str(excinfo.value), short)


def test_secret_repr_hides_the_value_but_the_value_still_works(fast_kdf: None) -> None:
    secret = Secret(PASSPHRASE)
    for text in (repr(secret), f"{secret!r}", repr([secret]), repr({"passphrase": secret})):
        assert_hides(text, PASSPHRASE)
    assert str(secret) == PASSPHRASE
    # A Secret is the passphrase as far as encryption is concerned.
    assert decrypt_seed(encrypt_seed(SEED, secret, KID), PASSPHRASE, KID) == SEED


def test_settings_repr_does_not_show_the_passphrase() -> None:
    settings = Settings.from_env(
        {"SHANGPIN_KEY_PASSPHRASE": PASSPHRASE, "SHANGPIN_DATA_DIR": "/tmp/shangpin-test"}
    )
    assert settings.require_passphrase() == PASSPHRASE
    assert isinstance(settings.key_passphrase, Secret)
    assert_hides(repr(settings), PASSPHRASE)
    assert_hides(str(settings), PASSPHRASE)

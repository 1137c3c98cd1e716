"""The offline bundle format, in process: the compact status table, signing, tampering."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from typing import Any

import pytest

from issuer import bundle, compactstatus, ed25519
from issuer.marks import sign_mark
from issuer.payload import make_kid
from issuer.status import PublicStatus
from issuer.transparency.tree_head import TreeHead
from issuer.urls import mark_url
from issuer.verification import PublicKey, Verdict
from storage.enums import KeyState

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
HOST = "VERIFY.SHANGPIN.TEST"


def _key(state: KeyState = KeyState.ACTIVE) -> tuple[PublicKey, ed25519.Signer, bytes]:
    seed = ed25519.generate_seed()
    signer = ed25519.Signer(seed)
    return PublicKey(make_kid(signer.public_key), signer.public_key, state), signer, seed


def _head(size: int = 5) -> tuple[TreeHead, ed25519.Signer]:
    signer = ed25519.Signer(ed25519.generate_seed())
    return TreeHead(size=size, root_hash=bytes(range(32)), timestamp_ms=1_772_352_000_000), signer


def make(statuses: dict[str, str], keys: list[PublicKey], kid: str, signer: ed25519.Signer, *,
         issued_at: dt.datetime = NOW, with_head: bool = True,
         hosts: tuple[str, ...] = (HOST,)) -> bytes:
    head, log_signer = _head()
    payload = bundle.make_payload(
        statuses, {k.kid: k for k in keys}, kid=kid, issued_at=issued_at,
        on=issued_at.date(), hosts=hosts,
        tree_head=head.sign(log_signer) if with_head else None,
        log_key=log_signer.public_key if with_head else None)
    return bundle.sign(payload, kid, signer)


STATUSES = {"SP-2026-00012": "valid", "SP-2026-00013": "revoked", "SP-2025-00001": "suspended",
            "SB-2023-00001": "expired", "SP-2026-00002": "publicity", "SP-2024-00009": "terminated",
            "SP-2026-000120": "valid", "A1B": "valid"}


# --- the compact status table ----------------------------------------------------------


def test_compact_table_round_trip_and_size() -> None:
    numbers, codes = compactstatus.encode(STATUSES)
    assert compactstatus.decode(numbers, codes, len(STATUSES)) == {
        n: PublicStatus(s) for n, s in STATUSES.items()}
    rng = random.Random(7)
    many = {f"SP-{2020 + i // 20_000}-{i % 20_000 + 1:05d}": rng.choice(list(PublicStatus))
            for i in range(20_000)}
    numbers, codes = compactstatus.encode(many)
    # Consecutive numbers share their prefix: three bytes each (four at each tenth),
    # statuses half a byte.
    assert len(numbers) < 3.2 * len(many) and len(codes) == len(many) // 2
    assert compactstatus.decode(numbers, codes, len(many)) == many


@pytest.mark.parametrize("numbers, codes, count, message", [
    (b"\x00\x03ABC\x00\x03ABD", b"\x11", 2, "longest prefix"),  # shared 0, should be 2
    (b"\x00\x03ABD\x02\x01C", b"\x11", 2, "not after"),  # ABC after ABD
    (b"\x00\x03ABC\x03\x00", b"\x11", 2, "impossible lengths"),  # repeat: empty rest
    (b"\x00\x03ABC", b"\x11", 3, "code bytes"),
    (b"\x00\x03ABC", b"\x11", 1, "padding"),
    (b"\x00\x03ABC", b"\x70", 1, "unknown status code"),
    (b"\x00\x03ABC", b"\x00", 1, "unknown status code"),
    (b"\x00\x03ABCX", b"\x10", 1, "bytes follow"),
    (b"\x00\x03ab!", b"\x10", 1, "not a certificate number"),
    (b"\x00\x05ABC", b"\x10", 1, "truncated"),
])
def test_compact_table_refuses_every_other_encoding(numbers: bytes, codes: bytes, count: int,
                                                    message: str) -> None:
    with pytest.raises(compactstatus.CompactStatusError, match=message):
        compactstatus.decode(numbers, codes, count)


# --- bundles ---------------------------------------------------------------------------


def test_bundle_round_trip_and_offline_verdicts() -> None:
    key, signer, seed = _key()
    retired, old_signer, old_seed = _key(KeyState.RETIRED)
    compromised, bad_signer, bad_seed = _key(KeyState.COMPROMISED)
    data = make(STATUSES, [key, retired, compromised], key.kid, signer)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    loaded = bundle.verify_bundle(data, {key.kid: key})
    assert loaded.kid == key.kid and loaded.date == NOW.date() and loaded.hosts == (HOST,)
    assert loaded.statuses["SP-2026-00013"] is PublicStatus.REVOKED
    assert loaded.tree_head is not None and loaded.tree_head.size == 5
    assert not loaded.is_stale(NOW + dt.timedelta(hours=23))
    assert loaded.is_stale(NOW + dt.timedelta(hours=24))

    def code(seed: bytes, number: str, serial: int | None = None) -> str:
        return mark_url(HOST, sign_mark((make_kid(ed25519.public_key_for(seed)), seed), number,
                                        dt.date(2026, 1, 1), dt.date(2029, 1, 1), serial))

    checks = {
        code(seed, "SP-2026-00012"): ("authentic", "valid"),
        code(seed, "SP-2026-00013", 7): ("authentic", "revoked"),
        code(old_seed, "SP-2025-00001"): ("authentic", "suspended"),
        code(seed, "SP-2019-99999"): ("authentic", "unknown_certificate"),
        code(bad_seed, "SP-2026-00012"): ("compromised_key", "compromised_key"),
        code(ed25519.generate_seed(), "SP-2026-00012"): ("unknown_key", "forged"),
        "HTTPS://EVIL.EXAMPLE/V/" + code(seed, "SP-2026-00012").rsplit("/", 1)[1]:
            ("malformed", "malformed"),
        "hello": ("malformed", "malformed"),
    }
    good = code(seed, "SP-2026-00012")
    forged = good[:-10] + ("A" if good[-10] != "A" else "B") + good[-9:]
    checks[forged] = ("forged", "forged")
    for text, (verdict, status) in checks.items():
        result = bundle.check(loaded, text)
        assert (result.verdict.value, result.status) == (verdict, status), text
    assert bundle.check(loaded, good).key_state is KeyState.ACTIVE
    assert bundle.check(loaded, good).verdict is Verdict.AUTHENTIC


def test_every_changed_byte_is_refused() -> None:
    key, signer, _ = _key()
    data = make({"SP-2026-00012": "valid", "SP-2026-00013": "revoked"}, [key], key.kid, signer)
    trusted = {key.kid: key}
    bundle.verify_bundle(data, trusted)
    for position in range(len(data)):
        for flip in (0x01, 0x20, 0x80):
            changed = bytearray(data)
            changed[position] ^= flip
            with pytest.raises(bundle.BundleError):
                bundle.verify_bundle(bytes(changed), trusted)
    for cut in (data[:-1], data[:-2] + b"\n", data + b"\n", b" " + data,
                data.replace(b",", b", ", 1)):
        with pytest.raises(bundle.BundleError):
            bundle.verify_bundle(cut, trusted)


def _reenvelope(data: bytes, edit_payload: object = None, **fields: str) -> bytes:
    envelope = json.loads(data)
    if edit_payload is not None:
        body = json.loads(bundle.b64url_decode(envelope["bundle"], "payload"))
        edit_payload(body)  # type: ignore[operator]
        envelope["bundle"] = bundle.b64url(bundle.canonical(body))
    envelope.update(fields)
    return bundle.canonical(envelope) + b"\n"


def test_changed_payload_signature_or_keys_are_refused_even_when_well_formed() -> None:
    key, signer, _ = _key()
    data = make(STATUSES, [key], key.kid, signer)
    trusted = {key.kid: key}
    attacker, attacker_signer, _ = _key()

    def revoke_to_valid(body: dict[str, Any]) -> None:
        table = compactstatus.decode(
            bundle.b64url_decode(body["statuses"]["numbers"], "n"),
            bundle.b64url_decode(body["statuses"]["codes"], "c"), body["statuses"]["count"])
        table["SP-2026-00013"] = PublicStatus.VALID
        numbers, codes = compactstatus.encode(table)
        body["statuses"]["codes"] = bundle.b64url(codes)

    def compromised_to_active(body: dict[str, Any]) -> None:
        body["keys"]["keys"][0]["state"] = "retired"

    def add_key(body: dict[str, Any]) -> None:
        body["keys"]["keys"].append({**body["keys"]["keys"][0],
                                     "kid": attacker.kid, "x": bundle.b64url(attacker.public_key)})

    def later(body: dict[str, Any]) -> None:
        body["next_update"] = "2099-01-01T00:00:00Z"

    for edit in (revoke_to_valid, compromised_to_active, add_key, later):
        with pytest.raises(bundle.BundleError, match="signature does not match"):
            bundle.verify_bundle(_reenvelope(data, edit), trusted)
    other_signature = base64.urlsafe_b64encode(bytes(64)).decode().rstrip("=")
    with pytest.raises(bundle.BundleError, match="signature does not match"):
        bundle.verify_bundle(_reenvelope(data, signature=other_signature), trusted)
    # Re-signed by another key, as it stands or slipped into the key set: not trusted.
    resigned = json.loads(data)
    payload = bundle.b64url_decode(resigned["bundle"], "payload")
    signature = bundle.b64url(attacker_signer.sign(bundle.CONTEXT + payload))
    with pytest.raises(bundle.BundleError, match=f"'{attacker.kid}', which is not a trusted"):
        bundle.verify_bundle(_reenvelope(data, kid=attacker.kid, signature=signature), trusted)
    body = json.loads(payload)
    add_key(body)
    forged = bundle.sign(bundle.canonical(body), attacker.kid, attacker_signer)
    with pytest.raises(bundle.BundleError, match="not a trusted signing key"):
        bundle.verify_bundle(forged, trusted)
    # Trusted with the attacker's key too, the payload's own kid still contradicts it.
    with pytest.raises(bundle.BundleError, match="different key"):
        bundle.verify_bundle(forged, {**trusted, attacker.kid: attacker})


def test_compromised_signing_key_and_bad_tree_head_are_refused() -> None:
    key, signer, _ = _key(KeyState.COMPROMISED)
    with pytest.raises(bundle.BundleError, match="compromised"):
        bundle.verify_bundle(make(STATUSES, [key], key.kid, signer), {key.kid: key})
    key, signer, _ = _key()
    trusted = {key.kid: key}
    head, log_signer = _head()
    other = ed25519.Signer(ed25519.generate_seed())
    payload = bundle.make_payload(STATUSES, {key.kid: key}, kid=key.kid, issued_at=NOW,
                                  on=NOW.date(), hosts=[HOST], tree_head=head.sign(other),
                                  log_key=log_signer.public_key)
    with pytest.raises(bundle.BundleError, match="does not verify under the log"):
        bundle.verify_bundle(bundle.sign(payload, key.kid, signer), trusted)
    body = json.loads(bundle.make_payload(
        STATUSES, {key.kid: key}, kid=key.kid, issued_at=NOW, on=NOW.date(), hosts=[HOST],
        tree_head=head.sign(log_signer), log_key=log_signer.public_key))
    body["tree_head"]["kid"] = make_kid(other.public_key)
    with pytest.raises(bundle.BundleError, match="different log key"):
        bundle.verify_bundle(bundle.sign(bundle.canonical(body), key.kid, signer), trusted)
    # A bundle made before the log signed its first head says so.
    assert bundle.verify_bundle(make(STATUSES, [key], key.kid, signer, with_head=False),
                                trusted).tree_head is None


def _mark(seed: bytes, number: str, host: str = HOST) -> str:
    return mark_url(host, sign_mark((make_kid(ed25519.public_key_for(seed)), seed), number,
                                    dt.date(2026, 1, 1), dt.date(2029, 1, 1)))


def test_self_signed_bundle_is_refused_however_well_formed() -> None:
    genuine, _, _ = _key()
    trusted = {genuine.kid: genuine}
    # Anyone can make a key, list it as active, and say a made-up certificate is valid,
    # with mark codes to match.
    attacker, attacker_signer, attacker_seed = _key()
    forged = make({"SP-FAKE": "valid"}, [attacker], attacker.kid, attacker_signer)
    with pytest.raises(bundle.BundleError,
                       match=f"signed with key '{attacker.kid}', which is not a trusted"):
        bundle.verify_bundle(forged, trusted)
    # Listing the genuine key beside its own changes nothing; and an empty anchor trusts
    # nothing at all.
    both = make({"SP-FAKE": "valid"}, [genuine, attacker], attacker.kid, attacker_signer)
    for anchor in (trusted, {}):
        with pytest.raises(bundle.BundleError, match="not a trusted signing key"):
            bundle.verify_bundle(both, anchor)
    # It is the anchor that refuses: held to its own key list, the file is intact.
    loaded = bundle.verify_bundle(forged, {attacker.kid: attacker})
    assert bundle.check(loaded, _mark(attacker_seed, "SP-FAKE")).status == "valid"


def test_only_an_active_trusted_key_signs_bundles() -> None:
    key, signer, _ = _key()
    data = make(STATUSES, [key], key.kid, signer)
    retired = PublicKey(key.kid, key.public_key, KeyState.RETIRED)
    with pytest.raises(bundle.BundleError, match=f"{key.kid}, which is retired, not active"):
        bundle.verify_bundle(data, {key.kid: retired})
    compromised = PublicKey(key.kid, key.public_key, KeyState.COMPROMISED)
    with pytest.raises(bundle.BundleError, match="reported compromised"):
        bundle.verify_bundle(data, {key.kid: compromised})
    # A bundle signed by a key it itself lists as retired is refused even where the
    # anchor still holds that key active.
    old = PublicKey(key.kid, key.public_key, KeyState.RETIRED)
    with pytest.raises(bundle.BundleError, match="does not list its signing key"):
        bundle.verify_bundle(make(STATUSES, [old], key.kid, signer), {key.kid: key})
    # The anchor's key, not one the bundle lists under the same id, checks the signature.
    other, _, _ = _key()
    impostor = PublicKey(key.kid, other.public_key, KeyState.ACTIVE)
    with pytest.raises(bundle.BundleError, match="signature does not match"):
        bundle.verify_bundle(data, {key.kid: impostor})
    assert bundle.verify_bundle(data, {key.kid: key}).kid == key.kid


def test_a_bundle_without_hosts_accepts_no_mark_url() -> None:
    key, signer, seed = _key()
    trusted = {key.kid: key}
    loaded = bundle.verify_bundle(make(STATUSES, [key], key.kid, signer, hosts=()), trusted)
    assert loaded.hosts == ()
    for host in (HOST, "EVIL.EXAMPLE"):
        result = bundle.check(loaded, _mark(seed, "SP-2026-00012", host))
        assert (result.verdict, result.status) == (Verdict.MALFORMED, "malformed")
        assert "unknown host" in (result.reason or "")
    # A bare code names no host: it is checked as it is.
    code = _mark(seed, "SP-2026-00012").rsplit("/", 1)[1]
    assert bundle.check(loaded, code).status == "valid"
    listed = bundle.verify_bundle(make(STATUSES, [key], key.kid, signer), trusted)
    assert bundle.check(listed, _mark(seed, "SP-2026-00012")).status == "valid"
    assert bundle.check(listed, _mark(seed, "SP-2026-00012", "EVIL.EXAMPLE")).status \
        == "malformed"


def test_compact_table_decoder_only_ever_refuses_cleanly() -> None:
    numbers, codes = compactstatus.encode(STATUSES)
    rng = random.Random(11)
    for _ in range(3000):
        mangled = bytearray(numbers)
        for _ in range(rng.randint(1, 4)):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        count = len(STATUSES) + rng.choice((-1, 0, 0, 1))
        try:
            table = compactstatus.decode(bytes(mangled), codes, count)
        except compactstatus.CompactStatusError:
            continue
        # Whatever still decodes is a table this encoder writes, byte for byte.
        assert compactstatus.encode(table) == (bytes(mangled), codes)

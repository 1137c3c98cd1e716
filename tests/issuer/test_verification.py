"""Verifying real signed codes: every tampering is caught, every key state is reported."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer import ed25519
from issuer.errors import InvalidInput, MalformedCode
from issuer.keys import from_jwks, to_jwks
from issuer.marks import sign_mark, sign_payload
from issuer.payload import MarkPayload, SignedMark, make_kid
from issuer.urls import extract_code, mark_url
from issuer.verification import PublicKey, Verdict, VerificationResult, verify_code
from storage.enums import KeyState

BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
HOST = "SHANGPIN.EXAMPLE"
FROM = dt.date(2026, 1, 1)
UNTIL = dt.date(2028, 12, 31)
NEVER_FROM_A_SINGLE_CHANGE = {Verdict.AUTHENTIC, Verdict.UNKNOWN_KEY, Verdict.COMPROMISED_KEY}


@dataclass(frozen=True)
class Key:
    seed: bytes
    signer: ed25519.Signer
    kid: str

    @classmethod
    def new(cls) -> Key:
        seed = ed25519.generate_seed()
        signer = ed25519.Signer(seed)
        return cls(seed, signer, make_kid(signer.public_key))

    def public(self, state: KeyState = KeyState.ACTIVE) -> PublicKey:
        return PublicKey(self.kid, self.signer.public_key, state)

    def sign(self, number: str = "SP-2026-00012", serial: int | None = None) -> str:
        return sign_payload(self.signer, MarkPayload(self.kid, number, FROM, UNTIL, serial))


@pytest.fixture(scope="module")
def active() -> Key:
    return Key.new()


@pytest.fixture(scope="module")
def retired() -> Key:
    return Key.new()


@pytest.fixture(scope="module")
def compromised() -> Key:
    return Key.new()


@pytest.fixture(scope="module")
def stranger() -> Key:
    """A key whose codes this verifier has never been told about."""
    return Key.new()


@pytest.fixture(scope="module")
def keys(active: Key, retired: Key, compromised: Key) -> dict[str, PublicKey]:
    return {
        active.kid: active.public(),
        retired.kid: retired.public(KeyState.RETIRED),
        compromised.kid: compromised.public(KeyState.COMPROMISED),
    }


@pytest.fixture(
    name="code", scope="module", params=[None, 77, 9_999_999], ids=["mark", "unit", "big-unit"]
)
def _code(request: pytest.FixtureRequest, active: Key) -> str:
    return active.sign(serial=request.param)


@pytest.fixture(scope="module")
def url_code(active: Key) -> str:
    return active.sign(serial=77)


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def unb32(code: str) -> bytes:
    return base64.b32decode(code + "=" * (-len(code) % 8))


# -- ed25519 primitives, cross-checked against `cryptography` --------------------------------


def test_signer_matches_cryptography(active: Key) -> None:
    reference = Ed25519PrivateKey.from_private_bytes(active.seed)
    assert active.signer.public_key == reference.public_key().public_bytes_raw()
    assert ed25519.public_key_for(active.seed) == active.signer.public_key
    message = b"shangpin/mark/v1\x00 anything"
    # Ed25519 is deterministic, so both libraries must produce the same bytes.
    assert active.signer.sign(message) == reference.sign(message)
    reference.public_key().verify(active.signer.sign(message), message)


def test_verify_accepts_good_and_refuses_bad_signatures(active: Key, stranger: Key) -> None:
    message = b"certificate SP-2026-00012"
    signature = active.signer.sign(message)
    assert ed25519.verify(active.signer.public_key, signature, message)
    assert not ed25519.verify(active.signer.public_key, signature, message + b".")
    assert not ed25519.verify(stranger.signer.public_key, signature, message)
    assert not ed25519.verify(active.signer.public_key, signature[:63], message)
    assert not ed25519.verify(active.signer.public_key, signature + b"\x00", message)
    assert not ed25519.verify(active.signer.public_key[:31], signature, message)
    assert not ed25519.verify(bytes(32), signature, message)
    for position in (0, 31, 32, 63):
        changed = bytearray(signature)
        changed[position] ^= 0x01
        assert not ed25519.verify(active.signer.public_key, bytes(changed), message)


def test_signer_refuses_a_seed_of_the_wrong_size() -> None:
    for size in (0, 31, 33, 64):
        with pytest.raises(ValueError, match="32 bytes"):
            ed25519.Signer(bytes(size))


def test_generated_seeds_are_fresh() -> None:
    assert len({ed25519.generate_seed() for _ in range(8)}) == 8


# -- verdicts -------------------------------------------------------------------------------


def test_a_genuine_code_is_authentic(active: Key, keys: dict[str, PublicKey]) -> None:
    result = verify_code(active.sign(serial=5), keys)
    assert result.verdict is Verdict.AUTHENTIC
    assert result.authentic
    assert result.reason is None
    assert result.payload == MarkPayload(active.kid, "SP-2026-00012", FROM, UNTIL, 5)


def test_sign_mark_with_kid_and_seed_is_authentic(active: Key, keys: dict[str, PublicKey]) -> None:
    code = sign_mark((active.kid, active.seed), "SP-2026-00099", FROM, UNTIL, 3)
    result = verify_code(code, keys)
    assert result.verdict is Verdict.AUTHENTIC
    assert result.payload is not None
    assert result.payload.certificate_number == "SP-2026-00099"


def test_a_retired_key_still_verifies(retired: Key, keys: dict[str, PublicKey]) -> None:
    assert verify_code(retired.sign(), keys).verdict is Verdict.AUTHENTIC


def test_a_compromised_key_is_reported(compromised: Key, keys: dict[str, PublicKey]) -> None:
    result = verify_code(compromised.sign(serial=1), keys)
    assert result.verdict is Verdict.COMPROMISED_KEY
    assert not result.authentic
    assert result.reason is not None and compromised.kid in result.reason
    assert result.payload is not None and result.payload.kid == compromised.kid


def test_a_key_not_in_the_key_set_is_unknown(stranger: Key, keys: dict[str, PublicKey]) -> None:
    result = verify_code(stranger.sign(), keys)
    assert result.verdict is Verdict.UNKNOWN_KEY
    assert result.reason is not None and stranger.kid in result.reason
    assert result.payload is not None and result.payload.kid == stranger.kid
    assert verify_code(stranger.sign(), {}).verdict is Verdict.UNKNOWN_KEY


@pytest.mark.parametrize("victim", ["active", "retired", "compromised"])
def test_another_key_signing_in_a_known_keys_name_is_forged(
    victim: str, stranger: Key, keys: dict[str, PublicKey], request: pytest.FixtureRequest
) -> None:
    claimed: Key = request.getfixturevalue(victim)
    claims = MarkPayload(claimed.kid, "SP-2026-00012", FROM, UNTIL)
    forged = SignedMark(claims, stranger.signer.sign(claims.signing_input())).encode()
    result = verify_code(forged, keys)
    # A bad signature is forged even under a compromised key: the forger does not have it.
    assert result.verdict is Verdict.FORGED
    assert result.payload == claims


def test_a_signature_without_the_signing_context_is_forged(
    active: Key, keys: dict[str, PublicKey]
) -> None:
    claims = MarkPayload(active.kid, "SP-2026-00012", FROM, UNTIL)
    bare = SignedMark(claims, active.signer.sign(claims.body())).encode()
    assert verify_code(bare, keys).verdict is Verdict.FORGED


def test_a_signature_moved_to_other_claims_is_forged(
    active: Key, keys: dict[str, PublicKey]
) -> None:
    genuine = verify_code(active.sign("SP-2026-00012"), keys)
    assert genuine.authentic
    signature = unb32(active.sign("SP-2026-00012"))[-64:]
    other = MarkPayload(active.kid, "SP-2026-00013", FROM, UNTIL)
    assert verify_code(SignedMark(other, signature).encode(), keys).verdict is Verdict.FORGED


# -- tampering ------------------------------------------------------------------------------


def single_character_changes(code: str):
    extras = ["0", "1", "8", "9", "=", " ", "-", "/", ":", "Ａ", "中"]
    for position, original in enumerate(code):
        others = [ch for ch in BASE32 if ch != original] + extras
        if original.isalpha():
            others.append(original.lower())
        for replacement in others:
            yield position, code[:position] + replacement + code[position + 1 :]


def test_every_single_character_change_is_forged_or_malformed(
    code: str, keys: dict[str, PublicKey]
) -> None:
    assert verify_code(code, keys).authentic
    seen: set[Verdict] = set()
    wrong = []
    for position, changed in single_character_changes(code):
        result = verify_code(changed, keys)
        assert isinstance(result, VerificationResult)
        seen.add(result.verdict)
        if result.verdict in NEVER_FROM_A_SINGLE_CHANGE:
            wrong.append((position, changed[position], result.verdict))
        # Claims are shown for forged codes, never for malformed ones.
        assert (result.payload is None) is (result.verdict is Verdict.MALFORMED)
    assert wrong == []
    assert seen == {Verdict.FORGED, Verdict.MALFORMED}


def test_every_single_byte_change_is_forged_or_malformed(
    code: str, keys: dict[str, PublicKey]
) -> None:
    data = unb32(code)
    wrong = []
    for position, original in enumerate(data):
        for value in {original ^ 0x01, original ^ 0x80, original ^ 0xFF, (original + 1) % 256}:
            changed = bytearray(data)
            changed[position] = value
            result = verify_code(b32(bytes(changed)), keys)
            if result.verdict not in (Verdict.FORGED, Verdict.MALFORMED):
                wrong.append((position, value, result.verdict))
    assert wrong == []


def test_every_signature_byte_change_is_forged_with_the_claims_shown(
    code: str, keys: dict[str, PublicKey]
) -> None:
    data = unb32(code)
    claims = verify_code(code, keys).payload
    for position in range(len(data) - 64, len(data)):
        changed = bytearray(data)
        changed[position] ^= 0x10
        result = verify_code(b32(bytes(changed)), keys)
        assert result.verdict is Verdict.FORGED
        assert result.payload == claims


def test_the_code_of_a_compromised_key_is_still_checked_for_tampering(
    compromised: Key, keys: dict[str, PublicKey]
) -> None:
    data = bytearray(unb32(compromised.sign()))
    data[-1] ^= 0x01
    assert verify_code(b32(bytes(data)), keys).verdict is Verdict.FORGED


# -- URLs -----------------------------------------------------------------------------------


def test_mark_url_is_the_upper_case_form(url_code: str) -> None:
    assert mark_url("shangpin.example", url_code) == f"HTTPS://SHANGPIN.EXAMPLE/V/{url_code}"


@pytest.mark.parametrize(
    "template",
    [
        "HTTPS://SHANGPIN.EXAMPLE/V/{code}",
        "https://shangpin.example/V/{code}",
        "Https://Shangpin.Example/V/{code}",
        "hTTpS://sHaNgPiN.eXaMpLe/V/{code}",
        "  HTTPS://SHANGPIN.EXAMPLE/V/{code}\n",
        "{code}",
    ],
)
def test_a_mark_url_is_authentic_whatever_the_case_of_scheme_and_host(
    template: str, url_code: str, keys: dict[str, PublicKey]
) -> None:
    text = template.format(code=url_code)
    assert verify_code(text, keys, hosts=[HOST]).verdict is Verdict.AUTHENTIC
    assert verify_code(text, keys, hosts=["shangpin.example"]).verdict is Verdict.AUTHENTIC
    assert verify_code(text, keys).verdict is Verdict.AUTHENTIC


def test_any_of_several_accepted_hosts_is_fine(url_code: str, keys: dict[str, PublicKey]) -> None:
    hosts = ["SHANGPIN.EXAMPLE", "VERIFY.SHANGHAI-BRAND.EXAMPLE:8443"]
    text = f"https://verify.shanghai-brand.example:8443/V/{url_code}"
    assert verify_code(text, keys, hosts=hosts).verdict is Verdict.AUTHENTIC


@pytest.mark.parametrize(
    "template",
    [
        "HTTPS://EVIL.EXAMPLE/V/{code}",
        "HTTPS://SHANGPIN.EXAMPLE.EVIL.EXAMPLE/V/{code}",
        "HTTPS://SHANGPIN.EXAMPLE@EVIL.EXAMPLE/V/{code}",
        "HTTPS://SHANGPIN.EXAMPLE:8443/V/{code}",
        "HTTPS://SHANGPIN.EXAMPL/V/{code}",
    ],
)
def test_a_host_not_in_the_list_is_malformed(
    template: str, url_code: str, keys: dict[str, PublicKey]
) -> None:
    result = verify_code(template.format(code=url_code), keys, hosts=[HOST])
    assert result.verdict is Verdict.MALFORMED
    assert result.reason is not None and "host" in result.reason
    assert result.payload is None


@pytest.mark.parametrize(
    "host",
    [
        "SHANGPıN.EXAMPLE",  # dotless i (U+0131): upper() makes it "I"
        "ſHANGPIN.EXAMPLE",  # long s (U+017F): upper() makes it "S"
    ],
)
def test_a_non_ascii_lookalike_host_is_not_the_scheme_host(
    host: str, url_code: str, keys: dict[str, PublicKey]
) -> None:
    # A phone would open the look-alike (another, registrable domain), so the verifier
    # must not vouch for the URL as one of ours.
    result = verify_code(f"HTTPS://{host}/V/{url_code}", keys, hosts=[HOST])
    assert result.verdict is Verdict.MALFORMED


def test_a_non_ascii_lookalike_scheme_is_not_https(
    url_code: str, keys: dict[str, PublicKey]
) -> None:
    result = verify_code(f"httpſ://{HOST}/V/{url_code}", keys, hosts=[HOST])
    assert result.verdict is Verdict.MALFORMED


@pytest.mark.parametrize(
    "template",
    [
        "HTTPS://SHANGPIN.EXAMPLE/X/{code}",
        "HTTPS://SHANGPIN.EXAMPLE/v/{code}",  # the path is case-sensitive
        "HTTPS://SHANGPIN.EXAMPLE/{code}",
        "HTTPS://SHANGPIN.EXAMPLE/V{code}",
        "HTTPS://SHANGPIN.EXAMPLE//V/{code}",
        "HTTPS://SHANGPIN.EXAMPLE/V/V/{code}",
        "HTTPS://SHANGPIN.EXAMPLE/V/{code}/",
        "HTTPS://SHANGPIN.EXAMPLE/V/{code}?SRC=QR",
        "HTTPS://SHANGPIN.EXAMPLE/V/",
        "HTTPS://SHANGPIN.EXAMPLE/V",
        "HTTPS://SHANGPIN.EXAMPLE/",
        "HTTPS://SHANGPIN.EXAMPLE",
        "HTTPS:///V/{code}",
        "HTTP://SHANGPIN.EXAMPLE/V/{code}",
        "FTP://SHANGPIN.EXAMPLE/V/{code}",
        "SHANGPIN.EXAMPLE/V/{code}",
        "//SHANGPIN.EXAMPLE/V/{code}",
        "HTTPS:SHANGPIN.EXAMPLE/V/{code}",
    ],
)
def test_a_url_with_the_wrong_shape_is_malformed(
    template: str, url_code: str, keys: dict[str, PublicKey]
) -> None:
    for hosts in (None, [HOST]):
        result = verify_code(template.format(code=url_code), keys, hosts=hosts)
        assert result.verdict is Verdict.MALFORMED, (template, hosts)
        assert result.reason


def test_extract_code_names_what_is_wrong(url_code: str) -> None:
    with pytest.raises(MalformedCode, match="HTTPS"):
        extract_code(f"HTTP://{HOST}/V/{url_code}")
    with pytest.raises(MalformedCode, match="/V/"):
        extract_code(f"HTTPS://{HOST}/X/{url_code}")
    with pytest.raises(MalformedCode, match="no code"):
        extract_code(f"HTTPS://{HOST}/V/")
    with pytest.raises(MalformedCode, match="EVIL.EXAMPLE"):
        extract_code(f"HTTPS://EVIL.EXAMPLE/V/{url_code}", hosts=[HOST])
    assert extract_code(f"https://{HOST.lower()}/V/{url_code}", hosts=[HOST]) == url_code


# -- garbage never raises -------------------------------------------------------------------


@pytest.fixture(scope="module")
def genuine_bytes(active: Key) -> bytes:
    return unb32(active.sign(serial=12345))


@settings(max_examples=300, deadline=None)
@given(
    text=st.text()
    | st.text(alphabet=BASE32, max_size=200)
    | st.builds(lambda t: "HTTPS://" + t, st.text())
    | st.builds(lambda t: "https://shangpin.example/V/" + t, st.text(alphabet=BASE32 + "a=")),
)
def test_garbage_text_is_malformed_and_never_raises(text: str, keys: dict[str, PublicKey]) -> None:
    for hosts in (None, [HOST]):
        result = verify_code(text, keys, hosts=hosts)
        assert isinstance(result, VerificationResult)
        assert result.verdict in (Verdict.MALFORMED, Verdict.FORGED)
        assert result.reason


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_random_bytes_never_raise_nor_verify(data: bytes, keys: dict[str, PublicKey]) -> None:
    result = verify_code(b32(data), keys)
    assert isinstance(result, VerificationResult)
    assert result.verdict is not Verdict.AUTHENTIC


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_spliced_genuine_bytes_never_raise_nor_verify(
    data: st.DataObject, genuine_bytes: bytes, keys: dict[str, PublicKey]
) -> None:
    start = data.draw(st.integers(0, len(genuine_bytes)))
    end = data.draw(st.integers(start, len(genuine_bytes)))
    insert = data.draw(st.binary(max_size=12))
    spliced = genuine_bytes[:start] + insert + genuine_bytes[end:]
    result = verify_code(b32(spliced), keys)
    assert isinstance(result, VerificationResult)
    if spliced != genuine_bytes:
        # A shifted header can, by a 1-in-256 chance, carry a well-formed stranger's kid.
        assert result.verdict in (Verdict.MALFORMED, Verdict.FORGED, Verdict.UNKNOWN_KEY)


# -- JWKS (RFC 7517 / RFC 8037) ---------------------------------------------------------------


def b64url_nopad(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").replace("=", "")


def test_jwks_members_follow_rfc_8037(
    active: Key, retired: Key, compromised: Key, keys: dict[str, PublicKey]
) -> None:
    document = json.loads(json.dumps(to_jwks(keys)))
    entries = {entry["kid"]: entry for entry in document["keys"]}
    assert set(entries) == {active.kid, retired.kid, compromised.kid}
    for key, state in (
        (active, "active"),
        (retired, "retired"),
        (compromised, "compromised"),
    ):
        entry = entries[key.kid]
        raw = Ed25519PrivateKey.from_private_bytes(key.seed).public_key().public_bytes_raw()
        assert entry["kty"] == "OKP"
        assert entry["crv"] == "Ed25519"
        assert entry["x"] == b64url_nopad(raw)
        assert len(entry["x"]) == 43 and "=" not in entry["x"]
        assert set(entry["x"]) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )
        assert entry["alg"] == "EdDSA"
        assert entry["use"] == "sig"
        assert entry["state"] == state
        assert "d" not in entry  # never the private key
        # The published key really is the one that signs.
        Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(entry["x"] + "=")).verify(
            key.signer.sign(b"m"), b"m"
        )


def test_jwks_round_trip_keeps_keys_and_states(keys: dict[str, PublicKey]) -> None:
    assert from_jwks(json.loads(json.dumps(to_jwks(keys)))) == keys
    assert from_jwks(to_jwks({})) == {}


def test_codes_verify_against_a_published_and_reloaded_key_set(
    active: Key, retired: Key, compromised: Key, stranger: Key, keys: dict[str, PublicKey]
) -> None:
    reloaded = from_jwks(json.loads(json.dumps(to_jwks(keys))))
    assert verify_code(active.sign(), reloaded).verdict is Verdict.AUTHENTIC
    assert verify_code(retired.sign(), reloaded).verdict is Verdict.AUTHENTIC
    assert verify_code(compromised.sign(), reloaded).verdict is Verdict.COMPROMISED_KEY
    assert verify_code(stranger.sign(), reloaded).verdict is Verdict.UNKNOWN_KEY


def test_a_jwk_without_state_is_active(active: Key) -> None:
    entry = {"kty": "OKP", "crv": "Ed25519", "x": b64url_nopad(active.signer.public_key)}
    keys = from_jwks({"keys": [{**entry, "kid": active.kid}]})
    assert keys == {active.kid: active.public(KeyState.ACTIVE)}


def good_entry(key: Key) -> dict[str, object]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_nopad(key.signer.public_key),
        "kid": key.kid,
        "use": "sig",
        "alg": "EdDSA",
        "state": "active",
    }


def _without(entry: dict[str, object], member: str) -> dict[str, object]:
    return {k: v for k, v in entry.items() if k != member}


BAD_ENTRIES = {
    "kty RSA": lambda e: {**e, "kty": "RSA"},
    "kty EC": lambda e: {**e, "kty": "EC"},
    "crv X25519": lambda e: {**e, "crv": "X25519"},
    "crv Ed448": lambda e: {**e, "crv": "Ed448"},
    "no kty": lambda e: _without(e, "kty"),
    "no crv": lambda e: _without(e, "crv"),
    "no x": lambda e: _without(e, "x"),
    "no kid": lambda e: _without(e, "kid"),
    "x 31 bytes": lambda e: {**e, "x": b64url_nopad(bytes(31))},
    "x 33 bytes": lambda e: {**e, "x": b64url_nopad(bytes(33))},
    "x 64 bytes": lambda e: {**e, "x": b64url_nopad(bytes(64))},
    "x empty": lambda e: {**e, "x": ""},
    "x not base64": lambda e: {**e, "x": "@@@@"},
    "x null": lambda e: {**e, "x": None},
    "unknown state": lambda e: {**e, "state": "revoked"},
    "state null": lambda e: {**e, "state": None},
    "entry is a list": lambda e: list(e.items()),
    "entry is a string": lambda e: "OKP",
}


@pytest.mark.parametrize("breaker", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_from_jwks_refuses_a_malformed_entry(breaker, active: Key, retired: Key) -> None:
    entries = [good_entry(retired), breaker(good_entry(active))]
    with pytest.raises(InvalidInput):
        from_jwks({"keys": entries})


@pytest.mark.parametrize(
    "document", [{}, {"keys": None}, {"keys": {}}, {"keys": "OKP"}, {"key": []}]
)
def test_from_jwks_refuses_a_document_without_a_key_list(document: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="keys"):
        from_jwks(document)


@pytest.mark.parametrize("document", [[], None, "keys", 42])
def test_from_jwks_refuses_a_json_document_that_is_not_an_object(document: object) -> None:
    # json.load() of a published file can return any of these.
    with pytest.raises(InvalidInput):
        from_jwks(document)  # type: ignore[arg-type]


# 0xFB 0xFF... spells "-_" in base64url and "+/" in standard base64.
AWKWARD_KEY = bytes([0xFB, 0xFF, 0xBF]) * 10 + b"\x01\x02"


@pytest.mark.parametrize(
    "spell",
    [
        lambda x: "!!!!" + x,  # characters outside base64url
        lambda x: x[:20] + " \n" + x[20:],
        lambda x: x + "=",  # RFC 7515 base64url has no padding
        lambda x: x.replace("-", "+").replace("_", "/"),
        lambda x: x[:-1] + chr(ord(x[-1]) + 1),  # unused low bits of the last character set
    ],
    ids=["junk", "whitespace", "padding", "standard-alphabet", "non-canonical"],
)
def test_from_jwks_refuses_x_that_is_not_strict_base64url(spell) -> None:
    x = b64url_nopad(AWKWARD_KEY)
    assert "-" in x and "_" in x and base64.urlsafe_b64decode(x + "=") == AWKWARD_KEY
    entry = {"kty": "OKP", "crv": "Ed25519", "kid": make_kid(AWKWARD_KEY), "x": x}
    assert from_jwks({"keys": [entry]})[entry["kid"]].public_key == AWKWARD_KEY
    entry["x"] = spell(x)
    assert entry["x"] != x
    with pytest.raises(InvalidInput):
        from_jwks({"keys": [entry]})


def test_from_jwks_refuses_a_kid_that_is_not_derived_from_its_key(
    active: Key, stranger: Key
) -> None:
    # docs/mark-format.md: the kid is SHA-256(public key)[:3] and its CRC-8.
    entry = {**good_entry(active), "kid": stranger.kid}
    with pytest.raises(InvalidInput):
        from_jwks({"keys": [entry]})


def test_from_jwks_refuses_duplicate_kids(active: Key) -> None:
    # Otherwise the entry that comes last decides whether a compromised key is reported.
    compromised_entry = {**good_entry(active), "state": "compromised"}
    with pytest.raises(InvalidInput):
        from_jwks({"keys": [compromised_entry, good_entry(active)]})

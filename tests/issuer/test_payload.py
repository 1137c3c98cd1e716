"""The mark payload codec against docs/mark-format.md, byte by byte."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

import pytest
import segno
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.errors import MalformedCode
from issuer.payload import (
    MarkPayload,
    SignedMark,
    b32decode,
    crc8,
    decode_code,
    decode_payload,
    decode_varint,
    encode_varint,
    kid_is_well_formed,
    make_kid,
)
from issuer.urls import mark_url
from shangpin.settings import DEFAULT_VERIFY_HOST

EPOCH = dt.date(1970, 1, 1)
LAST_DAY = EPOCH + dt.timedelta(days=0xFFFF)  # 2149-06-06
MAX_SERIAL = 2**63 - 1
NUMBER = "SP-2026-00012"  # 13 characters, the documented example
BASE32 = re.compile(r"[A-Z2-7]+")
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
HOST_PREFIX = "HTTPS://SHANGPIN.EXAMPLE/V/"


# -- an independent reference codec, written from docs/mark-format.md ------------------------


def ref_crc8(data: bytes) -> int:
    """CRC-8, polynomial x^8+x^2+x+1, init 0, as long division over the whole bit string."""
    value = int.from_bytes(data, "big") << 8
    poly = 0x107
    for bit in range(len(data) * 8 + 7, 7, -1):
        if value >> bit & 1:
            value ^= poly << (bit - 8)
    return value


def ref_kid(material: bytes) -> str:
    head = hashlib.sha256(material).digest()[:3]
    return (head + bytes([ref_crc8(head)])).hex()


def leb128(value: int) -> bytes:
    out = []
    while True:
        out.append(value & 0x7F)
        value >>= 7
        if not value:
            break
    return bytes([b | 0x80 for b in out[:-1]] + [out[-1]])


def craft(
    *,
    version: int = 1,
    flags: int | None = None,
    kid: bytes | None = None,
    valid_from: int = (dt.date(2026, 1, 1) - EPOCH).days,
    valid_until: int = (dt.date(2028, 12, 31) - EPOCH).days,
    number: bytes = NUMBER.encode(),
    length: int | None = None,
    serial: bytes | None = None,
    signature: bytes = bytes(range(64)),
) -> bytes:
    """The binary form built by hand, with any field overridable to break it."""
    if flags is None:
        flags = 0 if serial is None else 1
    kid = bytes.fromhex(ref_kid(b"test key")) if kid is None else kid
    return (
        bytes([version, flags])
        + kid
        + valid_from.to_bytes(2, "big")
        + valid_until.to_bytes(2, "big")
        + bytes([len(number) if length is None else length])
        + number
        + (serial or b"")
        + signature
    )


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


KID = ref_kid(b"test key")


# -- strategies -----------------------------------------------------------------------------

number_first = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
numbers = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(number_first),
    st.text(alphabet=number_first + "-", min_size=2, max_size=31),
)
days = st.integers(min_value=0, max_value=0xFFFF)
serials = st.none() | st.integers(min_value=1, max_value=MAX_SERIAL)


@st.composite
def payloads(draw: st.DrawFn) -> MarkPayload:
    first, second = sorted((draw(days), draw(days)))
    return MarkPayload(
        kid=make_kid(draw(st.binary(min_size=1, max_size=64))),
        certificate_number=draw(numbers),
        valid_from=EPOCH + dt.timedelta(days=first),
        valid_until=EPOCH + dt.timedelta(days=second),
        unit_serial=draw(serials),
    )


# -- round trip -----------------------------------------------------------------------------


@settings(max_examples=300)
@given(payloads(), st.binary(min_size=64, max_size=64))
def test_random_marks_round_trip_through_the_code(claims: MarkPayload, signature: bytes) -> None:
    mark = SignedMark(claims, signature)
    code = mark.encode()
    assert BASE32.fullmatch(code)
    assert "=" not in code
    assert decode_code(code) == mark
    # The bytes follow the documented layout exactly.
    expected = craft(
        kid=bytes.fromhex(claims.kid),
        valid_from=(claims.valid_from - EPOCH).days,
        valid_until=(claims.valid_until - EPOCH).days,
        number=claims.certificate_number.encode(),
        serial=None if claims.unit_serial is None else leb128(claims.unit_serial),
        signature=signature,
    )
    assert mark.to_bytes() == expected
    assert code == b32(expected)
    assert claims.signing_input() == b"shangpin/mark/v1\x00" + expected[:-64]


@settings(max_examples=100)
@given(st.binary(min_size=0, max_size=64))
def test_kid_is_three_digest_bytes_and_their_crc8(material: bytes) -> None:
    kid = make_kid(material)
    assert kid == ref_kid(material)
    assert re.fullmatch(r"[0-9a-f]{8}", kid)
    assert kid_is_well_formed(bytes.fromhex(kid))


def test_crc8_matches_the_published_check_value() -> None:
    # CRC-8/SMBUS (poly 0x07, init 0, no reflection) of "123456789" is 0xF4.
    assert crc8(b"123456789") == 0xF4
    assert ref_crc8(b"123456789") == 0xF4


def bursts(width: int) -> list[int]:
    """Every error pattern of exactly ``width`` bits: first and last bit flipped."""
    if width == 1:
        return [1]
    return [1 | (1 << (width - 1)) | (middle << 1) for middle in range(1 << (width - 2))]


@settings(max_examples=10, deadline=None)
@given(st.binary(min_size=3, max_size=3))
def test_every_burst_of_up_to_8_bits_in_the_kid_breaks_the_check(head: bytes) -> None:
    kid = int.from_bytes(head + bytes([ref_crc8(head)]), "big")
    assert kid_is_well_formed(kid.to_bytes(4, "big"))
    for width in range(1, 9):
        for shift in range(0, 33 - width):
            for pattern in bursts(width):
                changed = (kid ^ (pattern << shift)).to_bytes(4, "big")
                assert not kid_is_well_formed(changed), (width, shift, pattern)


# -- payload validation ---------------------------------------------------------------------


def payload(**overrides: object) -> MarkPayload:
    fields: dict[str, object] = {
        "kid": KID,
        "certificate_number": NUMBER,
        "valid_from": dt.date(2026, 1, 1),
        "valid_until": dt.date(2028, 12, 31),
    }
    fields.update(overrides)
    return MarkPayload(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"kid": KID.upper()},
        {"kid": KID[:6]},
        {"kid": KID + "00"},
        {"kid": "zzzzzzzz"},
        {"kid": KID[:6] + f"{(int(KID[6:], 16) ^ 1):02x}"},
        {"certificate_number": "SP"},
        {"certificate_number": "S" * 33},
        {"certificate_number": "sp-2026-00012"},
        {"certificate_number": "-SP-2026"},
        {"certificate_number": "SP 2026"},
        {"certificate_number": "SP-2026-0001２"},
        {"valid_from": dt.date(1969, 12, 31)},
        {"valid_until": LAST_DAY + dt.timedelta(days=1)},
        {"valid_from": dt.date(2028, 1, 2), "valid_until": dt.date(2028, 1, 1)},
        {"unit_serial": 0},
        {"unit_serial": -1},
        {"unit_serial": MAX_SERIAL + 1},
        {"version": 2},
    ],
)
def test_payload_refuses_values_the_format_cannot_carry(overrides: dict[str, object]) -> None:
    with pytest.raises(MalformedCode):
        payload(**overrides)


def test_payload_accepts_the_extremes_of_each_field() -> None:
    payload(valid_from=EPOCH, valid_until=LAST_DAY, unit_serial=MAX_SERIAL)
    payload(certificate_number="A-0", unit_serial=1)
    payload(certificate_number="9" * 32, valid_from=LAST_DAY, valid_until=LAST_DAY)


# -- base32 strictness ----------------------------------------------------------------------

VALID = SignedMark(payload(unit_serial=4242), bytes(range(64, 128))).encode()


def test_lower_case_is_refused() -> None:
    with pytest.raises(MalformedCode, match="upper-case"):
        decode_code(VALID.lower())
    for position in (0, len(VALID) // 2, len(VALID) - 1):
        if VALID[position].isalpha():
            changed = VALID[:position] + VALID[position].lower() + VALID[position + 1 :]
            with pytest.raises(MalformedCode):
                decode_code(changed)


@pytest.mark.parametrize("padding", ["=", "==", "======"])
def test_padding_is_refused(padding: str) -> None:
    with pytest.raises(MalformedCode):
        decode_code(VALID + padding)


@pytest.mark.parametrize("bad", ["0", "1", "8", "9", " ", "-", "+", "/", "Ａ", "\x00"])
def test_characters_outside_base32_are_refused(bad: str) -> None:
    with pytest.raises(MalformedCode, match="base32"):
        decode_code(VALID[:10] + bad + VALID[11:])


def test_empty_code_is_refused() -> None:
    with pytest.raises(MalformedCode, match="empty"):
        decode_code("")


@pytest.mark.parametrize("length", [n for n in range(1, 160) if n % 8 in (1, 3, 6)])
def test_impossible_lengths_are_refused(length: int) -> None:
    text = (VALID * 2)[:length]
    with pytest.raises(MalformedCode, match="length"):
        b32decode(text)


@pytest.mark.parametrize("size", range(1, 21))
def test_unused_bits_of_the_last_character_must_be_zero(size: int) -> None:
    data = hashlib.sha256(bytes([size])).digest()[:size]
    text = b32(data)
    assert b32decode(text) == data
    unused = len(text) * 5 - len(data) * 8
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    last = alphabet.index(text[-1])
    assert last & ((1 << unused) - 1) == 0
    for extra in range(1, 1 << unused):
        altered = text[:-1] + alphabet[last | extra]
        # The standard library would accept this second spelling of the same bytes...
        assert base64.b32decode(altered + "=" * (-len(altered) % 8)) == data
        # ...the mark codec must not.
        with pytest.raises(MalformedCode, match="canonical"):
            b32decode(altered)


def test_a_real_code_with_its_unused_bit_set_is_refused() -> None:
    code = b32(craft())  # 88 bytes: 141 characters carrying 705 bits, one unused
    assert len(code) == 141
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    altered = code[:-1] + alphabet[alphabet.index(code[-1]) | 1]
    assert altered != code
    decode_code(code)
    with pytest.raises(MalformedCode):
        decode_code(altered)


# -- varints --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [1, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 10**7, 2**56, MAX_SERIAL]
)
def test_varint_is_minimal_leb128(value: int) -> None:
    encoded = encode_varint(value)
    assert encoded == leb128(value)
    assert decode_varint(b"\xaa" + encoded + b"\xbb", 1) == (value, 1 + len(encoded))


@pytest.mark.parametrize(
    "non_minimal",
    [
        b"\x80\x00",  # 0 in two bytes
        b"\x81\x00",  # 1 in two bytes
        b"\xff\x00",  # 127 in two bytes
        b"\x80\x81\x00",  # 128 in three bytes
        b"\x81\x80\x80\x00",  # 1 in four bytes
    ],
)
def test_non_minimal_varints_are_refused(non_minimal: bytes) -> None:
    with pytest.raises(MalformedCode, match="minimal"):
        decode_varint(non_minimal, 0)
    # ...and so is a code carrying one as its unit serial.
    with pytest.raises(MalformedCode):
        decode_payload(craft(serial=non_minimal))


def test_varint_that_runs_off_the_end_is_refused() -> None:
    with pytest.raises(MalformedCode, match="truncated"):
        decode_varint(b"\x80\x80", 0)


@pytest.mark.parametrize(
    "serial",
    [
        b"\x00",  # zero
        leb128(2**63),  # one past the maximum, minimally encoded
        leb128(2**70 - 1),  # ten bytes
        b"\xff" * 10 + b"\x01",  # eleven bytes
    ],
)
def test_serials_out_of_range_are_refused(serial: bytes) -> None:
    with pytest.raises(MalformedCode):
        decode_payload(craft(serial=serial))


# -- structure ------------------------------------------------------------------------------


def test_crafted_reference_form_decodes() -> None:
    mark = decode_payload(craft(serial=leb128(300)))
    assert mark.payload == payload(unit_serial=300)
    assert mark.signature == bytes(range(64))


@pytest.mark.parametrize("flags", [1 << bit for bit in range(1, 8)] + [0xFE, 0xFF])
def test_unknown_flags_are_refused(flags: int) -> None:
    serial = leb128(5) if flags & 1 else None
    with pytest.raises(MalformedCode, match="flags"):
        decode_payload(craft(flags=flags, serial=serial))


@pytest.mark.parametrize("version", [0, 2, 0x81, 0xFF])
def test_unsupported_versions_are_refused(version: int) -> None:
    with pytest.raises(MalformedCode, match="version"):
        decode_payload(craft(version=version))


@pytest.mark.parametrize("bit", range(32))
def test_kid_with_a_wrong_check_byte_is_refused(bit: int) -> None:
    kid = (int.from_bytes(bytes.fromhex(KID), "big") ^ (1 << bit)).to_bytes(4, "big")
    with pytest.raises(MalformedCode, match="key id"):
        decode_payload(craft(kid=kid))


@pytest.mark.parametrize("serial", [None, leb128(1), leb128(10**7)])
def test_every_truncation_is_refused(serial: bytes | None) -> None:
    data = craft(serial=serial)
    decode_payload(data)
    for size in range(len(data)):
        with pytest.raises(MalformedCode):
            decode_payload(data[:size])


@pytest.mark.parametrize("trailing", [b"\x00", b"\xff", bytes(5), bytes(64)])
def test_trailing_bytes_are_refused(trailing: bytes) -> None:
    with pytest.raises(MalformedCode):
        decode_payload(craft() + trailing)
    with pytest.raises(MalformedCode):
        decode_code(b32(craft() + trailing))


def test_serial_flag_without_a_serial_is_refused() -> None:
    with pytest.raises(MalformedCode):
        decode_payload(craft(flags=1))


@pytest.mark.parametrize("delta", [-13, -1, 1, 2, 100])
def test_number_length_that_does_not_match_is_refused(delta: int) -> None:
    with pytest.raises(MalformedCode):
        decode_payload(craft(length=len(NUMBER) + delta))


@pytest.mark.parametrize(
    "number", [b"SP-2026-0001\xe9", b"sp-2026-00012", b"SP", b"-P-2026", b"SP_2026", b"A" * 33]
)
def test_certificate_number_outside_the_format_is_refused(number: bytes) -> None:
    with pytest.raises(MalformedCode):
        decode_payload(craft(number=number))


def test_dates_out_of_order_are_refused() -> None:
    with pytest.raises(MalformedCode, match="order"):
        decode_payload(craft(valid_from=20_001, valid_until=20_000))


def test_malformed_code_from_decoding_carries_no_payload() -> None:
    with pytest.raises(MalformedCode) as excinfo:
        decode_payload(craft(version=2))
    assert excinfo.value.payload is None


# -- size of the printed URL ----------------------------------------------------------------


@pytest.mark.parametrize(
    "serial", [None, 1, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 9_999_999, 10**7]
)
def test_url_fits_qr_version_9_at_level_q(serial: int | None) -> None:
    code = SignedMark(payload(unit_serial=serial), bytes(64)).encode()
    url = HOST_PREFIX + code
    assert mark_url(DEFAULT_VERIFY_HOST, code) == url
    assert len(url) <= 189
    assert set(url) <= QR_ALPHANUMERIC
    qr = segno.make(url, error="q", micro=False, boost_error=False)
    assert qr.version <= 9
    assert qr.error == "Q"


@settings(max_examples=100)
@given(
    st.integers(min_value=1, max_value=10**7),
    st.text(alphabet=number_first + "-", min_size=12, max_size=12),
)
def test_any_13_character_number_and_serial_up_to_ten_million_fits(serial: int, rest: str) -> None:
    number = "S" + rest
    code = SignedMark(payload(certificate_number=number, unit_serial=serial), bytes(64)).encode()
    assert len(HOST_PREFIX + code) <= 189


@pytest.mark.parametrize(
    ("serial", "size", "chars", "url"),
    [(None, 88, 141, 168), (16383, 90, 144, 171), (2_097_151, 91, 146, 173)],
)
def test_sizes_match_the_table_in_the_format_document(
    serial: int | None, size: int, chars: int, url: int
) -> None:
    mark = SignedMark(payload(unit_serial=serial), bytes(64))
    assert len(mark.to_bytes()) == size
    assert len(mark.encode()) == chars
    assert len(HOST_PREFIX + mark.encode()) == url

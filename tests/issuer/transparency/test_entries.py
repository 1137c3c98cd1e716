"""The log entry codec against docs/transparency-log.md, byte by byte, and its refusals."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.transparency.entries import (
    CertificateStatusEntry,
    SigningKeyEntry,
    decode_entry,
    encode_entry,
    entry_leaf_hash,
)
from issuer.transparency.errors import MalformedEntry
from storage.enums import CertificateState, KeyState

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
SUSPENSION = CertificateStatusEntry(
    certificate_number="SP-2026-00012",
    from_state=CertificateState.VALID,
    to_state=CertificateState.SUSPENDED,
    reason="监督抽查不合格",
    actor="staff:wang",
    time=dt.datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=SHANGHAI),
)
# The documented example, field by field (docs/transparency-log.md).
SUSPENSION_BYTES = b"".join(
    [
        b"\x01",  # format version 1
        b"\x01",  # entry type 1: certificate status
        b"\x00\x0dSP-2026-00012",
        b"\x00\x05valid",
        b"\x00\x09suspended",
        b"\x00\x15" + "监督抽查不合格".encode(),  # 7 characters, 21 bytes of UTF-8
        b"\x00\x0astaff:wang",
        bytes.fromhex("00064beb920f1440"),  # 2026-03-01T00:30:00.123456Z in microseconds
    ]
)
FIRST_STATE = CertificateStatusEntry(
    certificate_number="SP-2026-00012",
    from_state=None,
    to_state=CertificateState.PUBLICITY,
    reason=None,
    actor="staff:wang",
    time=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
)
FIRST_STATE_BYTES = b"".join(
    [
        b"\x01\x01",
        b"\x00\x0dSP-2026-00012",
        b"\x00\x00",  # no from state
        b"\x00\x09publicity",
        b"\x00\x00",  # no reason
        b"\x00\x0astaff:wang",
        bytes.fromhex("00064798bd7dc000"),  # 2026-01-05T00:00:00Z
    ]
)
KEY_COMPROMISED = SigningKeyEntry(
    kid="1a2b3c4d", state=KeyState.COMPROMISED, time=dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
)
KEY_COMPROMISED_BYTES = b"".join(
    [
        b"\x01",  # format version 1
        b"\x02",  # entry type 2: signing key
        b"\x00\x081a2b3c4d",
        b"\x00\x0bcompromised",
        bytes.fromhex("00064bff449ac000"),  # 2026-03-02T00:00:00Z
    ]
)


def test_the_documented_time_field_is_microseconds_since_the_epoch() -> None:
    seconds = calendar.timegm((2026, 3, 1, 0, 30, 0))
    assert int("00064beb920f1440", 16) == seconds * 1_000_000 + 123456
    assert int("00064bff449ac000", 16) == calendar.timegm((2026, 3, 2, 0, 0, 0)) * 1_000_000


@pytest.mark.parametrize(
    ("entry", "data"),
    [
        (SUSPENSION, SUSPENSION_BYTES),
        (FIRST_STATE, FIRST_STATE_BYTES),
        (KEY_COMPROMISED, KEY_COMPROMISED_BYTES),
    ],
    ids=["suspension", "first-state", "key-compromised"],
)
def test_golden_encodings(entry: CertificateStatusEntry | SigningKeyEntry, data: bytes) -> None:
    assert encode_entry(entry) == data
    assert decode_entry(data) == entry
    assert entry_leaf_hash(entry) == hashlib.sha256(b"\x00" + data).digest()


def test_decoded_time_is_the_same_instant_in_utc() -> None:
    decoded = decode_entry(SUSPENSION_BYTES)
    assert isinstance(decoded, CertificateStatusEntry)
    assert decoded.time == SUSPENSION.time
    assert decoded.time.utcoffset() == dt.timedelta(0)


def test_an_empty_reason_is_the_same_entry_as_no_reason() -> None:
    with_empty = CertificateStatusEntry(
        "SP-2026-00012", None, CertificateState.PUBLICITY, "", "staff:wang", FIRST_STATE.time
    )
    assert with_empty == FIRST_STATE
    assert encode_entry(with_empty) == FIRST_STATE_BYTES


def test_states_given_as_text_become_the_enums() -> None:
    entry = SigningKeyEntry("1a2b3c4d", "compromised", KEY_COMPROMISED.time)  # type: ignore[arg-type]
    assert entry == KEY_COMPROMISED
    assert entry.state is KeyState.COMPROMISED


def replace_field(data: bytes, old: bytes, new: bytes) -> bytes:
    """Swap one length-prefixed field for another, fixing its length."""
    old_field = len(old).to_bytes(2, "big") + old
    assert data.count(old_field) == 1
    return data.replace(old_field, len(new).to_bytes(2, "big") + new)


# Bad inputs, each named after what it breaks.
NON_CANONICAL = {
    "empty": (b"", "too short"),
    "version-only": (b"\x01", "too short"),
    "format-version-2": (b"\x02" + SUSPENSION_BYTES[1:], "format version 2"),
    "format-version-0": (b"\x00" + SUSPENSION_BYTES[1:], "format version 0"),
    "unknown-entry-type": (b"\x01\x03" + SUSPENSION_BYTES[2:], "unknown log entry type 3"),
    "truncated-in-time": (SUSPENSION_BYTES[:-1], "truncated in time"),
    "truncated-in-length": (SUSPENSION_BYTES[:3], "truncated in certificate number"),
    "truncated-in-text": (SUSPENSION_BYTES[:10], "truncated in certificate number"),
    "trailing-byte": (SUSPENSION_BYTES + b"\x00", "bytes after its last field"),
    "length-too-long": (
        SUSPENSION_BYTES[:2] + b"\x00\x0e" + SUSPENSION_BYTES[4:],
        # The next length is read from inside "valid" and runs past the end.
        "truncated in from state",
    ),
    "invalid-utf8": (replace_field(SUSPENSION_BYTES, b"staff:wang", b"staff:\xff"), "UTF-8"),
    "overlong-utf8-slash": (
        replace_field(SUSPENSION_BYTES, b"staff:wang", b"staff\xc0\xafwang"),
        "UTF-8",
    ),
    "utf8-encoded-surrogate": (
        replace_field(SUSPENSION_BYTES, b"staff:wang", b"staff\xed\xa0\x80"),
        "UTF-8",
    ),
    "unknown-to-state": (
        replace_field(SUSPENSION_BYTES, b"suspended", b"expired"),
        "'expired' is not a known state",
    ),
    "upper-case-state": (
        replace_field(SUSPENSION_BYTES, b"suspended", b"SUSPENDED"),
        "not a known state",
    ),
    "unknown-key-state": (
        replace_field(KEY_COMPROMISED_BYTES, b"compromised", b"lost"),
        "not a known state",
    ),
    "empty-certificate-number": (
        replace_field(SUSPENSION_BYTES, b"SP-2026-00012", b""),
        "certificate number must not be empty",
    ),
    "empty-actor": (replace_field(SUSPENSION_BYTES, b"staff:wang", b""), "actor must not"),
    "empty-to-state": (replace_field(SUSPENSION_BYTES, b"suspended", b""), "to state"),
    "empty-key-id": (replace_field(KEY_COMPROMISED_BYTES, b"1a2b3c4d", b""), "key id"),
    "time-beyond-year-9999": (SUSPENSION_BYTES[:-8] + b"\xff" * 8, "out of range"),
}


@pytest.mark.parametrize(("data", "message"), NON_CANONICAL.values(), ids=NON_CANONICAL.keys())
def test_non_canonical_bytes_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(MalformedEntry, match=message):
        decode_entry(data)


def test_values_that_cannot_be_encoded_are_refused() -> None:
    with pytest.raises(MalformedEntry, match="time zone"):
        SigningKeyEntry("1a2b3c4d", KeyState.ACTIVE, dt.datetime(2026, 1, 1))
    with pytest.raises(MalformedEntry, match="after 1970"):
        SigningKeyEntry("1a2b3c4d", KeyState.ACTIVE, dt.datetime(1969, 12, 31, tzinfo=dt.UTC))
    with pytest.raises(MalformedEntry, match="longer than 65535 bytes"):
        CertificateStatusEntry(
            "SP-1", None, CertificateState.VALID, "因" * 21846, "staff", FIRST_STATE.time
        )
    with pytest.raises(MalformedEntry, match="not encodable"):
        CertificateStatusEntry(
            "SP-1", None, CertificateState.VALID, None, "\ud800", FIRST_STATE.time
        )
    with pytest.raises(MalformedEntry, match="not a known state"):
        CertificateStatusEntry(
            "SP-1",
            "lost",  # type: ignore[arg-type]
            CertificateState.VALID,
            None,
            "staff",
            FIRST_STATE.time,
        )


TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
TIMES = st.datetimes(
    min_value=dt.datetime(1970, 1, 1),
    max_value=dt.datetime(9999, 12, 31),
    timezones=st.sampled_from([dt.UTC, SHANGHAI, dt.timezone(dt.timedelta(hours=-5))]),
)
ENTRIES = st.one_of(
    st.builds(
        CertificateStatusEntry,
        certificate_number=TEXT,
        from_state=st.none() | st.sampled_from(CertificateState),
        to_state=st.sampled_from(CertificateState),
        reason=st.none() | TEXT,
        actor=TEXT,
        time=TIMES,
    ),
    st.builds(SigningKeyEntry, kid=TEXT, state=st.sampled_from(KeyState), time=TIMES),
)


@settings(max_examples=150, deadline=None)
@given(entry=ENTRIES)
def test_every_entry_round_trips(entry: CertificateStatusEntry | SigningKeyEntry) -> None:
    data = encode_entry(entry)
    assert decode_entry(data) == entry
    assert encode_entry(decode_entry(data)) == data


@settings(max_examples=150, deadline=None)
@given(entry=ENTRIES, position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_a_changed_bit_is_refused_or_is_a_different_entry(
    entry: CertificateStatusEntry | SigningKeyEntry, position: int, bit: int
) -> None:
    data = bytearray(encode_entry(entry))
    data[position % len(data)] ^= 1 << bit
    try:
        decoded = decode_entry(bytes(data))
    except MalformedEntry:
        return
    # Whatever still decodes is another entry, and its canonical bytes are exactly these.
    assert decoded != entry
    assert encode_entry(decoded) == bytes(data)

"""The signed mark payload: a compact binary record, base32 in the QR URL.

The layout is specified in docs/mark-format.md; this module is its only codec.
It is pure: bytes and values in, bytes and values out.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import struct
from dataclasses import dataclass

from issuer.errors import MalformedCode

FORMAT_VERSION = 1
#: Prepended to the signed bytes so a mark signature can never be replayed as any
#: other kind of signature made with the same key (and vice versa).
SIGNING_CONTEXT = b"shangpin/mark/v1\x00"
SIGNATURE_SIZE = 64
KID_SIZE = 4
FLAG_UNIT_SERIAL = 0x01
_KNOWN_FLAGS = FLAG_UNIT_SERIAL
_EPOCH = dt.date(1970, 1, 1)
_HEADER = struct.Struct(">BB4sHHB")  # version, flags, kid, from, until, number length
MAX_SERIAL = 2**63 - 1
CERTIFICATE_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{2,31}")
_BASE32 = re.compile(r"[A-Z2-7]+")


def crc8(data: bytes) -> int:
    """CRC-8 (polynomial 0x07): catches every burst error of up to 8 bits."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def make_kid(key_material: bytes) -> str:
    """A key id: three bytes from the key's digest and a CRC-8 over them, as 8 hex digits.

    The check byte lets a verifier tell an altered key id (malformed) from a real
    key it has never heard of (unknown key).
    """
    import hashlib

    body = hashlib.sha256(key_material).digest()[:3]
    return (body + bytes([crc8(body)])).hex()


def kid_is_well_formed(kid: bytes) -> bool:
    return len(kid) == KID_SIZE and crc8(kid[:3]) == kid[3]


@dataclass(frozen=True)
class MarkPayload:
    """What a mark asserts. Status is absent on purpose: it changes, so it is looked up live."""

    kid: str
    certificate_number: str
    valid_from: dt.date
    valid_until: dt.date
    unit_serial: int | None = None
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.version != FORMAT_VERSION:
            raise MalformedCode(f"unsupported mark format version {self.version}")
        try:
            kid = bytes.fromhex(self.kid)
        except ValueError:
            raise MalformedCode("key id must be 8 hexadecimal digits") from None
        if not kid_is_well_formed(kid) or self.kid != kid.hex():
            raise MalformedCode("key id is not well formed (its check byte does not match)")
        if not CERTIFICATE_NUMBER.fullmatch(self.certificate_number):
            raise MalformedCode("certificate number must be 3-32 characters of A-Z, 0-9 and '-'")
        for day in (self.valid_from, self.valid_until):
            if not 0 <= (day - _EPOCH).days <= 0xFFFF:
                raise MalformedCode("validity date out of the encodable range (1970-2149)")
        if self.valid_from > self.valid_until:
            raise MalformedCode("validity dates are out of order")
        if self.unit_serial is not None and not 1 <= self.unit_serial <= MAX_SERIAL:
            raise MalformedCode("unit serial must be between 1 and 2**63-1")

    def body(self) -> bytes:
        """The bytes the signature covers (after the signing context)."""
        number = self.certificate_number.encode("ascii")
        flags = FLAG_UNIT_SERIAL if self.unit_serial is not None else 0
        head = _HEADER.pack(
            self.version,
            flags,
            bytes.fromhex(self.kid),
            (self.valid_from - _EPOCH).days,
            (self.valid_until - _EPOCH).days,
            len(number),
        )
        tail = b"" if self.unit_serial is None else encode_varint(self.unit_serial)
        return head + number + tail

    def signing_input(self) -> bytes:
        return SIGNING_CONTEXT + self.body()


@dataclass(frozen=True)
class SignedMark:
    payload: MarkPayload
    signature: bytes

    def to_bytes(self) -> bytes:
        return self.payload.body() + self.signature

    def encode(self) -> str:
        return b32encode(self.to_bytes())


def b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def b32decode(text: str) -> bytes:
    """Strict base32: upper case, no padding, and the only spelling of its bytes."""
    if not text:
        raise MalformedCode("the code is empty")
    if not _BASE32.fullmatch(text):
        bad = next(ch for ch in text if not ("A" <= ch <= "Z" or "2" <= ch <= "7"))
        raise MalformedCode(f"code contains {bad!r}; a code is upper-case base32 (A-Z, 2-7)")
    if len(text) % 8 in (1, 3, 6):
        raise MalformedCode("code has an impossible base32 length")
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error:
        raise MalformedCode("code is not valid base32") from None
    # Unused low bits of the last character must be zero, or two spellings would
    # decode to the same bytes and an altered character could pass unnoticed.
    if b32encode(data) != text:
        raise MalformedCode("code is not in canonical base32 form")
    return data


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes, offset: int) -> tuple[int, int]:
    """Decode an unsigned LEB128 integer; refuse over-long (non-canonical) forms."""
    value = shift = 0
    start = offset
    while True:
        if offset >= len(data):
            raise MalformedCode("unit serial is truncated")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
        if shift > 63:
            raise MalformedCode("unit serial is too long")
    if offset - start > 1 and data[offset - 1] == 0:
        raise MalformedCode("unit serial is not minimally encoded")
    return value, offset


def decode_payload(data: bytes) -> SignedMark:
    """Parse the binary form; every structural defect raises ``MalformedCode``."""
    if len(data) < _HEADER.size + SIGNATURE_SIZE:
        raise MalformedCode("code is too short")
    version, flags, kid, from_days, until_days, length = _HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        raise MalformedCode(f"unsupported mark format version {version}")
    if flags & ~_KNOWN_FLAGS:
        raise MalformedCode("code sets unknown flags")
    if not kid_is_well_formed(kid):
        raise MalformedCode("key id is not well formed (its check byte does not match)")
    offset = _HEADER.size
    number_bytes = data[offset : offset + length]
    offset += length
    try:
        number = number_bytes.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedCode("certificate number is not ASCII") from None
    serial = None
    if flags & FLAG_UNIT_SERIAL:
        serial, offset = decode_varint(data, offset)
    if len(data) - offset != SIGNATURE_SIZE:
        raise MalformedCode("code length does not match its contents")
    payload = MarkPayload(
        kid=kid.hex(),
        certificate_number=number,
        valid_from=_EPOCH + dt.timedelta(days=from_days),
        valid_until=_EPOCH + dt.timedelta(days=until_days),
        unit_serial=serial,
        version=version,
    )
    return SignedMark(payload, data[offset:])


def decode_code(code: str) -> SignedMark:
    return decode_payload(b32decode(code))

"""The compact status table of the offline bundle: every certificate in a few bytes.

Two byte strings, both specified in docs/offline.md:

* ``numbers``: the certificate numbers in strictly ascending byte order, front-coded.
  Each number is one byte *shared* (how many leading bytes it has in common with the
  number before it, always the longest common prefix), one byte *rest*, then the
  *rest* bytes that follow the shared prefix. Consecutive numbers such as
  ``SP-2026-00012``, ``SP-2026-00013`` cost three bytes each and compress to almost
  nothing.
* ``codes``: one 4-bit status code per number, in the same order, two to a byte, the
  first in the high half; an odd count leaves the last low half zero.

Each table has one encoding: the decoder refuses unsorted or repeated numbers, a shared
prefix that is not the longest, unknown codes and non-zero padding. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping

from issuer.payload import CERTIFICATE_NUMBER
from issuer.status import PublicStatus

#: 4-bit status codes; 0 is never a status, so a zeroed table cannot pass as "valid".
CODES: dict[PublicStatus, int] = {
    PublicStatus.VALID: 1,
    PublicStatus.SUSPENDED: 2,
    PublicStatus.EXPIRED: 3,
    PublicStatus.TERMINATED: 4,
    PublicStatus.REVOKED: 5,
    PublicStatus.PUBLICITY: 6,
}
STATUSES: dict[int, PublicStatus] = {code: status for status, code in CODES.items()}
MAX_NUMBER = 32


class CompactStatusError(ValueError):
    """The bytes are not the one encoding of a status table."""


def _shared(a: bytes, b: bytes) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def encode(statuses: Mapping[str, PublicStatus | str]) -> tuple[bytes, bytes]:
    """``(numbers, codes)`` for a mapping of certificate number to public status."""
    numbers = bytearray()
    codes = bytearray((len(statuses) + 1) // 2)
    previous = b""
    for i, number in enumerate(sorted(statuses, key=lambda n: n.encode("ascii"))):
        if not CERTIFICATE_NUMBER.fullmatch(number):
            raise CompactStatusError(f"{number!r} is not a certificate number")
        raw = number.encode("ascii")
        shared = _shared(previous, raw)
        numbers += bytes((shared, len(raw) - shared)) + raw[shared:]
        codes[i // 2] |= CODES[PublicStatus(statuses[number])] << (0 if i % 2 else 4)
        previous = raw
    return bytes(numbers), bytes(codes)


def decode(numbers: bytes, codes: bytes, count: int) -> dict[str, PublicStatus]:
    """The mapping back; raise ``CompactStatusError`` for anything but the one encoding."""
    if count < 0 or len(codes) != (count + 1) // 2:
        raise CompactStatusError(f"{count} statuses need {(count + 1) // 2} code bytes,"
                                 f" not {len(codes)}")
    if count % 2 and codes[-1] & 0x0F:
        raise CompactStatusError("the padding half-byte of the codes is not zero")
    table: dict[str, PublicStatus] = {}
    previous = b""
    offset = 0
    for i in range(count):
        if offset + 2 > len(numbers):
            raise CompactStatusError(f"the numbers end before number {i + 1} of {count}")
        shared, rest = numbers[offset], numbers[offset + 1]
        offset += 2
        if shared > len(previous) or rest == 0 or shared + rest > MAX_NUMBER:
            raise CompactStatusError(f"number {i + 1} has impossible lengths")
        if offset + rest > len(numbers):
            raise CompactStatusError(f"number {i + 1} is truncated")
        raw = previous[:shared] + numbers[offset:offset + rest]
        offset += rest
        if shared < len(previous) and raw[shared] == previous[shared]:
            raise CompactStatusError(f"number {i + 1} does not share its longest prefix")
        if raw <= previous:
            raise CompactStatusError(f"number {i + 1} is not after the one before it")
        try:
            number = raw.decode("ascii")
        except UnicodeDecodeError:
            raise CompactStatusError(f"number {i + 1} is not ASCII") from None
        if not CERTIFICATE_NUMBER.fullmatch(number):
            raise CompactStatusError(f"{number!r} is not a certificate number")
        code = codes[i // 2] >> (0 if i % 2 else 4) & 0x0F
        status = STATUSES.get(code)
        if status is None:
            raise CompactStatusError(f"{number} has the unknown status code {code}")
        table[number] = status
        previous = raw
    if offset != len(numbers):
        raise CompactStatusError("bytes follow the last number")
    return table

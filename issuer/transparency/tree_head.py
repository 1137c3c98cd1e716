"""Signed tree heads: the log's signed statement of its size and root hash at a time.

A monitor compares heads over time; two heads that cannot be reconciled by a consistency
proof are proof, signed by the log itself, that the log was rewritten or forked. The byte
layout is specified in docs/transparency-log.md; this module is its only codec.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

from issuer import ed25519
from issuer.transparency.errors import BadTreeHeadSignature, MalformedTreeHead
from issuer.transparency.merkle import HASH_SIZE

FORMAT_VERSION = 1
#: Prepended to the signed bytes so a tree head signature can never be replayed as any
#: other kind of signature (a mark, a status list) made with the same key, nor the reverse.
SIGNING_CONTEXT = b"shangpin/log/tree-head/v1\x00"
SIGNATURE_SIZE = 64
_LAYOUT = struct.Struct(">BQQ32s")  # version, tree size, timestamp (ms), root hash
ENCODED_SIZE = _LAYOUT.size
SIGNED_SIZE = ENCODED_SIZE + SIGNATURE_SIZE
_UINT64_MAX = 2**64 - 1


def timestamp_ms(when: dt.datetime) -> int:
    """Milliseconds since the Unix epoch, truncated; a naive time is refused, never guessed."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("a tree head time must carry its time zone")
    delta = when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


@dataclass(frozen=True)
class TreeHead:
    """The log's state: how many entries, their Merkle root, and when (ms since the epoch)."""

    size: int
    root_hash: bytes
    timestamp_ms: int

    def __post_init__(self) -> None:
        if not 0 <= self.size <= _UINT64_MAX:
            raise MalformedTreeHead("tree size must fit in 64 unsigned bits")
        if not 0 <= self.timestamp_ms <= _UINT64_MAX:
            raise MalformedTreeHead("timestamp must fit in 64 unsigned bits")
        if len(self.root_hash) != HASH_SIZE:
            raise MalformedTreeHead(f"root hash must be {HASH_SIZE} bytes")

    @property
    def time(self) -> dt.datetime:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=self.timestamp_ms)

    def encode(self) -> bytes:
        return _LAYOUT.pack(FORMAT_VERSION, self.size, self.timestamp_ms, bytes(self.root_hash))

    def signing_input(self) -> bytes:
        return SIGNING_CONTEXT + self.encode()

    def sign(self, signer: ed25519.Signer) -> SignedTreeHead:
        return SignedTreeHead(self, signer.sign(self.signing_input()))

    @classmethod
    def decode(cls, data: bytes) -> TreeHead:
        if len(data) != ENCODED_SIZE:
            raise MalformedTreeHead(f"a tree head is {ENCODED_SIZE} bytes, not {len(data)}")
        version, size, timestamp, root = _LAYOUT.unpack(data)
        if version != FORMAT_VERSION:
            raise MalformedTreeHead(f"unsupported tree head format version {version}")
        return cls(size=size, root_hash=root, timestamp_ms=timestamp)


@dataclass(frozen=True)
class SignedTreeHead:
    """A tree head with the log key's Ed25519 signature over its context-prefixed bytes."""

    head: TreeHead
    signature: bytes

    def __post_init__(self) -> None:
        if len(self.signature) != SIGNATURE_SIZE:
            raise MalformedTreeHead(f"a tree head signature is {SIGNATURE_SIZE} bytes")

    def encode(self) -> bytes:
        return self.head.encode() + bytes(self.signature)

    @classmethod
    def decode(cls, data: bytes) -> SignedTreeHead:
        if len(data) != SIGNED_SIZE:
            raise MalformedTreeHead(f"a signed tree head is {SIGNED_SIZE} bytes, not {len(data)}")
        return cls(TreeHead.decode(data[:ENCODED_SIZE]), data[ENCODED_SIZE:])

    def verify(self, public_key: bytes) -> TreeHead:
        """The head, once its signature verifies under the log's public key."""
        if not ed25519.verify(public_key, self.signature, self.head.signing_input()):
            raise BadTreeHeadSignature(
                f"the signature on the tree head of size {self.head.size} does not verify"
                " under the log's public key"
            )
        return self.head

"""Signed tree heads: the documented byte layout, Ed25519 signatures, and refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from issuer import ed25519
from issuer.transparency.errors import BadTreeHeadSignature, MalformedTreeHead
from issuer.transparency.tree_head import (
    SIGNED_SIZE,
    SignedTreeHead,
    TreeHead,
    timestamp_ms,
)

# The root of the 8-leaf reference tree (transparency-dev/merkle testonly/constants.go).
ROOT_8 = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
HEAD = TreeHead(size=8, root_hash=ROOT_8, timestamp_ms=1772325000123)
# The documented example (docs/transparency-log.md).
HEAD_BYTES = (
    bytes.fromhex(
        "01"  # format version 1
        "0000000000000008"  # tree size
        "0000019ca6cd53bb"  # 2026-03-01T00:30:00.123Z in milliseconds
    )
    + ROOT_8
)
CONTEXT = b"shangpin/log/tree-head/v1\x00"


@pytest.fixture(scope="module")
def signer() -> ed25519.Signer:
    return ed25519.Signer(bytes(range(32)))


def test_encoding_matches_the_documented_layout() -> None:
    assert HEAD.encode() == HEAD_BYTES
    assert TreeHead.decode(HEAD_BYTES) == HEAD
    assert HEAD.time == dt.datetime(2026, 3, 1, 0, 30, 0, 123000, tzinfo=dt.UTC)
    assert (
        timestamp_ms(
            dt.datetime(2026, 3, 1, 8, 30, 0, 123999, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        )
        == HEAD.timestamp_ms
    )


def test_signature_covers_the_context_and_the_head(signer: ed25519.Signer) -> None:
    signed = HEAD.sign(signer)
    assert ed25519.verify(signer.public_key, signed.signature, CONTEXT + HEAD_BYTES)
    # Without the context the same key's signature means nothing here, so a signature
    # made for another purpose cannot pass as a tree head.
    assert not ed25519.verify(signer.public_key, signed.signature, HEAD_BYTES)
    assert signed.verify(signer.public_key) == HEAD


def test_signed_head_round_trips(signer: ed25519.Signer) -> None:
    signed = HEAD.sign(signer)
    data = signed.encode()
    assert len(data) == SIGNED_SIZE == 49 + 64
    assert data[:49] == HEAD_BYTES
    assert SignedTreeHead.decode(data) == signed
    assert SignedTreeHead.decode(data).verify(signer.public_key) == HEAD


def test_every_changed_byte_is_refused(signer: ed25519.Signer) -> None:
    data = HEAD.sign(signer).encode()
    for position in range(len(data)):
        altered = bytearray(data)
        altered[position] ^= 0x01
        with pytest.raises((MalformedTreeHead, BadTreeHeadSignature)):
            SignedTreeHead.decode(bytes(altered)).verify(signer.public_key)
            pytest.fail(f"accepted a change at byte {position}")


def test_another_key_does_not_verify(signer: ed25519.Signer) -> None:
    signed = HEAD.sign(signer)
    other = ed25519.Signer(bytes(32))
    with pytest.raises(BadTreeHeadSignature, match="size 8"):
        signed.verify(other.public_key)


def test_two_heads_of_the_same_size_have_different_signatures(signer: ed25519.Signer) -> None:
    forked = TreeHead(size=8, root_hash=bytes(32), timestamp_ms=HEAD.timestamp_ms)
    forged = SignedTreeHead(forked, HEAD.sign(signer).signature)
    with pytest.raises(BadTreeHeadSignature):
        forged.verify(signer.public_key)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (HEAD_BYTES[:-1], "48"),
        (HEAD_BYTES + b"\x00", "50"),
        (b"\x02" + HEAD_BYTES[1:], "version 2"),
        (b"", "not 0"),
    ],
    ids=["short", "long", "version-2", "empty"],
)
def test_malformed_heads_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(MalformedTreeHead, match=message):
        TreeHead.decode(data)


def test_malformed_signed_heads_are_refused() -> None:
    with pytest.raises(MalformedTreeHead, match="113 bytes"):
        SignedTreeHead.decode(HEAD_BYTES + bytes(63))
    with pytest.raises(MalformedTreeHead, match="64 bytes"):
        SignedTreeHead(HEAD, bytes(10))


@pytest.mark.parametrize(
    ("size", "root", "timestamp"),
    [(-1, ROOT_8, 0), (2**64, ROOT_8, 0), (1, ROOT_8[:31], 0), (1, ROOT_8, -5)],
    ids=["negative-size", "size-overflow", "short-root", "negative-time"],
)
def test_heads_that_cannot_be_encoded_are_refused(size: int, root: bytes, timestamp: int) -> None:
    with pytest.raises(MalformedTreeHead):
        TreeHead(size=size, root_hash=root, timestamp_ms=timestamp)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        timestamp_ms(dt.datetime(2026, 3, 1))

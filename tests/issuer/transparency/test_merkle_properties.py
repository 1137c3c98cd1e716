"""Every proof for random tree sizes, checked against a naive recursive transcription of
RFC 9162 section 2.1, and every alteration of a proof's inputs caught by the verifiers."""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.transparency.errors import ProofError
from issuer.transparency.merkle import (
    MemoryHashStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

LOG_SIZE = 3000
ENTRIES = [b"entry %d" % i for i in range(LOG_SIZE)]

# -- the naive reference: the RFC's recursive definitions, written out independently ---------


def ref_hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def ref_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def ref_mth(start: int, end: int) -> bytes:
    """MTH(D[start:end]) by the RFC's recursion (memoised only to keep the test quick)."""
    n = end - start
    if n == 0:
        return ref_hash(b"")
    if n == 1:
        return ref_hash(b"\x00" + ENTRIES[start])
    k = ref_split(n)
    return ref_hash(b"\x01" + ref_mth(start, start + k) + ref_mth(start + k, end))


def ref_path(m: int, start: int, end: int) -> list[bytes]:
    """PATH(m, D[start:end]), m relative to start."""
    n = end - start
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return ref_path(m, start, start + k) + [ref_mth(start + k, end)]
    return ref_path(m - k, start + k, end) + [ref_mth(start, start + k)]


def ref_subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b), m relative to start."""
    n = end - start
    if m == n:
        return [] if whole else [ref_mth(start, end)]
    k = ref_split(n)
    if m <= k:
        return ref_subproof(m, start, start + k, whole) + [ref_mth(start + k, end)]
    return ref_subproof(m - k, start + k, end, False) + [ref_mth(start, start + k)]


def ref_proof(m: int, n: int) -> list[bytes]:
    return [] if m in (0, n) else ref_subproof(m, 0, n, True)


# -- the store under test -------------------------------------------------------------------


@pytest.fixture(scope="module")
def store() -> MemoryHashStore:
    tree = MemoryHashStore()
    for entry in ENTRIES:
        tree.append(entry)
    return tree


def flip(value: bytes, position: int) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1 :]


def test_every_proof_of_small_trees_matches_the_reference(store: MemoryHashStore) -> None:
    for size in range(1, 65):
        assert root_hash(store, size) == ref_mth(0, size)
        for index in range(size):
            assert inclusion_proof(store, index, size) == ref_path(index, 0, size)
        for size1 in range(size + 1):
            assert consistency_proof(store, size1, size) == ref_proof(size1, size)


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, LOG_SIZE))
    return draw(st.integers(0, size - 1)), size


@settings(max_examples=150, deadline=None)
@given(case=index_and_size(), other=st.integers(1, LOG_SIZE), position=st.integers(0, 31))
def test_inclusion_proofs(
    store: MemoryHashStore, case: tuple[int, int], other: int, position: int
) -> None:
    index, size = case
    leaf = leaf_hash(ENTRIES[index])
    root = root_hash(store, size)
    proof = inclusion_proof(store, index, size)
    assert root == ref_mth(0, size)
    assert proof == ref_path(index, 0, size)
    verify_inclusion(leaf, index, size, proof, root)

    with pytest.raises(ProofError):
        verify_inclusion(flip(leaf, position), index, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, proof, flip(root, position))
    for element in range(len(proof)):
        altered = list(proof)
        altered[element] = flip(altered[element], position)
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, altered, root)
    other_index = other % size
    if other_index != index:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, other_index, size, proof, root)
    # The same proof presented for another tree, against that tree's real root.
    if other != size and index < other:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, other, proof, root_hash(store, other))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(1, LOG_SIZE))
    return draw(st.integers(0, size2)), size2


@settings(max_examples=150, deadline=None)
@given(sizes=two_sizes(), other=st.integers(1, LOG_SIZE), position=st.integers(0, 31))
def test_consistency_proofs(
    store: MemoryHashStore, sizes: tuple[int, int], other: int, position: int
) -> None:
    size1, size2 = sizes
    root1, root2 = root_hash(store, size1), root_hash(store, size2)
    proof = consistency_proof(store, size1, size2)
    assert root1 == ref_mth(0, size1)
    assert root2 == ref_mth(0, size2)
    assert proof == ref_proof(size1, size2)
    verify_consistency(size1, size2, root1, root2, proof)

    if size1 != size2:
        # (With equal sizes, both roots altered the same way would still agree.)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, flip(root1, position), root2, proof)
    if size1 > 0:
        # (Every tree extends the empty one, whatever its root.)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, flip(root2, position), proof)
    for element in range(len(proof)):
        altered = list(proof)
        altered[element] = flip(altered[element], position)
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, root2, altered)
    if 0 < size1 < size2:
        # Another first size, or another second size, each with its real root.
        other1 = other % size2
        if other1 not in (0, size1):
            with pytest.raises(ProofError):
                verify_consistency(other1, size2, root_hash(store, other1), root2, proof)
        if other > size1 and other != size2:
            with pytest.raises(ProofError):
                verify_consistency(size1, other, root1, root_hash(store, other), proof)

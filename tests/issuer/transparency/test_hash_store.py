"""The hash store protocol: any store works, and proofs read O(log n) hashes in one batch."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from issuer.transparency.merkle import (
    MemoryHashStore,
    NodeId,
    append_leaf,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    nodes_completed_by,
    root_hash,
)

LOG_SIZE = 3000


class DictHashStore:
    """Another store, keyed by node id, that counts what it is asked for."""

    def __init__(self) -> None:
        self.hashes: dict[NodeId, bytes] = {}
        self.leaves = 0
        self.calls = 0
        self.reads = 0

    def size(self) -> int:
        return self.leaves

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        self.calls += 1
        self.reads += len(ids)
        return [self.hashes[node] for node in ids]

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        for node, value in nodes:
            assert node not in self.hashes, "a stored hash was rewritten"
            self.hashes[node] = value
        self.leaves += 1


@pytest.fixture(scope="module")
def stores() -> tuple[MemoryHashStore, DictHashStore]:
    memory, other = MemoryHashStore(), DictHashStore()
    for i in range(LOG_SIZE):
        leaf = leaf_hash(b"%d" % i)
        append_leaf(memory, leaf)
        append_leaf(other, leaf)
    return memory, other


def test_any_store_gives_the_same_roots_and_proofs(
    stores: tuple[MemoryHashStore, DictHashStore],
) -> None:
    memory, other = stores
    rng = random.Random(1)
    for _ in range(200):
        size = rng.randint(1, LOG_SIZE)
        index = rng.randrange(size)
        first = rng.randint(0, size)
        assert root_hash(other, size) == root_hash(memory, size)
        assert inclusion_proof(other, index, size) == inclusion_proof(memory, index, size)
        assert consistency_proof(other, first, size) == consistency_proof(memory, first, size)


def test_each_proof_is_one_batch_of_at_most_2_log_n_reads(
    stores: tuple[MemoryHashStore, DictHashStore],
) -> None:
    _, store = stores
    rng = random.Random(2)
    for _ in range(300):
        size = rng.randint(2, LOG_SIZE)
        depth = (size - 1).bit_length()  # ceil(log2 size)
        index, first = rng.randrange(size), rng.randint(1, size - 1)
        for kind in ("root", "inclusion", "consistency"):
            store.calls = store.reads = 0
            if kind == "root":
                root_hash(store, size)
            elif kind == "inclusion":
                inclusion_proof(store, index, size)
            else:
                consistency_proof(store, first, size)
            assert store.calls == 1, kind
            assert store.reads <= 2 * depth, kind


def test_an_append_writes_the_subtrees_it_completes() -> None:
    store = DictHashStore()
    for i in range(64):
        before = set(store.hashes)
        store.reads = 0
        append_leaf(store, leaf_hash(b"%d" % i))
        written = set(store.hashes) - before
        assert written == set(nodes_completed_by(i))
        # Leaf 7 (0b111) completes three subtrees and reads their three left halves.
        assert store.reads == len(written) - 1
    assert nodes_completed_by(7) == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert nodes_completed_by(8) == [(0, 8)]


def test_memory_store_refuses_a_write_out_of_order() -> None:
    store = MemoryHashStore()
    store.append(b"first")
    with pytest.raises(ValueError, match="not the next one"):
        store.put([((0, 5), leaf_hash(b"gap"))])
    with pytest.raises(ValueError, match="not the next one"):
        store.put([((0, 0), leaf_hash(b"again"))])
    assert store.size() == 1


def test_memory_store_says_when_a_subtree_is_missing() -> None:
    store = MemoryHashStore()
    store.append(b"only")
    with pytest.raises(LookupError, match="does not hold"):
        store.nodes([(1, 0)])


def test_a_leaf_hash_must_be_32_bytes() -> None:
    store = MemoryHashStore()
    with pytest.raises(ValueError, match="32 bytes"):
        append_leaf(store, b"short")
    assert store.size() == 0

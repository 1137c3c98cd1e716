"""The Merkle tree of RFC 9162 section 2.1: hashes, proof generation and proof verification.

Proofs are generated over a *hash store* that keeps the hash of every complete (perfect)
subtree by ``(level, index)``, written once when its last leaf is appended. Any tree size's
root, and any proof, is then a fold over O(log n) stored hashes, read in one batch: this is
what lets a database-backed store answer in one query for a log of millions of entries.

The verifiers follow the algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step,
so a third party can check this code against the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from issuer.transparency.errors import ProofError, ProofRequestError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
#: MTH({}) = SHA-256 of the empty string: the root of a log with no entries.
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: ``(level, index)``: the perfect subtree over leaves ``[index << level, (index + 1) << level)``.
#: Level 0 holds the leaf hashes themselves.
NodeId = tuple[int, int]


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry). The prefix keeps a leaf from ever passing as an inner node."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n``: where a tree of ``n >= 2`` leaves splits."""
    if n < 2:
        raise ValueError("only a tree of two or more leaves has a split point")
    return 1 << ((n - 1).bit_length() - 1)


class HashReader(Protocol):
    """Read side of a hash store: what root and proof generation need."""

    def size(self) -> int:
        """How many leaves the store holds."""
        ...

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """The hashes of the given perfect subtrees, in the order asked (one batch, one query)."""
        ...


class HashStore(HashReader, Protocol):
    """A hash store that can grow; nothing ever rewrites a stored hash."""

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        """Record one new leaf hash and the perfect subtrees it completes, leaf first."""
        ...


def nodes_completed_by(index: int) -> list[NodeId]:
    """The perfect subtrees that appending leaf ``index`` completes, the leaf itself first.

    Leaf ``i`` closes one subtree per trailing one bit of ``i``, so appends cost one hash
    amortised and never more than log2(n).
    """
    completed = [(0, index)]
    level = 0
    while index & 1:
        index >>= 1
        level += 1
        completed.append((level, index))
    return completed


def append_leaf(store: HashStore, leaf: bytes) -> int:
    """Append a leaf hash and the subtrees it completes; returns the leaf's index."""
    if len(leaf) != HASH_SIZE:
        raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
    index = store.size()
    completed = nodes_completed_by(index)
    parents = completed[1:]
    lefts = store.nodes([(level - 1, 2 * i) for level, i in parents]) if parents else []
    new = [(completed[0], leaf)]
    current = leaf
    for node_id, left in zip(parents, lefts, strict=True):
        current = node_hash(left, current)
        new.append((node_id, current))
    store.put(new)
    return index


class MemoryHashStore:
    """A hash store held in lists, one per level; for tests, benchmarks and offline tools."""

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    def size(self) -> int:
        return len(self._levels[0])

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        levels = self._levels
        try:
            return [levels[level][index] for level, index in ids]
        except IndexError:
            raise LookupError("asked for a subtree the store does not hold") from None

    def put(self, nodes: Sequence[tuple[NodeId, bytes]]) -> None:
        levels = self._levels
        for (level, index), value in nodes:
            while len(levels) <= level:
                levels.append([])
            row = levels[level]
            if index != len(row):
                raise ValueError(f"node ({level}, {index}) is not the next one on its level")
            row.append(value)

    def append(self, entry: bytes) -> int:
        """Append an encoded entry; returns its index."""
        return append_leaf(self, leaf_hash(entry))


# -- generation: plan the subtree ranges (pure), read their nodes in one batch, fold ----------


def subtree_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees that make up the subtree over leaves ``[start, end)``, left to right.

    Valid for every range the RFC 9162 recursion produces: such a range starts on a
    multiple of the largest power of two that fits in it, so the greedy split is aligned.
    """
    ids: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        ids.append((level, start >> level))
        start += 1 << level
    return ids


def _hash_ranges(store: HashReader, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """MTH of each leaf range, from one batched read of the perfect subtrees they need."""
    plans = [subtree_nodes(start, end) for start, end in ranges]
    wanted = list(dict.fromkeys(node for plan in plans for node in plan))
    known = dict(zip(wanted, store.nodes(wanted), strict=True))
    hashes = []
    for plan in plans:
        # A range that is not a power of two splits into its first perfect subtree and the
        # rest (the RFC's split rule), so its hash folds from the right.
        current = known[plan[-1]]
        for node in reversed(plan[:-1]):
            current = node_hash(known[node], current)
        hashes.append(current)
    return hashes


def _require_size(store: HashReader, size: int) -> None:
    held = store.size()
    if size > held:
        raise ProofRequestError(f"tree size {size} is larger than the log ({held} entries)")


def root_hash(store: HashReader, size: int) -> bytes:
    """MTH of the first ``size`` leaves."""
    if size < 0:
        raise ProofRequestError("a tree size cannot be negative")
    _require_size(store, size)
    if size == 0:
        return EMPTY_ROOT
    return _hash_ranges(store, [(0, size)])[0]


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[0:size]) of RFC 9162 2.1.3.1, as leaf ranges, deepest sibling first."""
    siblings = []
    low, high = 0, size
    while high - low > 1:
        mid = low + split_point(high - low)
        if index < mid:
            siblings.append((mid, high))
            high = mid
        else:
            siblings.append((low, mid))
            low = mid
    siblings.reverse()
    return siblings


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """PROOF(size1, D[0:size2]) of RFC 9162 2.1.4.1, as leaf ranges, in proof order."""
    items = []
    low, high = 0, size2
    # ``whole`` is the RFC's flag b: true while the subtree is one the first tree has in full.
    whole = True
    while size1 - low != high - low:
        mid = low + split_point(high - low)
        if size1 <= mid:
            items.append((mid, high))
            high = mid
        else:
            items.append((low, mid))
            low = mid
            whole = False
    if not whole:
        items.append((low, high))
    items.reverse()
    return items


def inclusion_proof(store: HashReader, index: int, size: int) -> list[bytes]:
    """The audit path proving leaf ``index`` is in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofRequestError(f"entry {index} is not in a tree of {size} entries")
    _require_size(store, size)
    return _hash_ranges(store, inclusion_ranges(index, size))


def consistency_proof(store: HashReader, size1: int, size2: int) -> list[bytes]:
    """The proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2``.

    Empty when there is nothing to prove: equal sizes, or an empty first tree.
    """
    if not 0 <= size1 <= size2:
        raise ProofRequestError(
            f"no consistency proof from size {size1} to size {size2}: sizes out of order"
        )
    _require_size(store, size2)
    if size1 in (0, size2):
        return []
    return _hash_ranges(store, consistency_ranges(size1, size2))


# -- verification: RFC 9162 sections 2.1.3.2 and 2.1.4.2, step by step ----------------------


def _check_hashes(*hashes: bytes, what: str) -> None:
    for value in hashes:
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root hash an inclusion proof leads to (RFC 9162 2.1.3.2 steps 1 to 4)."""
    _check_hashes(leaf, what="the leaf hash")
    _check_hashes(*proof, what="an inclusion proof element")
    # 1. The index must be inside the tree.
    if not 0 <= index < size:
        raise ProofError(f"entry {index} cannot be in a tree of {size} entries")
    # 2.-3.
    fn, sn = index, size - 1
    r = leaf
    # 4.
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # 5. (first half) every level up to the root must have been consumed.
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows ``leaf`` at ``index`` in the tree ``root``."""
    _check_hashes(root, what="the root hash")
    # 5. (second half)
    if root_from_inclusion_proof(leaf, index, size, proof) != root:
        raise ProofError(f"the inclusion proof for entry {index} leads to a different root hash")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ``ProofError`` unless the tree (size1, root1) is a prefix of (size2, root2)."""
    _check_hashes(root1, root2, what="a root hash")
    _check_hashes(*proof, what="a consistency proof element")
    if not 0 <= size1 <= size2:
        raise ProofError(f"a tree of {size2} entries cannot extend one of {size1}")
    # Outside the RFC algorithm, which assumes 0 < first < second: the cases with nothing
    # to prove still need an empty proof and roots that agree.
    if size1 == size2:
        if proof:
            raise ProofError("trees of the same size need an empty consistency proof")
        if root1 != root2:
            raise ProofError(f"two different root hashes for the same tree size {size1}")
        return
    if size1 == 0:
        if proof:
            raise ProofError("consistency with the empty tree needs an empty proof")
        if root1 != EMPTY_ROOT:
            raise ProofError("the root hash of an empty tree must be SHA-256 of nothing")
        return
    # 1.
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    # 2.
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    # 3.
    fn, sn = size1 - 1, size2 - 1
    # 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5.
    fr = sr = path[0]
    # 6.
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the trees need")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7.
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the trees need")
    if fr != root1:
        raise ProofError(f"the consistency proof does not lead to the root of tree size {size1}")
    if sr != root2:
        raise ProofError(f"the consistency proof does not lead to the root of tree size {size2}")

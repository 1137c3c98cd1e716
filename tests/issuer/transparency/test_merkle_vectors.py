"""The Merkle tree against the test vectors published with the Certificate Transparency
reference implementation in Go (github.com/transparency-dev/merkle, the successor of
google/certificate-transparency-go's merkle package; Apache-2.0).

Sources of the values copied below:
* rfc6962/rfc6962_test.go (TestRFC6962Hasher): empty root, leaf and node hashes;
* testonly/constants.go: LeafInputs, NodeHashes and RootHashes of the 8-leaf tree;
* proof/verify_test.go: inclusionProofs, consistencyProofs (hash lists);
* proof/proof_test.go (TestInclusion, TestConsistency): which nodes each proof is made
  of for trees of up to 8 leaves, resolved here against NodeHashes.
"""

from __future__ import annotations

import pytest

from issuer.transparency.errors import ProofError, ProofRequestError
from issuer.transparency.merkle import (
    EMPTY_ROOT,
    MemoryHashStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)


def dh(text: str) -> bytes:
    return bytes.fromhex(text)


# testonly/constants.go: LeafInputs()
LEAF_INPUTS = [
    dh(""),
    dh("00"),
    dh("10"),
    dh("2021"),
    dh("3031"),
    dh("40414243"),
    dh("5051525354555657"),
    dh("606162636465666768696a6b6c6d6e6f"),
]

# testonly/constants.go: NodeHashes(), indexed [level][index].
NODE_HASHES = [
    [
        dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        dh("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        dh("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        dh("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        dh("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        dh("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        dh("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        dh("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        dh("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        dh("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        dh("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]

# testonly/constants.go: RootHashes(), indexed by tree size 0..8.
ROOT_HASHES = [
    dh("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    dh("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    dh("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    dh("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    dh("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    dh("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    dh("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# proof/verify_test.go: inclusionProofs as (1-based leaf, tree size, proof), and
# consistencyProofs as (size1, size2, proof).
INCLUSION_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            dh("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            dh("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (3, 3, [dh("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        2,
        5,
        [
            dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

CONSISTENCY_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            dh("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            dh("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            dh("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            dh("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            dh("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            dh("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            dh("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            dh("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            dh("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]


def n(level: int, index: int) -> bytes:
    return NODE_HASHES[level][index]


# proof/proof_test.go names the nodes of each proof. In the 7-leaf tree the right half
# (leaves 4-6) is not a complete subtree; the reference "rehashes" its two stored parts,
# i = (1, 2) and j = (0, 6), into the one proof element hash(i, j).
L7 = node_hash(n(1, 2), n(0, 6))

# proof/proof_test.go TestInclusion, the cases with trees of at most 8 leaves:
# (tree size, 0-based index, proof).
INCLUSION_NODES = [
    (1, 0, []),
    (2, 0, [n(0, 1)]),
    (2, 1, [n(0, 0)]),
    (3, 1, [n(0, 0), n(0, 2)]),
    (7, 0, [n(0, 1), n(1, 1), L7]),
    (7, 1, [n(0, 0), n(1, 1), L7]),
    (7, 2, [n(0, 3), n(1, 0), L7]),
    (7, 3, [n(0, 2), n(1, 0), L7]),
    (7, 4, [n(0, 5), n(0, 6), n(2, 0)]),
    (7, 5, [n(0, 4), n(0, 6), n(2, 0)]),
    (7, 6, [n(1, 2), n(2, 0)]),
    (4, 2, [n(0, 3), n(1, 0)]),
    (5, 3, [n(0, 2), n(1, 0), n(0, 4)]),
    (6, 3, [n(0, 2), n(1, 0), n(1, 2)]),
    (6, 4, [n(0, 5), n(2, 0)]),
]

# proof/proof_test.go TestConsistency, the cases with trees of at most 8 leaves:
# (size1, size2, proof).
CONSISTENCY_NODES = [
    (1, 2, [n(0, 1)]),
    (1, 4, [n(0, 1), n(1, 1)]),
    (1, 6, [n(0, 1), n(1, 1), n(1, 2)]),
    (2, 3, [n(0, 2)]),
    (2, 8, [n(1, 1), n(2, 1)]),
    (3, 7, [n(0, 2), n(0, 3), n(1, 0), L7]),
    (4, 7, [L7]),
    (5, 7, [n(0, 4), n(0, 5), n(0, 6), n(2, 0)]),
    (6, 7, [n(1, 2), n(0, 6), n(2, 0)]),
    (7, 8, [n(0, 6), n(0, 7), n(1, 2), n(2, 0)]),
    (1, 1, []),
    (2, 2, []),
    (3, 3, []),
    (4, 4, []),
    (5, 5, []),
    (7, 7, []),
    (8, 8, []),
    (2, 4, [n(1, 1)]),
    (3, 5, [n(0, 2), n(0, 3), n(1, 0), n(0, 4)]),
    (3, 6, [n(0, 2), n(0, 3), n(1, 0), n(1, 2)]),
    (4, 6, [n(1, 2)]),
    (1, 7, [n(0, 1), n(1, 1), L7]),
]

# proof/verify_test.go: sha256SomeHash, a hash that belongs to no tree.
SOME_HASH = dh("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.fixture(scope="module")
def store() -> MemoryHashStore:
    tree = MemoryHashStore()
    for entry in LEAF_INPUTS:
        tree.append(entry)
    return tree


def test_hashes_match_the_rfc6962_hasher_vectors() -> None:
    empty_string_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert EMPTY_ROOT.hex() == empty_string_sha256
    assert leaf_hash(b"") == dh("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456") == dh(
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456") == dh(
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_appending_stores_every_complete_subtree(store: MemoryHashStore) -> None:
    for level, row in enumerate(NODE_HASHES):
        ids = [(level, index) for index in range(len(row))]
        assert store.nodes(ids) == row


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_size_up_to_8(store: MemoryHashStore, size: int) -> None:
    assert root_hash(store, size) == ROOT_HASHES[size]


def test_root_grows_with_the_log() -> None:
    tree = MemoryHashStore()
    assert root_hash(tree, 0) == ROOT_HASHES[0]
    for size, entry in enumerate(LEAF_INPUTS, start=1):
        tree.append(entry)
        assert root_hash(tree, size) == ROOT_HASHES[size]


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION_PROOFS)
def test_inclusion_proof_vectors(
    store: MemoryHashStore, leaf: int, size: int, proof: list[bytes]
) -> None:
    index = leaf - 1
    assert inclusion_proof(store, index, size) == proof
    verify_inclusion(leaf_hash(LEAF_INPUTS[index]), index, size, proof, ROOT_HASHES[size])


@pytest.mark.parametrize(("size", "index", "proof"), INCLUSION_NODES)
def test_inclusion_proof_nodes(
    store: MemoryHashStore, size: int, index: int, proof: list[bytes]
) -> None:
    assert inclusion_proof(store, index, size) == proof
    verify_inclusion(leaf_hash(LEAF_INPUTS[index]), index, size, proof, ROOT_HASHES[size])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY_PROOFS + CONSISTENCY_NODES)
def test_consistency_proof_vectors(
    store: MemoryHashStore, size1: int, size2: int, proof: list[bytes]
) -> None:
    assert consistency_proof(store, size1, size2) == proof
    verify_consistency(size1, size2, ROOT_HASHES[size1], ROOT_HASHES[size2], proof)


def test_every_proof_in_the_8_leaf_tree_verifies(store: MemoryHashStore) -> None:
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(store, index, size)
            verify_inclusion(leaf_hash(LEAF_INPUTS[index]), index, size, proof, ROOT_HASHES[size])
    for size2 in range(9):
        for size1 in range(size2 + 1):
            proof = consistency_proof(store, size1, size2)
            verify_consistency(size1, size2, ROOT_HASHES[size1], ROOT_HASHES[size2], proof)


# -- altered inputs must fail (the kinds of corruption the reference probes) ------------------


def flipped(value: bytes, bit: int = 3) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def inclusion_corruptions(
    index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes
) -> list[tuple[str, int, int, bytes, list[bytes], bytes]]:
    cases = [
        ("index - 1", index - 1, size, leaf, proof, root),
        ("index + 1", index + 1, size, leaf, proof, root),
        ("index ^ 2", index ^ 2, size, leaf, proof, root),
        ("size * 2", index, size * 2, leaf, proof, root),
        ("size // 2", index, size // 2, leaf, proof, root),
        ("another leaf", index, size, leaf_hash(b"another"), proof, root),
        ("empty-tree root", index, size, leaf, proof, EMPTY_ROOT),
        ("unrelated root", index, size, leaf, proof, SOME_HASH),
        ("short root", index, size, leaf, proof, root[:31]),
        ("short leaf", index, size, leaf[:31], proof, root),
        ("empty element appended", index, size, leaf, [*proof, b""], root),
        ("root appended", index, size, leaf, [*proof, root], root),
        ("empty element prepended", index, size, leaf, [b"", *proof], root),
        ("root prepended", index, size, leaf, [root, *proof], root),
    ]
    for position in range(len(proof)):
        altered = list(proof)
        altered[position] = flipped(altered[position])
        cases.append((f"bit flipped in element {position}", index, size, leaf, altered, root))
    if proof:
        cases.append(("last element removed", index, size, leaf, proof[:-1], root))
    if len(proof) > 1:
        inserted = [proof[0], SOME_HASH, *proof[1:]]
        cases.append(("element inserted", index, size, leaf, inserted, root))
    return cases


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION_PROOFS)
def test_altered_inclusion_proofs_fail(leaf: int, size: int, proof: list[bytes]) -> None:
    index = leaf - 1
    good_leaf = leaf_hash(LEAF_INPUTS[index])
    for name, i, s, lh, p, root in inclusion_corruptions(
        index, size, good_leaf, proof, ROOT_HASHES[size]
    ):
        with pytest.raises(ProofError):
            verify_inclusion(lh, i, s, p, root)
            pytest.fail(f"accepted: {name}")


def consistency_corruptions(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> list[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    cases = [
        ("size1 - 1", size1 - 1, size2, root1, root2, proof),
        ("size1 + 1", size1 + 1, size2, root1, root2, proof),
        ("size1 ^ 2", size1 ^ 2, size2, root1, root2, proof),
        ("size2 * 2", size1, size2 * 2, root1, root2, proof),
        ("size2 // 2", size1, size2 // 2, root1, root2, proof),
        ("another root1", size1, size2, SOME_HASH, root2, proof),
        ("another root2", size1, size2, root1, SOME_HASH, proof),
        ("roots swapped", size1, size2, root2, root1, proof),
        ("empty proof", size1, size2, root1, root2, []),
        ("empty element appended", size1, size2, root1, root2, [*proof, b""]),
        ("root1 appended", size1, size2, root1, root2, [*proof, root1]),
        ("root2 appended", size1, size2, root1, root2, [*proof, root2]),
        ("empty element prepended", size1, size2, root1, root2, [b"", *proof]),
        ("root1 prepended", size1, size2, root1, root2, [root1, *proof]),
        ("root2 prepended", size1, size2, root1, root2, [root2, *proof]),
        ("first element repeated", size1, size2, root1, root2, [proof[0], *proof]),
        ("last element removed", size1, size2, root1, root2, proof[:-1]),
    ]
    for position in range(len(proof)):
        altered = list(proof)
        altered[position] = flipped(altered[position], bit=4)
        cases.append((f"bit flipped in element {position}", size1, size2, root1, root2, altered))
    return cases


NON_TRIVIAL_CONSISTENCY = [case for case in CONSISTENCY_PROOFS + CONSISTENCY_NODES if case[2]]


@pytest.mark.parametrize(("size1", "size2", "proof"), NON_TRIVIAL_CONSISTENCY)
def test_altered_consistency_proofs_fail(size1: int, size2: int, proof: list[bytes]) -> None:
    for name, s1, s2, r1, r2, p in consistency_corruptions(
        size1, size2, ROOT_HASHES[size1], ROOT_HASHES[size2], proof
    ):
        with pytest.raises(ProofError):
            verify_consistency(s1, s2, r1, r2, p)
            pytest.fail(f"accepted: {name}")


def test_single_entry_tree_needs_its_own_leaf_as_root() -> None:
    leaf = leaf_hash(b"data")
    verify_inclusion(leaf, 0, 1, [], leaf)
    for other_leaf, root in ((b"", leaf), (leaf, b""), (b"", b"")):
        with pytest.raises(ProofError):
            verify_inclusion(other_leaf, 0, 1, [], root)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (-1, 4)])
def test_inclusion_outside_the_tree_fails(index: int, size: int) -> None:
    with pytest.raises(ProofError, match="cannot be in a tree"):
        verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


def test_consistency_cases_with_nothing_to_prove() -> None:
    # Equal sizes and an empty first tree are consistent only with an empty proof and
    # roots that agree.
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, ROOT_HASHES[5], [])
    verify_consistency(3, 3, ROOT_HASHES[3], ROOT_HASHES[3], [])
    failing = [
        (0, 0, EMPTY_ROOT, SOME_HASH, []),
        (3, 3, ROOT_HASHES[3], ROOT_HASHES[4], []),
        (3, 3, ROOT_HASHES[3], ROOT_HASHES[3], [EMPTY_ROOT]),
        (0, 5, SOME_HASH, ROOT_HASHES[5], []),
        (0, 5, EMPTY_ROOT, ROOT_HASHES[5], [EMPTY_ROOT]),
        (1, 0, ROOT_HASHES[1], EMPTY_ROOT, []),
        (5, 4, ROOT_HASHES[5], ROOT_HASHES[4], [EMPTY_ROOT]),
        (1, 2, ROOT_HASHES[1], ROOT_HASHES[2], []),
    ]
    for size1, size2, root1, root2, proof in failing:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, root1, root2, proof)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (8, 8), (3, 2), (-1, 5), (0, 9)], ids=str)
def test_inclusion_proof_requests_outside_the_log_are_refused(
    store: MemoryHashStore, index: int, size: int
) -> None:
    with pytest.raises(ProofRequestError):
        inclusion_proof(store, index, size)


@pytest.mark.parametrize(("size1", "size2"), [(5, 4), (-1, 3), (2, 9), (9, 9)], ids=str)
def test_consistency_proof_requests_outside_the_log_are_refused(
    store: MemoryHashStore, size1: int, size2: int
) -> None:
    with pytest.raises(ProofRequestError):
        consistency_proof(store, size1, size2)


def test_root_beyond_the_log_is_refused(store: MemoryHashStore) -> None:
    with pytest.raises(ProofRequestError, match="larger than the log"):
        root_hash(store, 9)


def test_proofs_of_the_wrong_length_say_so() -> None:
    # Each check of the RFC algorithms is its own failure, so a report can say which one.
    index, size, proof = 5, 8, INCLUSION_PROOFS[2][2]
    leaf = leaf_hash(LEAF_INPUTS[index])
    with pytest.raises(ProofError, match="longer than the path"):
        verify_inclusion(leaf, index, size, [*proof, SOME_HASH], ROOT_HASHES[size])
    with pytest.raises(ProofError, match="shorter than the path"):
        verify_inclusion(leaf, index, size, proof[:-1], ROOT_HASHES[size])
    size1, size2, proof = CONSISTENCY_PROOFS[2]
    with pytest.raises(ProofError, match="longer than the trees need"):
        verify_consistency(
            size1, size2, ROOT_HASHES[size1], ROOT_HASHES[size2], [*proof, SOME_HASH]
        )
    with pytest.raises(ProofError, match="shorter than the trees need"):
        verify_consistency(size1, size2, ROOT_HASHES[size1], ROOT_HASHES[size2], proof[:-1])
    with pytest.raises(ProofError, match="root of tree size 6"):
        verify_consistency(size1, size2, SOME_HASH, ROOT_HASHES[size2], proof)

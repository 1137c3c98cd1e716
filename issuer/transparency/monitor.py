"""A log monitor: checks each new signed tree head against the last one it trusted.

The monitor pins the log's public key on first use, verifies every head's signature,
checks that each head extends the last (a consistency proof, or equal roots at equal
sizes), and recomputes the root itself from the entries it has not seen yet. It keeps only
the compact range of the tree (one hash per set bit of the size), so a check costs the new
entries and log2(n) hashes. The network is a ``fetch(path, params)`` callable passed in.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from issuer.transparency import merkle
from issuer.transparency.entries import decode_entry
from issuer.transparency.errors import (
    BadTreeHeadSignature,
    LogError,
    MalformedEntry,
    MalformedTreeHead,
    ProofError,
)
from issuer.transparency.tree_head import SignedTreeHead, TreeHead

STH_PATH = "/api/v1/log/sth"
KEY_PATH = "/.well-known/shangpin/log-key.json"
ENTRIES_PATH = "/api/v1/log/entries"
CONSISTENCY_PATH = "/api/v1/log/proof/consistency"
STATE_VERSION = 1

Fetch = Callable[[str, Mapping[str, int]], Any]


class MonitorAlarm(LogError):
    """The log misbehaved: ``kind`` says how (forked, rewritten, bad_signature, key_changed,
    malformed); the message is the report."""

    def __init__(self, kind: str, message: str, evidence: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.evidence = evidence or {}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise MonitorAlarm("malformed", f"the log sent {what} that is not a string")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MonitorAlarm("malformed", f"the log sent {what} that is not base64url") from None


@dataclass
class CompactRange:
    """The perfect subtrees covering leaves [0, size), largest first: enough to extend."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        self.hashes.append(leaf)
        # Each trailing one bit of the old size is a subtree the new leaf completes.
        size = self.size
        while size & 1:
            right = self.hashes.pop()
            self.hashes[-1] = merkle.node_hash(self.hashes[-1], right)
            size >>= 1
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return merkle.EMPTY_ROOT
        current = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            current = merkle.node_hash(left, current)
        return current


@dataclass
class MonitorState:
    """What the monitor trusts: the pinned key and the last head it verified."""

    url: str
    kid: str
    public_key: bytes
    head: TreeHead
    tree: CompactRange

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "url": self.url,
            "kid": self.kid,
            "public_key": b64url(self.public_key),
            "tree_size": self.head.size,
            "root_hash": b64url(self.head.root_hash),
            "timestamp_ms": self.head.timestamp_ms,
            "compact_range": [b64url(h) for h in self.tree.hashes],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MonitorState:
        try:
            if data["version"] != STATE_VERSION:
                raise ValueError("unknown state version")
            head = TreeHead(int(data["tree_size"]), unb64url(data["root_hash"], "a root"),
                            int(data["timestamp_ms"]))
            tree = CompactRange(head.size,
                                [unb64url(h, "a hash") for h in data["compact_range"]])
            if len(tree.hashes) != head.size.bit_count() or tree.root() != head.root_hash:
                raise ValueError("the compact range does not match the root")
            return cls(str(data["url"]), str(data["kid"]),
                       unb64url(data["public_key"], "a key"), head, tree)
        except (KeyError, TypeError, ValueError, MalformedTreeHead, MonitorAlarm) as exc:
            raise LogError(f"the monitor state file is damaged: {exc}") from None


@dataclass(frozen=True)
class Report:
    """A check that passed: the head now trusted and how many new entries were read."""

    state: MonitorState
    previous_size: int | None
    new_entries: int


def _head(document: Any) -> tuple[SignedTreeHead, str, bytes]:
    if not isinstance(document, Mapping):
        raise MonitorAlarm("malformed", "the tree head is not a JSON object")
    try:
        head = TreeHead(int(document["tree_size"]), unb64url(document["root_hash"], "a root"),
                        int(document["timestamp_ms"]))
        signed = SignedTreeHead(head, unb64url(document["signature"], "a signature"))
        return signed, str(document["kid"]), unb64url(document["public_key"], "a key")
    except (KeyError, TypeError, ValueError, MalformedTreeHead) as exc:
        raise MonitorAlarm("malformed", f"the tree head is malformed: {exc}") from None


def _describe(head: TreeHead) -> dict[str, Any]:
    return {"tree_size": head.size, "root_hash": b64url(head.root_hash),
            "time": head.time.isoformat()}


def _read_entries(fetch: Fetch, tree: CompactRange, end: int) -> int:
    """Fold entries [tree.size, end) into ``tree``, checking each one; returns how many."""
    read = 0
    while tree.size < end:
        page = fetch(ENTRIES_PATH, {"start": tree.size, "end": end - 1})
        items = page.get("entries") if isinstance(page, Mapping) else None
        if not isinstance(items, list) or not items:
            raise MonitorAlarm("malformed", f"the log sent no entries from index {tree.size}")
        for item in items:
            if not isinstance(item, Mapping) or item.get("index") != tree.size:
                raise MonitorAlarm("malformed", f"the log sent entries out of order at "
                                                f"index {tree.size}")
            data = unb64url(item.get("entry"), "an entry")
            try:
                decode_entry(data)
            except MalformedEntry as exc:
                raise MonitorAlarm("malformed", f"entry {tree.size} is malformed: {exc}",
                                   {"index": tree.size}) from None
            leaf = merkle.leaf_hash(data)
            if unb64url(item.get("leaf_hash"), "a leaf hash") != leaf:
                raise MonitorAlarm("rewritten", f"entry {tree.size}'s leaf hash does not "
                                                "match its bytes", {"index": tree.size})
            tree.append(leaf)
            read += 1
            if tree.size == end:
                break
    return read


def check(fetch: Fetch, url: str, state: MonitorState | None) -> Report:
    """Check the log's current head against ``state``; raises ``MonitorAlarm`` on misbehaviour."""
    key_document = fetch(KEY_PATH, {})
    pinned = state.public_key if state else unb64url(
        key_document.get("x") if isinstance(key_document, Mapping) else None, "a public key")
    signed, kid, published_key = _head(fetch(STH_PATH, {}))
    served_key = unb64url(key_document.get("x"), "a public key")
    if served_key != pinned or published_key != pinned:
        raise MonitorAlarm("key_changed", "the log now publishes a different public key than "
                                          "the one pinned on first use",
                           {"pinned": b64url(pinned), "served": b64url(served_key)})
    try:
        head = signed.verify(pinned)
    except BadTreeHeadSignature as exc:
        raise MonitorAlarm("bad_signature", str(exc), {"head": _describe(signed.head)}) from None
    tree = CompactRange(state.tree.size, list(state.tree.hashes)) if state else CompactRange()
    if state is not None:
        old = state.head
        evidence = {"trusted": _describe(old), "served": _describe(head)}
        if head.size < old.size:
            raise MonitorAlarm("rewritten", f"the log shrank from {old.size} to {head.size} "
                                            "entries", evidence)
        if head.size == old.size and head.root_hash != old.root_hash:
            raise MonitorAlarm("forked", f"two validly signed heads of size {head.size} have "
                                         "different roots: the log forked or was rewritten",
                               evidence)
        if head.size > old.size:
            answer = fetch(CONSISTENCY_PATH, {"first": old.size, "second": head.size})
            hashes = answer.get("proof") if isinstance(answer, Mapping) else None
            if not isinstance(hashes, list):
                raise MonitorAlarm("malformed", "the consistency proof is malformed", evidence)
            proof = [unb64url(h, "a proof hash") for h in hashes]
            try:
                merkle.verify_consistency(old.size, head.size, old.root_hash, head.root_hash,
                                          proof)
            except ProofError as exc:
                raise MonitorAlarm("rewritten", f"the head of size {head.size} does not extend "
                                                f"the trusted head of size {old.size}: {exc}",
                                   evidence) from None
    read = _read_entries(fetch, tree, head.size)
    if tree.root() != head.root_hash:
        raise MonitorAlarm("rewritten", f"the entries do not add up to the signed root of "
                                        f"size {head.size}: they were changed after signing",
                           {"served": _describe(head), "computed_root": b64url(tree.root())})
    return Report(MonitorState(url, kid, pinned, head, tree),
                  state.head.size if state else None, read)

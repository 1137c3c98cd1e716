"""``/api/v1/log``: the transparency log's signed tree head, entries and proofs.

Entries and proofs about a fixed tree size never change once they exist, so they are
served with a long immutable cache lifetime and an ETag; the latest head is revalidated.
Hashes, signatures and entry bytes travel as unpadded base64url, like the JWKS.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from issuer.transparency import log
from issuer.transparency.entries import CertificateStatusEntry, decode_entry
from issuer.transparency.errors import LogError
from issuer.transparency.merkle import HASH_SIZE
from storage.models import LogEntryRecord
from verifier.api import cors
from verifier.api.responses import conditional, dumps, invalid_input, not_found
from verifier.keys import ENGINE

PREFIX = "/api/v1/log"
KEY_PATH = "/.well-known/shangpin/log-key.json"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
KEY_CACHE = "public, max-age=3600"
#: Sizes and indices beyond this are refused outright (far beyond any real log).
MAX_NUMBER = 2**53 - 1
_DIGITS = re.compile(r"[0-9]{1,16}")
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")
_B64URL_HASH = re.compile(r"[A-Za-z0-9_-]{43}")
T = TypeVar("T")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class BadParameter(Exception):
    """A query parameter cannot be used; answered as a 400 naming it."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _number(request: web.Request, name: str, *, required: bool = True) -> int | None:
    text = request.query.get(name)
    if text is None or text == "":
        if required:
            raise BadParameter(name, "is required")
        return None
    if not _DIGITS.fullmatch(text) or int(text) > MAX_NUMBER:
        raise BadParameter(name, f"must be a whole number from 0 to {MAX_NUMBER}")
    return int(text)


def _leaf_hash(text: str) -> bytes:
    """A leaf hash given as 64 hex digits or 43 characters of unpadded base64url."""
    if _HEX_HASH.fullmatch(text):
        return bytes.fromhex(text)
    if _B64URL_HASH.fullmatch(text):
        try:
            value = base64.urlsafe_b64decode(text + "=")
        except (binascii.Error, ValueError):
            value = b""
        if len(value) == HASH_SIZE and b64url(value) == text:
            return value
    raise BadParameter("leaf_hash", "must be 32 bytes as 64 hex digits or unpadded base64url")


async def _read(request: web.Request, work: Callable[..., T], *args: Any) -> T:
    engine: Engine = request.app[ENGINE]

    def run() -> T:
        with Session(engine) as session:
            return work(session, *args)

    return await asyncio.get_running_loop().run_in_executor(None, run)


def _size_within(session: Session, name: str, size: int) -> None:
    held = log.tree_size(session)
    if size > held:
        raise BadParameter(name, f"is larger than the log ({held} entries)")


# -- the signed tree head and the log key ---------------------------------------------------


def _head(session: Session) -> dict[str, Any] | None:
    latest = log.latest_head(session)
    if latest is None:
        return None
    head = latest.signed.head
    return {
        "tree_size": head.size,
        "timestamp_ms": head.timestamp_ms,
        "time": head.time.isoformat().replace("+00:00", "Z"),
        "root_hash": b64url(head.root_hash),
        "signature": b64url(latest.signed.signature),
        "kid": latest.kid,
        "public_key": b64url(latest.public_key),
    }


async def signed_tree_head(request: web.Request) -> web.Response:
    head = await _read(request, _head)
    if head is None:
        return not_found(request, "the log has no signed tree head yet")
    return conditional(request, dumps(head), REVALIDATE)


def _key(session: Session) -> dict[str, Any] | None:
    key = log.log_key(session)
    if key is None:
        return None
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(key.public_key), "kid": key.kid,
            "use": "sig", "alg": "EdDSA"}


async def log_key(request: web.Request) -> web.Response:
    key = await _read(request, _key)
    if key is None:
        return not_found(request, "the log has no key yet: it is made with the first tree head")
    return conditional(request, dumps(key), KEY_CACHE)


# -- entries ---------------------------------------------------------------------------------


def entry_json(record: LogEntryRecord) -> dict[str, Any]:
    entry = decode_entry(record.entry)
    if isinstance(entry, CertificateStatusEntry):
        fields: dict[str, Any] = {
            "certificate_number": entry.certificate_number,
            "from": entry.from_state.value if entry.from_state else None,
            "to": entry.to_state.value,
            "reason": entry.reason,
            "actor": entry.actor,
        }
        kind = "certificate_status"
    else:
        fields = {"kid": entry.kid, "state": entry.state.value}
        kind = "signing_key"
    return {
        "index": record.leaf_index,
        "leaf_hash": b64url(record.leaf_hash),
        "entry": b64url(record.entry),
        "type": kind,
        "time": entry.time.isoformat().replace("+00:00", "Z"),
        **fields,
    }


def _entries(session: Session, start: int, end: int) -> tuple[list[dict[str, Any]], bool]:
    held = log.tree_size(session)
    if start >= held:
        raise BadParameter("start", f"is beyond the end of the log ({held} entries)")
    records = log.entries(session, start, end)
    return [entry_json(r) for r in records], end < held


async def entries(request: web.Request) -> web.Response:
    try:
        start = _number(request, "start")
        end = _number(request, "end")
        assert start is not None and end is not None
        if end < start:
            raise BadParameter("end", "must not be smaller than start")
        found, complete = await _read(request, _entries, start, end)
    except BadParameter as exc:
        return invalid_input(exc.name, exc.reason)
    # The range as asked is fixed once every index in it exists; until then it may grow.
    return conditional(request, dumps({"entries": found}), IMMUTABLE if complete else REVALIDATE)


# -- proofs ----------------------------------------------------------------------------------


def _inclusion(session: Session, index: int | None, leaf: bytes | None,
               size: int) -> dict[str, Any] | None:
    _size_within(session, "tree_size", size)
    if index is None:
        assert leaf is not None
        index = log.index_of(session, leaf)
        if index is None:
            return None
        if index >= size:
            raise BadParameter("tree_size", f"the entry is at index {index}, not in a tree of "
                                            f"{size} entries")
    elif index >= size:
        raise BadParameter("index", f"is not in a tree of {size} entries")
    if leaf is None:
        records = log.entries(session, index, index)
        leaf = records[0].leaf_hash
    proof = log.inclusion_proof(session, index, size)
    return {"index": index, "tree_size": size, "leaf_hash": b64url(leaf),
            "audit_path": [b64url(h) for h in proof]}


async def inclusion_proof(request: web.Request) -> web.Response:
    try:
        size = _number(request, "tree_size")
        index = _number(request, "index", required=False)
        text = request.query.get("leaf_hash") or None
        if (index is None) == (text is None):
            raise BadParameter("index", "give exactly one of index and leaf_hash")
        leaf = _leaf_hash(text) if text is not None else None
        assert size is not None
        if size == 0:
            raise BadParameter("tree_size", "an empty tree contains no entry")
        proof = await _read(request, _inclusion, index, leaf, size)
    except BadParameter as exc:
        return invalid_input(exc.name, exc.reason)
    if proof is None:
        return not_found(request, "no entry in the log has that leaf hash")
    return conditional(request, dumps(proof), IMMUTABLE)


def _consistency(session: Session, first: int, second: int) -> dict[str, Any]:
    _size_within(session, "second", second)
    proof = log.consistency_proof(session, first, second)
    return {"first": first, "second": second, "proof": [b64url(h) for h in proof]}


async def consistency_proof(request: web.Request) -> web.Response:
    try:
        first = _number(request, "first")
        second = _number(request, "second")
        assert first is not None and second is not None
        if first > second:
            raise BadParameter("first", "must not be larger than second")
        proof = await _read(request, _consistency, first, second)
    except BadParameter as exc:
        return invalid_input(exc.name, exc.reason)
    except LogError as exc:  # pragma: no cover - the checks above leave nothing unprovable
        return invalid_input("second", str(exc))
    return conditional(request, dumps(proof), IMMUTABLE)


def setup(app: web.Application) -> None:
    """Register the log's routes; every one is a read any origin may make."""
    cors.open_get(app, PREFIX + "/sth", signed_tree_head, name="api.log_sth")
    cors.open_get(app, PREFIX + "/entries", entries, name="api.log_entries")
    cors.open_get(app, PREFIX + "/proof/inclusion", inclusion_proof,
                  name="api.log_inclusion")
    cors.open_get(app, PREFIX + "/proof/consistency", consistency_proof,
                  name="api.log_consistency")
    cors.open_get(app, KEY_PATH, log_key, name="api.log_key")

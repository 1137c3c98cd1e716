"""The signed status list format: make one, and check one against a JWKS. Pure.

A status list lets an offline verifier answer "does this certificate still stand?"
without a call per scan. The document is::

    {"payload": b64url(P), "kid": "...", "alg": "EdDSA", "signature": b64url(S)}

where P is canonical JSON (UTF-8, sorted keys, no spaces) of
``{"v", "kid", "issued_at", "next_update", "date", "statuses": {number: status},
"tree_head"}`` and S = Ed25519(CONTEXT || P) with the key ``kid`` of the published JWKS.
``tree_head`` is the transparency log's newest signed tree head when the list was made
(``{"tree_size", "timestamp_ms", "root_hash", "signature", "kid"}``, ``kid`` naming the
log key), or null before the log has one. The context prefix keeps a status-list
signature from ever passing as a mark signature (which uses ``shangpin/mark/v1\\0``)
or the other way round. docs/api.md describes it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from issuer import ed25519
from issuer.bundle import BundleError, tree_head_from_json, tree_head_json
from issuer.errors import InvalidInput
from issuer.keys import from_jwks
from issuer.payload import make_kid
from issuer.status import PublicStatus
from issuer.transparency.errors import LogError
from issuer.transparency.tree_head import SignedTreeHead
from storage.enums import KeyState

CONTEXT = b"shangpin/status-list/v1\x00"
VERSION = 1
ALG = "EdDSA"
LIFETIME = dt.timedelta(hours=1)
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class StatusListError(ValueError):
    """The document is not a status list signed by a usable published key."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Strict: unpadded base64url only (RFC 7515 §2), so one document has one spelling."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise StatusListError("not unpadded base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def make_payload(statuses: Mapping[str, str], *, kid: str, issued_at: dt.datetime,
                 on: dt.date, tree_head: SignedTreeHead | None = None,
                 log_key: bytes | None = None) -> bytes:
    """The signed bytes for ``statuses`` (certificate number -> public status) on ``on``,
    naming the log's tree head ``tree_head`` they reflect (signed by ``log_key``)."""
    if (tree_head is None) != (log_key is None):
        raise ValueError("a tree head is named with the log key that signed it")
    issued_at = issued_at.astimezone(dt.UTC).replace(microsecond=0)
    return canonical({
        "v": VERSION,
        "kid": kid,
        "issued_at": _timestamp(issued_at),
        "next_update": _timestamp(issued_at + LIFETIME),
        "date": on.isoformat(),
        "statuses": dict(statuses),
        "tree_head": (None if tree_head is None or log_key is None
                      else tree_head_json(tree_head, make_kid(log_key))),
    })


def sign(payload: bytes, kid: str, signer: ed25519.Signer) -> dict[str, str]:
    return {
        "payload": b64url(payload),
        "kid": kid,
        "alg": ALG,
        "signature": b64url(signer.sign(CONTEXT + payload)),
    }


@dataclass(frozen=True)
class StatusList:
    """A verified status list."""

    kid: str
    issued_at: dt.datetime
    next_update: dt.datetime
    date: dt.date
    statuses: Mapping[str, PublicStatus]
    #: The log's signed tree head the list names; None for a list made before the log
    #: had a head. Its signature is checked only when the log key is given.
    tree_head: SignedTreeHead | None = None

    def is_current(self, now: dt.datetime) -> bool:
        """Whether ``now`` falls in the list's lifetime; a stale list should be re-fetched."""
        return self.issued_at <= now < self.next_update

    def status_of(self, number: str) -> PublicStatus | None:
        """The listed status, or None for a number the registry does not hold."""
        return self.statuses.get(number)


def _moment(text: Any, name: str) -> dt.datetime:
    if not isinstance(text, str):
        raise StatusListError(f"{name} is missing")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise StatusListError(f"{name} is not a timestamp") from None
    if moment.tzinfo is None:
        raise StatusListError(f"{name} has no time zone")
    return moment


def _tree_head(value: Any, log_key: bytes | None) -> SignedTreeHead | None:
    if value is None:
        return None
    try:
        head, kid = tree_head_from_json(value)
        if log_key is not None:
            if kid != make_kid(log_key):
                raise StatusListError(f"the list's tree head is signed by log key {kid}, not"
                                      f" {make_kid(log_key)}")
            head.verify(log_key)
    except (BundleError, LogError) as exc:
        raise StatusListError(f"the list's tree head does not check: {exc}") from None
    return head


def verify_status_list(document: Mapping[str, Any], jwks: Mapping[str, Any], *,
                       log_key: bytes | None = None) -> StatusList:
    """Check a signed status list against a published key set; raise ``StatusListError``.

    A list signed by a retired key still verifies (rotation must not break offline
    verifiers holding an older list); one signed by a compromised key does not. With
    ``log_key`` (the transparency log's public key) the named tree head's signature is
    checked too.
    """
    if not isinstance(document, Mapping):
        raise StatusListError("a status list is a JSON object")
    fields = {name: document.get(name) for name in ("payload", "kid", "alg", "signature")}
    if not all(isinstance(value, str) for value in fields.values()):
        raise StatusListError("a status list has string payload, kid, alg and signature")
    if fields["alg"] != ALG:
        raise StatusListError(f"unsupported algorithm {fields['alg']!r}")
    try:
        keys = from_jwks(jwks)
    except InvalidInput as exc:
        raise StatusListError(f"unusable key set: {exc}") from None
    kid = str(fields["kid"])
    key = keys.get(kid)
    if key is None:
        raise StatusListError(f"signed with key {kid!r}, which the key set does not hold")
    if key.state is KeyState.COMPROMISED:
        raise StatusListError(f"signed with key {kid}, which has been reported compromised")
    payload = b64url_decode(str(fields["payload"]))
    signature = b64url_decode(str(fields["signature"]))
    if not ed25519.verify(key.public_key, signature, CONTEXT + payload):
        raise StatusListError("the signature does not match the payload")
    # Only signed bytes are parsed from here on.
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise StatusListError("the signed payload is not JSON") from None
    if not isinstance(body, dict) or body.get("v") != VERSION:
        raise StatusListError("not a version 1 status list")
    if body.get("kid") != kid:
        raise StatusListError("the payload names a different key than the document")
    statuses = body.get("statuses")
    if not isinstance(statuses, dict):
        raise StatusListError("the payload has no statuses")
    try:
        parsed = {str(number): PublicStatus(value) for number, value in statuses.items()}
        on = dt.date.fromisoformat(str(body.get("date")))
    except ValueError as exc:
        raise StatusListError(f"the payload is malformed: {exc}") from None
    return StatusList(kid, _moment(body.get("issued_at"), "issued_at"),
                      _moment(body.get("next_update"), "next_update"), on, parsed,
                      _tree_head(body.get("tree_head"), log_key))

"""The offline bundle: keys, every certificate's status and the log's tree head, signed.

An inspector without a network loads one file and can then check marks: the mark's
signature and key state from the keys in it, the certificate's status as of the
bundle's date from its compact status table, and the transparency log's signed tree
head the table reflects. The format is specified in docs/offline.md; this module is its
only codec. Pure: bytes and values in, bytes and values out.

The file is one line of canonical JSON ``{"alg", "bundle", "kid", "signature"}`` and a
newline. ``bundle`` is the base64url of the payload bytes (canonical JSON), and
``signature`` is Ed25519 over ``CONTEXT || payload`` with the key ``kid`` listed in the
payload. Every byte of the file is covered: the payload by the signature, the envelope
by the rule that it must be the one canonical spelling of its own content.

A bundle cannot vouch for itself: anyone can make a key, list it and sign with it. So
the signing key is looked up in a trust anchor the reader holds from elsewhere (the
registry's JWKS, its database, or the keys the /offline page was served with), and must
be active there.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from issuer import compactstatus, ed25519
from issuer.errors import InvalidInput
from issuer.keys import from_jwks, to_jwks
from issuer.payload import MarkPayload, make_kid
from issuer.status import PublicStatus
from issuer.transparency.errors import LogError
from issuer.transparency.tree_head import SignedTreeHead, TreeHead
from issuer.verification import PublicKey, Verdict, verify_code
from storage.enums import KeyState

CONTEXT = b"shangpin/offline-bundle/v1\x00"
VERSION = 1
ALG = "EdDSA"
#: How long a bundle is meant to be used before loading a fresh one.
LIFETIME = dt.timedelta(hours=24)
#: Far beyond any real registry (100,000 certificates make about 0.5 MB).
MAX_FILE = 64 * 1024 * 1024
MEDIA_TYPE = "application/json"
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_KID = re.compile(r"[0-9a-f]{8}")
_ENVELOPE = ("alg", "bundle", "kid", "signature")
_PAYLOAD = ("date", "hosts", "issued_at", "keys", "kid", "log_key", "next_update",
            "statuses", "tree_head", "v")

#: What an offline check shows beyond the certificate statuses (as the server does).
FORGED = "forged"
MALFORMED = "malformed"
COMPROMISED = "compromised_key"
UNKNOWN_CERTIFICATE = "unknown_certificate"


class BundleError(ValueError):
    """The file is not an intact offline bundle; the message says what failed."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str, what: str) -> bytes:
    """Strict unpadded base64url with one spelling per byte string (unused bits zero)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise BundleError(f"{what} is not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:
        raise BundleError(f"{what} is not in canonical base64url form")
    return data


def canonical(value: Any) -> bytes:
    """UTF-8 JSON, keys sorted, no spaces: the one spelling that is signed."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _moment(text: Any, name: str) -> dt.datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise BundleError(f"{name} is not a UTC timestamp")
    try:
        return dt.datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        raise BundleError(f"{name} is not a timestamp") from None


# --- the tree head, as JSON ------------------------------------------------------------


def tree_head_json(signed: SignedTreeHead, kid: str) -> dict[str, Any]:
    """A signed tree head as JSON, with the id of the log key that signed it: enough to
    rebuild its 49 bytes and check the signature (the members of ``/api/v1/log/sth``)."""
    head = signed.head
    return {"tree_size": head.size, "timestamp_ms": head.timestamp_ms,
            "root_hash": b64url(head.root_hash), "signature": b64url(signed.signature),
            "kid": kid}


def tree_head_from_json(value: Any) -> tuple[SignedTreeHead, str]:
    """Read ``tree_head_json``'s form back; raise ``BundleError`` for anything else."""
    fields = ("kid", "root_hash", "signature", "timestamp_ms", "tree_size")
    if not isinstance(value, dict) or sorted(value) != list(fields):
        raise BundleError(f"a tree head has exactly the members {', '.join(fields)}")
    size, moment = value["tree_size"], value["timestamp_ms"]
    if type(size) is not int or type(moment) is not int:
        raise BundleError("a tree head's tree_size and timestamp_ms are integers")
    if not all(isinstance(value[name], str) for name in ("kid", "root_hash", "signature")):
        raise BundleError("a tree head's kid, root_hash and signature are text")
    if not _KID.fullmatch(value["kid"]):
        raise BundleError("a tree head's kid is 8 hexadecimal digits")
    try:
        head = TreeHead(size=size, root_hash=b64url_decode(value["root_hash"], "root_hash"),
                        timestamp_ms=moment)
        signed = SignedTreeHead(head, b64url_decode(value["signature"], "the head's signature"))
    except LogError as exc:
        raise BundleError(f"malformed tree head: {exc}") from None
    return signed, value["kid"]


# --- making a bundle -------------------------------------------------------------------


def make_payload(statuses: Mapping[str, PublicStatus | str], keys: Mapping[str, PublicKey], *,
                 kid: str, issued_at: dt.datetime, on: dt.date, hosts: Collection[str],
                 tree_head: SignedTreeHead | None, log_key: bytes | None,
                 lifetime: dt.timedelta = LIFETIME) -> bytes:
    """The signed bytes of a bundle: the statuses on ``on``, the keys, the log's head."""
    if (tree_head is None) != (log_key is None):
        raise InvalidInput("a tree head goes into a bundle with the log key that checks it")
    head = None
    if tree_head is not None and log_key is not None:
        head = tree_head_json(tree_head, make_kid(log_key))
    numbers, codes = compactstatus.encode(statuses)
    issued_at = issued_at.astimezone(dt.UTC).replace(microsecond=0)
    return canonical({
        "v": VERSION,
        "kid": kid,
        "issued_at": timestamp(issued_at),
        "next_update": timestamp(issued_at + lifetime),
        "date": on.isoformat(),
        "hosts": sorted({host.upper() for host in hosts}),
        "keys": to_jwks(keys),
        "statuses": {"count": len(statuses), "numbers": b64url(numbers),
                     "codes": b64url(codes)},
        "tree_head": head,
        "log_key": None if log_key is None else b64url(log_key),
    })


def sign(payload: bytes, kid: str, signer: ed25519.Signer) -> bytes:
    """The bundle file: the signed envelope as one canonical JSON line."""
    return canonical({
        "alg": ALG,
        "bundle": b64url(payload),
        "kid": kid,
        "signature": b64url(signer.sign(CONTEXT + payload)),
    }) + b"\n"


# --- reading one -----------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """A verified bundle."""

    kid: str
    issued_at: dt.datetime
    next_update: dt.datetime
    date: dt.date
    hosts: tuple[str, ...]
    keys: Mapping[str, PublicKey]
    statuses: Mapping[str, PublicStatus]
    tree_head: TreeHead | None
    log_key: bytes | None

    def age(self, now: dt.datetime) -> dt.timedelta:
        return now - self.issued_at

    def is_stale(self, now: dt.datetime) -> bool:
        """Past ``next_update``: the statuses may have changed since; load a fresh one."""
        return now >= self.next_update


def _envelope(data: bytes) -> dict[str, str]:
    if len(data) > MAX_FILE:
        raise BundleError(f"the file is larger than any bundle ({MAX_FILE} bytes)")
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError("the file is not a bundle: not UTF-8 JSON") from None
    if not isinstance(document, dict) or sorted(document) != list(_ENVELOPE):
        raise BundleError("the file is not a bundle: it must have exactly "
                          + ", ".join(_ENVELOPE))
    if not all(isinstance(value, str) for value in document.values()):
        raise BundleError("the bundle's alg, bundle, kid and signature are text")
    if canonical(document) + b"\n" != data:
        raise BundleError("the file has been changed: it is not the one spelling of a bundle")
    if document["alg"] != ALG:
        raise BundleError(f"unsupported algorithm {document['alg']!r}")
    return document


def _keys(body: Mapping[str, Any]) -> dict[str, PublicKey]:
    try:
        return from_jwks(body.get("keys"))  # type: ignore[arg-type]
    except InvalidInput as exc:
        raise BundleError(f"the bundle's key set is unusable: {exc}") from None


def _statuses(value: Any) -> dict[str, PublicStatus]:
    if not isinstance(value, dict) or sorted(value) != ["codes", "count", "numbers"]:
        raise BundleError("the status table has exactly the members codes, count, numbers")
    count = value["count"]
    if type(count) is not int or not isinstance(value["numbers"], str) \
            or not isinstance(value["codes"], str):
        raise BundleError("the status table's count is an integer and its tables text")
    try:
        return compactstatus.decode(b64url_decode(value["numbers"], "numbers"),
                                    b64url_decode(value["codes"], "codes"), count)
    except compactstatus.CompactStatusError as exc:
        raise BundleError(f"the status table is malformed: {exc}") from None


def _log(body: Mapping[str, Any]) -> tuple[TreeHead | None, bytes | None]:
    head, key = body.get("tree_head"), body.get("log_key")
    if head is None and key is None:
        return None, None
    if head is None or not isinstance(key, str):
        raise BundleError("a tree head comes with the log key that checks it")
    log_key = b64url_decode(key, "log_key")
    signed, kid = tree_head_from_json(head)
    if kid != make_kid(log_key):
        raise BundleError("the tree head names a different log key than the bundle holds")
    try:
        return signed.verify(log_key), log_key
    except LogError as exc:
        raise BundleError(str(exc)) from None


def trusted_signer(trusted: Mapping[str, PublicKey], kid: str) -> PublicKey:
    """The trust anchor's key ``kid``, if it may sign bundles; else ``BundleError``.

    Only an active key signs bundles: a retired key has stopped signing, and a bundle
    signed by one is either old or made with a key the alliance no longer guards.
    """
    key = trusted.get(kid)
    if key is None:
        raise BundleError(f"signed with key {kid!r}, which is not a trusted signing key")
    if key.state is KeyState.COMPROMISED:
        raise BundleError(f"signed with key {kid}, which has been reported compromised")
    if key.state is not KeyState.ACTIVE:
        raise BundleError(f"signed with key {kid}, which is {key.state.value}, not active")
    return key


def verify_bundle(data: bytes, trusted: Mapping[str, PublicKey]) -> Bundle:
    """Check a bundle file byte for byte; raise ``BundleError`` unless it is intact and
    signed by a key that ``trusted`` (the reader's own anchor, never the bundle's key
    list) holds as active. The bundle must list that key the same, as active."""
    document = _envelope(data)
    payload = b64url_decode(document["bundle"], "the bundle")
    signature = b64url_decode(document["signature"], "the signature")
    kid = document["kid"]
    anchor = trusted_signer(trusted, kid)
    if not ed25519.verify(anchor.public_key, signature, CONTEXT + payload):
        raise BundleError("the signature does not match: the bundle has been changed")
    # Signed bytes only from here on.
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError("the bundle's payload is not UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise BundleError("the bundle's payload is not a JSON object")
    keys = _keys(body)
    listed = keys.get(kid)
    if listed is None or listed.public_key != anchor.public_key \
            or listed.state is not KeyState.ACTIVE:
        raise BundleError(f"the bundle does not list its signing key {kid} as the active"
                          " key the trust anchor holds")
    if sorted(body) != list(_PAYLOAD) or type(body["v"]) is not int or body["v"] != VERSION:
        raise BundleError("not a version 1 bundle")
    if body["kid"] != kid or not _KID.fullmatch(kid):
        raise BundleError("the payload names a different key than the envelope")
    hosts = body["hosts"]
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise BundleError("the bundle's hosts are a list of names")
    try:
        on = dt.date.fromisoformat(str(body["date"]))
    except ValueError:
        raise BundleError("the bundle's date is not a date") from None
    head, log_key = _log(body)
    return Bundle(kid, _moment(body["issued_at"], "issued_at"),
                  _moment(body["next_update"], "next_update"), on, tuple(hosts), keys,
                  _statuses(body["statuses"]), head, log_key)


# --- checking a code with it -----------------------------------------------------------


@dataclass(frozen=True)
class OfflineResult:
    """A verdict on a code, with the status the bundle gives its certificate."""

    verdict: Verdict
    #: The certificate's status on the bundle's date, or what the scan page shows instead
    #: (forged, malformed, compromised_key, unknown_certificate), as the server does.
    status: str
    reason: str | None
    payload: MarkPayload | None
    key_state: KeyState | None


def check(bundle: Bundle, text: str) -> OfflineResult:
    """Verify a code or mark URL with the bundle alone; never raises for bad input.

    A mark URL must be on one of the bundle's hosts; a bundle listing none accepts no
    URL (a bare code names no host and is checked as it is)."""
    result = verify_code(text, bundle.keys, bundle.hosts)
    payload = result.payload
    key = bundle.keys.get(payload.kid) if payload is not None else None
    state = key.state if key is not None else None
    if result.verdict is Verdict.MALFORMED:
        shown = MALFORMED
    elif result.verdict in (Verdict.FORGED, Verdict.UNKNOWN_KEY):
        shown = FORGED
    elif result.verdict is Verdict.COMPROMISED_KEY:
        shown = COMPROMISED
    else:
        assert payload is not None
        listed = bundle.statuses.get(payload.certificate_number)
        shown = listed.value if listed is not None else UNKNOWN_CERTIFICATE
    return OfflineResult(result.verdict, shown, result.reason, payload, state)

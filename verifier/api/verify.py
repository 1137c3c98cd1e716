"""``/api/v1/verify``: what a scan says, as JSON.

The hot path: ScanService does the only lookups (both cached in memory); the answer
is one dict dumped once. Status is live, so nothing here may be cached by anyone.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from issuer.errors import MalformedCode
from issuer.status import today
from issuer.urls import extract_code
from issuer.verification import Verdict
from storage.base import utcnow
from verifier import scanlog
from verifier.api.responses import NO_STORE, BadBody, dumps, invalid_input, read_json_object
from verifier.keys import SCANS, SETTINGS
from verifier.readmodel import CertificateView
from verifier.scanning import MALFORMED, ScanOutcome

#: Far longer than any mark URL; longer input is answered without decoding or caching
#: it, so junk cannot fill the scan service's per-code caches with large keys.
MAX_CODE = 512
_NO_STORE = {"Cache-Control": NO_STORE}
#: Certificate statuses whose published reason and date are shown with them.
_EXPLAINED = frozenset({"suspended", "terminated", "revoked", "publicity"})


def _date(day: Any) -> str | None:
    return day.isoformat() if day is not None else None


def certificate_summary(view: CertificateView, status: str) -> dict[str, Any]:
    explained = status in _EXPLAINED
    return {
        "number": view.number,
        "scheme": view.scheme.value,
        "status": status,
        "holder": {"name": view.holder_name, "uscc": view.holder_uscc},
        "body": {"code": view.body_code, "name": view.body_name},
        "standard": view.standard,
        "scope": [{"kind": s.kind, "name": s.name, "category": s.category} for s in view.scope],
        "valid_from": view.valid_from.isoformat(),
        "valid_until": view.valid_until.isoformat(),
        "last_surveillance": _date(view.last_surveillance),
        "next_surveillance": _date(view.next_surveillance),
        "status_reason": view.state_reason if explained else None,
        "status_changed_at": view.state_changed_at.isoformat() if explained else None,
    }


def verification_body(outcome: ScanOutcome, public_url: str) -> dict[str, Any]:
    """The answer to one scan; the photo endpoint adds ``decoded`` to the same body."""
    payload = outcome.payload
    view = outcome.certificate
    page = None
    if payload is not None:
        try:
            page = f"{public_url}/V/{extract_code(outcome.code)}"
        except MalformedCode:  # pragma: no cover - the code decoded, so it extracts
            page = None
    certificate = None
    links: dict[str, str | None] = {"page": page, "certificate": None, "certificate_api": None,
                                    "badge": None}
    if view is not None:
        certificate = certificate_summary(view, view.status(today(outcome.checked_at)).value)
        links["certificate"] = f"{public_url}/certificates/{view.number}"
        links["certificate_api"] = f"{public_url}/api/v1/certificates/{view.number}"
        links["badge"] = f"{public_url}/badge/{view.number}.svg"
    return {
        "verdict": outcome.verdict.value,
        "status": outcome.status,
        "reason": outcome.reason,
        "checked_at": outcome.checked_at.isoformat(),
        "mark": None if payload is None else {
            "kid": payload.kid,
            "certificate_number": payload.certificate_number,
            "valid_from": payload.valid_from.isoformat(),
            "valid_until": payload.valid_until.isoformat(),
            "unit_serial": payload.unit_serial,
        },
        "unit_serial": outcome.unit_serial,
        "certificate": certificate,
        "links": links,
    }


def _refused(text: str, reason: str) -> ScanOutcome:
    shown = text[:256].replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return ScanOutcome(shown, Verdict.MALFORMED, reason, None, None, MALFORMED, utcnow())


async def answer(request: web.Request, text: str) -> web.Response:
    """Verify, log the scan, answer. Malformed input is an answer (200), not an error."""
    app = request.app
    if len(text) > MAX_CODE:
        outcome = _refused(text, "too long to be a mark code")
    elif not text.strip().isprintable():  # NUL, controls, lone surrogates: never in a code
        outcome = _refused(text, "a mark code holds only printable characters")
    else:
        outcome = await app[SCANS].verify(text)
    scanlog.record(request, outcome, "api")
    body = dumps(verification_body(outcome, app[SETTINGS].public_url))
    return web.Response(body=body, content_type="application/json", charset="utf-8",
                        headers=_NO_STORE)


async def verify_get(request: web.Request) -> web.Response:
    return await answer(request, request.match_info["code"])


async def verify_post(request: web.Request) -> web.Response:
    try:
        data = await read_json_object(request)
    except BadBody as bad:
        return bad.response
    code = data.get("code")
    if not isinstance(code, str):
        return invalid_input("code", "a string holding the mark code or mark URL is required")
    return await answer(request, code)

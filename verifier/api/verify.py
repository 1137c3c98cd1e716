"""``/api/v1/verify``: what a scan says, as JSON.

The hot path: ScanService does the only lookups (both cached in memory). Most of the
answer is the certificate and the mark, which change far less often than they are
asked for: their JSON is kept per certificate view (a registry change brings a new
view) and status, and per code, and only the few per-request fields are encoded each
time. Status is live, so nothing here may be cached by anyone downstream.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from issuer.errors import MalformedCode
from issuer.status import PublicStatus, today
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
_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": NO_STORE}
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


#: Bound on each memory below; past it the memory starts afresh.
MAX_REMEMBERED = 100_000


class AnswerParts:
    """The JSON of the slow-changing parts of verification answers, made once.

    A certificate's part is kept with the view it was made from and the status it
    shows, and used only while both are the same: the read model replaces a view when
    the registry changes, and the status moves with the date. A code's part is kept
    with the decoded payload it was made from.
    """

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self._certificates: dict[str, tuple[CertificateView, str, bytes, bytes]] = {}
        self._marks: dict[str, tuple[object, bytes, bytes]] = {}

    def certificate(self, view: CertificateView, status: str) -> tuple[bytes, bytes]:
        """The JSON around the page link: ``,"certificate":{...},"links":{"page":``
        and the certificate's own links after it."""
        kept = self._certificates.get(view.number)
        if kept is not None and kept[0] is view and kept[1] == status:
            return kept[2], kept[3]
        url = self.public_url
        links = {"certificate": f"{url}/certificates/{view.number}",
                 "certificate_api": f"{url}/api/v1/certificates/{view.number}",
                 "badge": f"{url}/badge/{view.number}.svg"}
        before = (b',"certificate":' + orjson.dumps(certificate_summary(view, status))
                  + b',"links":{"page":')
        after = b"," + orjson.dumps(links)[1:]
        if len(self._certificates) >= MAX_REMEMBERED:
            self._certificates.clear()
        self._certificates[view.number] = (view, status, before, after)
        return before, after

    def mark(self, outcome: ScanOutcome) -> tuple[bytes, bytes]:
        """``,"mark":{...},"unit_serial":n`` and the page link, for a decoded code."""
        payload = outcome.payload
        kept = self._marks.get(outcome.code)
        if kept is not None and kept[0] is payload:
            return kept[1], kept[2]
        body = verification_body(outcome, self.public_url)
        mark = (b',"mark":' + orjson.dumps(body["mark"]) + b',"unit_serial":'
                + orjson.dumps(body["unit_serial"]))
        page = orjson.dumps(body["links"]["page"])
        if len(self._marks) >= MAX_REMEMBERED:
            self._marks.clear()
        self._marks[outcome.code] = (payload, mark, page)
        return mark, page

    def answer(self, outcome: ScanOutcome) -> bytes:
        """The same bytes as ``dumps(verification_body(outcome, public_url))``."""
        if outcome.payload is None:  # malformed: nothing worth keeping
            return dumps(verification_body(outcome, self.public_url))
        head = orjson.dumps({"verdict": outcome.verdict.value, "status": outcome.status,
                             "reason": outcome.reason,
                             "checked_at": outcome.checked_at.isoformat()})[:-1]
        mark, page = self.mark(outcome)
        view = outcome.certificate
        if view is None:
            before, after = _NO_CERTIFICATE
        else:
            # A certificate's own status is the scan's unless the key is compromised.
            status = (outcome.status if outcome.status in _CERTIFICATE_STATUSES
                      else view.status(today(outcome.checked_at)).value)
            before, after = self.certificate(view, status)
        return b"".join((head, mark, before, page, after, b"}"))


_CERTIFICATE_STATUSES = frozenset(status.value for status in PublicStatus)
_NO_CERTIFICATE = (b',"certificate":null,"links":{"page":',
                   b',"certificate":null,"certificate_api":null,"badge":null}')


ANSWER_PARTS = web.AppKey("answer_parts", AnswerParts)


def setup(app: web.Application) -> None:
    app[ANSWER_PARTS] = AnswerParts(app[SETTINGS].public_url)


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
    return web.Response(body=app[ANSWER_PARTS].answer(outcome), headers=_HEADERS)


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

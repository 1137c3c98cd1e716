"""The verification page a phone opens after scanning a mark: ``/V/{code}``.

The signature is checked by the scan service (cached per code); the status is live,
so the page is never stored by any cache (``no-store``): a suspension shows on the
very next scan.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from issuer.verification import Verdict
from storage.base import utcnow
from verifier import scanlog
from verifier.keys import SCANS
from verifier.public.presentation import CERTIFICATE_STATUSES, WITH_REASON, look
from verifier.render import render
from verifier.scanlog import SCAN_LOG
from verifier.scanning import MALFORMED, ScanOutcome

#: Longest text treated as a possible code. Real mark URLs are at most 221 characters
#: (QR version 10); anything longer is refused before decoding, so hostile URLs cost
#: nothing and never fill the decode cache.
MAX_CODE = 256
SHOWN_CODE = 80
NO_STORE = {"Cache-Control": "no-store"}


async def verify(request: web.Request, code: str) -> ScanOutcome:
    """The scan service's verdict, with overlong input refused up front."""
    if len(code) > MAX_CODE:
        return ScanOutcome(code[:MAX_CODE], Verdict.MALFORMED, "longer than any mark code",
                           None, None, MALFORMED, utcnow())
    return await request.app[SCANS].verify(code)


def shown_code(code: str) -> str:
    return code if len(code) <= SHOWN_CODE else code[:SHOWN_CODE] + "…"


async def scan_page(request: web.Request) -> web.Response:
    outcome = await verify(request, request.match_info["code"])
    authentic = outcome.status in CERTIFICATE_STATUSES
    serial = outcome.unit_serial if authentic else None
    scans_before: int | None = None
    if serial is not None and outcome.payload is not None:
        # Asked before this scan is recorded, so the count excludes it.
        scans_before = await request.app[SCAN_LOG].scans_before(
            outcome.payload.certificate_number, serial)
    if request.method == "GET":  # a HEAD (link checkers) is not someone scanning
        scanlog.record(request, outcome, "page")
    certificate = outcome.certificate if authentic else None
    context: dict[str, Any] = {
        "look": look(outcome.status),
        "outcome": outcome,
        "certificate": certificate,
        "show_reason": certificate is not None and outcome.status in WITH_REASON
        and bool(certificate.state_reason),
        "claimed_number": (outcome.payload.certificate_number
                           if outcome.status == "unknown_certificate" and outcome.payload
                           else None),
        "serial": serial,
        "scans_before": scans_before,
        "code": shown_code(outcome.code),
        "report": {"code": outcome.code[:MAX_CODE], "description": "", "where_bought": "",
                   "contact": ""},
        "report_error": None,
    }
    return render(request, "scan.html", context, headers=dict(NO_STORE))


async def empty_code(request: web.Request) -> web.Response:
    """``/V/`` with nothing after it: the same answer as any other unreadable code."""
    outcome = await verify(request, "")
    scanlog.record(request, outcome, "page")
    context: dict[str, Any] = {
        "look": look(outcome.status), "outcome": outcome, "certificate": None,
        "show_reason": False, "claimed_number": None, "serial": None, "scans_before": None,
        "code": "", "report": {"code": "", "description": "", "where_bought": "", "contact": ""},
        "report_error": None,
    }
    return render(request, "scan.html", context, headers=dict(NO_STORE))


def setup(app: web.Application) -> None:
    for prefix in ("/V/", "/v/"):
        # ``.+`` so a hostile code with an encoded '/' still reaches the page (malformed),
        # rather than falling through to a bare 404.
        app.router.add_get(prefix + "{code:.+}", scan_page)
        app.router.add_get(prefix, empty_code)

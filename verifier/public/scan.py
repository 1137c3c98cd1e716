"""The verification page a phone opens after scanning a mark: ``/V/{code}``.

The signature is checked by the scan service (cached per code); the status is live,
so the page is never stored by any cache (``no-store``): a suspension shows on the
very next scan.

It is the most requested page, so it is not rendered whole for every scan: the
verdict with the certificate's facts is rendered once per certificate view (a
registry change brings a new view), status and language, and the page around it is
kept as a ``Stencil`` per language, status, language link and shape, into which the
scan's own values (code, time, unit count) are filled.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from markupsafe import Markup

from issuer.verification import Verdict
from storage.base import utcnow
from verifier import i18n, scanlog
from verifier.keys import SCANS
from verifier.public.presentation import CERTIFICATE_STATUSES, WITH_REASON, Look, look
from verifier.readmodel import CertificateView
from verifier.render import (
    Stencil,
    html_response,
    language_switch_url,
    moment,
    open_values,
    render_part,
)
from verifier.scanlog import SCAN_LOG
from verifier.scanning import MALFORMED, ScanOutcome

#: Longest text treated as a possible code. Real mark URLs are at most 221 characters
#: (QR version 10); anything longer is refused before decoding, so hostile URLs cost
#: nothing and never fill the decode cache.
MAX_CODE = 256
SHOWN_CODE = 80
NO_STORE = {"Cache-Control": "no-store"}
#: Bound on each memory of rendered parts; past it the memory starts afresh.
MAX_REMEMBERED = 50_000
#: What the page fills in per scan.
OPEN = ("summary", "serial", "scans_before", "claimed_number", "code", "checked_at",
        "certificate_number", "report_code")


async def verify(request: web.Request, code: str) -> ScanOutcome:
    """The scan service's verdict, with overlong input refused up front."""
    if len(code) > MAX_CODE:
        return ScanOutcome(code[:MAX_CODE], Verdict.MALFORMED, "longer than any mark code",
                           None, None, MALFORMED, utcnow())
    return await request.app[SCANS].verify(code)


def shown_code(code: str) -> str:
    return code if len(code) <= SHOWN_CODE else code[:SHOWN_CODE] + "…"


class ScanPages:
    """Rendered parts of the verification page, each kept while what it shows holds."""

    def __init__(self) -> None:
        self._summaries: dict[tuple[str, str], tuple[CertificateView | None, str, Markup]] = {}
        self._stencils: dict[tuple[Any, ...], Stencil] = {}

    def summary(self, certificate: CertificateView | None, shown: Look,
                language: str) -> Markup:
        """The verdict, and the facts of the certificate when there is one to show."""
        key = (certificate.number if certificate else shown.status, language)
        kept = self._summaries.get(key)
        if kept is not None and kept[0] is certificate and kept[1] == shown.status:
            return kept[2]
        html = render_part("_summary.html", {
            "t": i18n.translator(language), "lang": language, "look": shown,
            "certificate": certificate,
            "show_reason": certificate is not None and shown.status in WITH_REASON
            and bool(certificate.state_reason),
        })
        _remember(self._summaries, key, (certificate, shown.status, html))
        return html

    def stencil(self, request: web.Request, language: str, shown: Look,
                shape: dict[str, bool]) -> Stencil:
        """The page with the scan's own values left open."""
        switch_url = language_switch_url(request, language)
        key = (language, shown.status, switch_url, *shape.values())
        stencil = self._stencils.get(key)
        if stencil is None:
            marks = open_values(*OPEN)
            context = {"lang": language, "t": i18n.translator(language),
                       "switch_url": switch_url, **marks, **shape, "look": shown,
                       "report_error": None,
                       "report": {"code": marks["report_code"], "description": "",
                                  "where_bought": "", "contact": ""}}
            stencil = Stencil("scan.html", context, marks)
            _remember(self._stencils, key, stencil)
        return stencil


def _remember(memory: dict[Any, Any], key: Any, value: Any) -> None:
    if len(memory) >= MAX_REMEMBERED:
        memory.clear()
    memory[key] = value


SCAN_PAGES = web.AppKey("scan_pages", ScanPages)


def page(request: web.Request, outcome: ScanOutcome, *, serial: int | None,
         scans_before: int | None, code: str) -> web.Response:
    """The verification page for ``outcome``."""
    pages = request.app[SCAN_PAGES]
    language = i18n.negotiate(request)
    shown = look(outcome.status)
    certificate = outcome.certificate if outcome.status in CERTIFICATE_STATUSES else None
    claimed = (outcome.payload.certificate_number
               if outcome.status == "unknown_certificate" and outcome.payload else None)
    shape = {"has_serial": serial is not None, "first_scan": scans_before == 0,
             "has_claimed_number": bool(claimed), "has_code": bool(code),
             "has_certificate": certificate is not None}
    html = pages.stencil(request, language, shown, shape).fill({
        "summary": pages.summary(certificate, shown, language),
        "serial": serial, "scans_before": scans_before, "claimed_number": claimed,
        "code": code, "checked_at": moment(outcome.checked_at),
        "certificate_number": certificate.number if certificate else None,
        "report_code": outcome.code[:MAX_CODE],
    })
    return html_response(request, html, language, headers=dict(NO_STORE))


async def scan_page(request: web.Request) -> web.Response:
    outcome = await verify(request, request.match_info["code"])
    serial = outcome.unit_serial if outcome.status in CERTIFICATE_STATUSES else None
    scans_before: int | None = None
    if serial is not None and outcome.payload is not None:
        # Asked before this scan is recorded, so the count excludes it.
        scans_before = await request.app[SCAN_LOG].scans_before(
            outcome.payload.certificate_number, serial)
    if request.method == "GET":  # a HEAD (link checkers) is not someone scanning
        scanlog.record(request, outcome, "page")
    return page(request, outcome, serial=serial, scans_before=scans_before,
                code=shown_code(outcome.code))


async def empty_code(request: web.Request) -> web.Response:
    """``/V/`` with nothing after it: the same answer as any other unreadable code."""
    outcome = await verify(request, "")
    scanlog.record(request, outcome, "page")
    return page(request, outcome, serial=None, scans_before=None, code="")


def setup(app: web.Application) -> None:
    app[SCAN_PAGES] = ScanPages()
    for prefix in ("/V/", "/v/"):
        # ``.+`` so a hostile code with an encoded '/' still reaches the page (malformed),
        # rather than falling through to a bare 404.
        app.router.add_get(prefix + "{code:.+}", scan_page)
        app.router.add_get(prefix, empty_code)

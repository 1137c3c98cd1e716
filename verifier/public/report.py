""""Report a suspected fake": the form on the verification page and where it posts.

Reports are only accepted from our own pages (Origin/Referer checked), so another
site cannot make its visitors' browsers file reports. After a report is stored the
browser is redirected to a thank-you page, so a reload does not send it twice.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from verifier import i18n
from verifier.clients import client_address, keyed_hash
from verifier.keys import ENGINE, HASH_KEY, SETTINGS
from verifier.public.scan import MAX_CODE, verify
from verifier.render import render
from verifier.reports import InvalidReport, ReportForm, store_report

#: A report is a few short text fields; a bigger body is not a report.
MAX_BODY = 16 * 1024
FIELDS = ("code", "description", "where_bought", "contact")
NO_STORE = {"Cache-Control": "no-store"}
#: InvalidReport names the field first ("description: ..."); the page words it per field.
FIELD_ERRORS = {
    "description": "report.error.description",
    "where_bought / contact": "report.error.length",
    "code": "report.error.code",
}


def same_origin(request: web.Request) -> bool:
    """True unless the browser says the post comes from another site."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True  # non-browser clients send neither; a browser always sends Origin
    try:
        netloc = urlsplit(source).netloc.lower()
    except ValueError:
        return False
    if not netloc:  # "null" origins (sandboxed frames, file: pages) and garbage
        return False
    ours = {request.host.lower(), urlsplit(request.app[SETTINGS].public_url).netloc.lower()}
    return netloc in ours


def _form_page(request: web.Request, values: dict[str, str], error: str | None,
               status: int) -> web.Response:
    context: dict[str, Any] = {"report": values, "report_error": error}
    return render(request, "report.html", context, status=status, headers=dict(NO_STORE))


async def report_form(request: web.Request) -> web.Response:
    code = request.query.get("code", "")
    values = {"code": code if len(code) <= MAX_CODE else "", "description": "",
              "where_bought": "", "contact": ""}
    return _form_page(request, values, None, 200)


async def submit_report(request: web.Request) -> web.Response:
    t = i18n.translator(i18n.negotiate(request))
    if not same_origin(request):
        return render(request, "error.html",
                      {"status": 403, "message": t("report.error.origin")},
                      status=403, headers=dict(NO_STORE))
    if request.content_length is None:
        return render(request, "error.html", {"status": 411, "message": t("error.411")},
                      status=411, headers=dict(NO_STORE))
    if request.content_length > MAX_BODY:
        return render(request, "error.html", {"status": 413, "message": t("report.error.size")},
                      status=413, headers=dict(NO_STORE))
    posted = await request.post()
    values = {}
    for name in FIELDS:
        value = posted.get(name, "")
        values[name] = value if isinstance(value, str) else ""  # uploaded files are ignored
    form = ReportForm(description=values["description"], code=values["code"],
                      where_bought=values["where_bought"], contact=values["contact"])
    number: str | None = None
    verdict: str | None = None
    code = values["code"].strip()
    if code and len(code) <= MAX_CODE:
        # The report names what the code claims, so staff see which certificate a fake copies.
        outcome = await verify(request, code)
        verdict = outcome.verdict.value
        number = outcome.payload.certificate_number if outcome.payload else None
    app = request.app
    store = functools.partial(
        store_report, app[ENGINE], form, certificate_number=number, verdict=verdict,
        client_hash=keyed_hash(app[HASH_KEY], client_address(request)))
    try:
        await asyncio.get_running_loop().run_in_executor(None, store)
    except InvalidReport as exc:
        field = str(exc).split(":", 1)[0]
        return _form_page(request, values, t(FIELD_ERRORS.get(field, "error.400")), 400)
    raise web.HTTPSeeOther("/report/thanks")


async def thanks(request: web.Request) -> web.Response:
    return render(request, "report_thanks.html", {}, headers=dict(NO_STORE))


def setup(app: web.Application) -> None:
    app.router.add_get("/report", report_form)
    app.router.add_post("/report", submit_report)
    app.router.add_get("/report/thanks", thanks)

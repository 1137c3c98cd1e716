"""``/console/credit``: subjects' credit files (信用档案), their grade, and credit repair."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from issuer import status
from issuer.credit.recording import MAX_REASON
from issuer.errors import InvalidInput, NotFound
from verifier.console import credit_files, db, pages
from verifier.console.home import page_number
from verifier.console.state import STAFF

MAX_QUERY = 100
MAX_REASON_FIELD = MAX_REASON + 1  # one over the limit, so an over-long reason is refused


async def credit_page(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:MAX_QUERY]
    page = page_number(request)
    found = await db.run(request, credit_files.listing, request[STAFF], query=query, page=page,
                         on=status.today())
    return pages.render(request, "console/credit.html", {
        "found": found, "q": query, "page": page,
        "pages": max(1, -(-found.total // credit_files.PAGE_SIZE)), "swept": _swept(request),
    })


def _swept(request: web.Request) -> dict[str, int] | None:
    """What the last sweep did, from the redirect's query (numbers only)."""
    values = {name: request.query.get(name, "") for name in ("overdue", "repaired")}
    if request.query.get("swept") != "1" or not all(v.isdigit() for v in values.values()):
        return None
    return {name: int(value) for name, value in values.items()}


def _subject_id(request: web.Request) -> int:
    return int(request.match_info["subject_id"])  # the route only matches digits


async def _file_page(request: web.Request, *, error: str | None = None,
                     reason: str = "", event_id: int | None = None,
                     status_code: int = 200) -> web.Response:
    found = await db.run(request, credit_files.credit_file, request[STAFF],
                         _subject_id(request), status.today())
    if found is None:
        return pages.error(request, 404, "console.not_found")
    context: dict[str, Any] = {**found, "error": error, "reason": reason,
                               "error_event": event_id,
                               "repaired": request.query.get("repaired", "")}
    return pages.render(request, "console/credit_file.html", context, status=status_code)


async def file_page(request: web.Request) -> web.Response:
    return await _file_page(request)


async def repair(request: web.Request) -> web.Response:
    form = await request.post()
    subject_id = _subject_id(request)
    event_id = int(request.match_info["event_id"])
    reason = str(form.get("reason", ""))[:MAX_REASON_FIELD]
    staff = request[STAFF]
    if not reason.strip():
        return await _file_page(request, error="console.credit.repair.reason_required",
                                event_id=event_id, status_code=400)
    if len(reason.strip()) > MAX_REASON:
        return await _file_page(request, error="console.credit.repair.too_long",
                                reason=reason, event_id=event_id, status_code=400)
    try:
        done = await db.run(request, credit_files.repair, subject_id, event_id,
                            actor=staff.username, reason=reason,
                            client_hash=db.client_hash(request))
    except NotFound:
        done = None
    except InvalidInput:  # already repaired, or a positive event
        return await _file_page(request, error="console.credit.repair.refused",
                                event_id=event_id, status_code=400)
    if done is None:
        return pages.error(request, 404, "console.not_found")
    return pages.redirect(f"/console/credit/{subject_id}?repaired={event_id}")


async def sweep(request: web.Request) -> web.Response:
    staff = request[STAFF]
    done = await db.run(request, credit_files.sweep, actor=staff.username,
                        client_hash=db.client_hash(request))
    query = urlencode({"swept": 1, "overdue": len(done.overdue), "repaired": len(done.repaired)})
    return pages.redirect(f"/console/credit?{query}")

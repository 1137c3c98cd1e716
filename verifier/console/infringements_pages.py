"""``/console/infringements``: confirmed infringement records, their evidence and the
credit-file event each made."""

from __future__ import annotations

from aiohttp import web

from verifier.console import db, evidence_pages, infringements, pages
from verifier.console.home import page_number
from verifier.console.state import STAFF


def _record_id(request: web.Request) -> int:
    return int(request.match_info["record_id"])  # the route only matches digits


async def records_page(request: web.Request) -> web.Response:
    chosen = infringements.RecordFilter.from_query(request.query)
    page = page_number(request)
    found = await db.run(request, infringements.search, request[STAFF], chosen, page)
    return pages.render(request, "console/infringements.html", {
        "found": found, "chosen": chosen, "page": page,
        "pages": max(1, -(-found.total // infringements.PAGE_SIZE)),
    })


async def record_page(request: web.Request) -> web.Response:
    found = await db.run(request, infringements.detail, request[STAFF], _record_id(request))
    if found is None:
        return pages.error(request, 404, "console.not_found")
    checks = await evidence_pages.check_all(request, found["evidence"])
    return pages.render(request, "console/infringement.html", {**found, "checks": checks})


async def evidence_file(request: web.Request) -> web.Response:
    record_id = _record_id(request)
    details = await db.run(request, infringements.evidence_of, request[STAFF], record_id)
    if details is None:
        return pages.error(request, 404, "console.not_found")
    return await evidence_pages.serve(request, details, request.match_info["role"],
                                      f"infringement-{record_id}")

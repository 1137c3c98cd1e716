"""``/console/surveillance``: the certificates whose surveillance is overdue or due soon."""

from __future__ import annotations

from aiohttp import web

from issuer import status
from verifier.console import db, pages, surveillance
from verifier.console.home import page_number
from verifier.console.state import STAFF


async def due_page(request: web.Request) -> web.Response:
    on = status.today()
    found = await db.run(request, surveillance.due_page, request[STAFF],
                         page_number(request), on)
    return pages.render(request, "console/surveillance.html", {
        "items": found.items, "today": on, "within": surveillance.DUE_WITHIN.days,
        "total": found.total, "overdue": found.overdue, "page": found.page,
        "pages": found.pages,
    })

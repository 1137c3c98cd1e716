"""``/console/surveillance``: the certificates whose surveillance is overdue or due soon."""

from __future__ import annotations

from aiohttp import web

from issuer import status
from verifier.console import db, pages, surveillance
from verifier.console.state import STAFF


async def due_page(request: web.Request) -> web.Response:
    on = status.today()
    items = await db.run(request, surveillance.due_list, request[STAFF], on)
    return pages.render(request, "console/surveillance.html", {
        "items": items, "today": on, "within": surveillance.DUE_WITHIN.days,
        "overdue": sum(1 for i in items if i.overdue),
    })

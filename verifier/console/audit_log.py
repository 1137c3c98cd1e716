"""``/console/audit``: the audit trail, newest first, for administrators."""

from __future__ import annotations

from aiohttp import web

from verifier.console import audit, db, pages
from verifier.console.home import page_number

PAGE_SIZE = 100


async def audit_page(request: web.Request) -> web.Response:
    page = page_number(request)
    actor = request.query.get("actor", "").strip()[:120] or None
    action = request.query.get("action", "").strip()[:64] or None
    found = await db.run(request, audit.read, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE,
                         actor=actor, action=action)
    return pages.render(request, "console/audit.html", {
        "entries": found.entries, "total": found.total, "page": page,
        "pages": max(1, -(-found.total // PAGE_SIZE)), "actor": actor or "",
        "action": action or "",
    })

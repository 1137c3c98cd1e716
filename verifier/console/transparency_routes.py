"""Console routes for the transparency log: signing a tree head on request."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from issuer.errors import KeyStoreError
from issuer.transparency import log
from verifier.api.log import b64url
from verifier.console import audit, db, pages
from verifier.console.roles import Permission
from verifier.console.routing import Route
from verifier.console.state import STAFF
from verifier.keys import SETTINGS

#: How many of the newest heads the page lists.
SHOWN = 20


def _head_record(published: log.PublishedHead) -> dict[str, Any]:
    head = published.signed.head
    return {"tree_size": head.size, "root_hash": b64url(head.root_hash), "time": head.time,
            "kid": published.kid}


def _overview(session: Session) -> dict[str, Any]:
    key = log.log_key(session)
    return {
        "tree_size": log.tree_size(session),
        "heads": [_head_record(h) for h in log.recent_heads(session, SHOWN)],
        "key": {"kid": key.kid, "public_key": b64url(key.public_key)} if key else None,
    }


async def log_page(request: web.Request) -> web.Response:
    overview = await db.run(request, _overview)
    return pages.render(request, "console/log.html",
                        {**overview, "signed": request.query.get("signed") == "1"})


def _sign(session: Session, *, passphrase: str | None, actor: str, client_hash: str) -> None:
    before = log.latest_head(session)
    published = log.sign_head(session, passphrase=passphrase, force=True)
    after = _head_record(published)
    audit.record(session, actor=actor, action="log.sign_head",
                 target=f"tree_size:{after['tree_size']}",
                 before=_json_head(before), after={**after, "time": after["time"].isoformat()},
                 client_hash=client_hash)


def _json_head(published: log.PublishedHead | None) -> dict[str, Any] | None:
    if published is None:
        return None
    record = _head_record(published)
    return {**record, "time": record["time"].isoformat()}


async def sign_now(request: web.Request) -> web.Response:
    staff = request[STAFF]
    try:
        await db.run(request, _sign, passphrase=request.config_dict[SETTINGS].key_passphrase,
                     actor=staff.username, client_hash=db.client_hash(request))
    except KeyStoreError:
        return pages.error(request, 503, "console.log.unavailable")
    return pages.redirect("/console/log?signed=1")


#: (method, path under /console, handler, permission), mounted by ``routes.py``.
ROUTES: list[Route] = [
    ("GET", "/log", log_page, Permission.LOG_SIGN),
    ("POST", "/log/sign", sign_now, Permission.LOG_SIGN),
]

"""``/console/users``: administrators disable, enable and unlock accounts.

Accounts are created with ``shangpin users add``, where the password is typed on a
terminal rather than sent through a web form.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from verifier.console import accounts, db, pages
from verifier.console.state import STAFF


def _listing(session: Session) -> list[dict[str, Any]]:
    rows = []
    for user in accounts.list_users(session):
        record = accounts.user_record(user)
        record["locked_until"] = user.locked_until
        record["body_name"] = user.body.name if user.body else None
        record["subject_name"] = user.subject.name if user.subject else None
        rows.append(record)
    return rows


async def users_page(request: web.Request) -> web.Response:
    return pages.render(request, "console/users.html",
                        {"users": await db.run(request, _listing)})


def _change(session: Session, username: str, change: str, *, actor: str,
            client_hash: str) -> None:
    if change == "unlock":
        accounts.unlock(session, username, actor=actor, client_hash=client_hash)
    else:
        accounts.set_active(session, username, change == "enable", actor=actor,
                            client_hash=client_hash)


async def change_user(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    change = request.match_info["change"]
    staff = request[STAFF]
    if change == "disable" and accounts.normalise_username(username) == staff.username:
        return pages.error(request, 400, "console.users.self")
    try:
        await db.run(request, _change, username, change, actor=staff.username,
                     client_hash=db.client_hash(request))
    except accounts.AccountError:
        return pages.error(request, 404, "console.not_found")
    return pages.redirect("/console/users")

"""``/console/account/password``: a signed-in user changes their own password."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.orm import Session

from verifier.console import accounts, db, pages, passwords
from verifier.console.sessions import Staff
from verifier.console.state import STAFF

MAX_FIELD = passwords.MAX_LENGTH + 1


async def password_form(request: web.Request) -> web.Response:
    return pages.render(request, "console/password.html", {"error": None, "done": False})


def _change(session: Session, staff: Staff, current: str, new: str, client_hash: str) -> str:
    """'' when changed, else the message key saying why not (and nothing changes)."""
    user = accounts.get_user(session, staff.username)
    if not passwords.verify_password(user.password_hash, current):
        return "console.password.wrong"
    try:
        accounts.set_password(session, staff.username, new, actor=staff.username,
                              client_hash=client_hash, action="account.password",
                              keep_session=staff.session_id)
    except accounts.AccountError:
        return "console.password.weak"
    return ""


async def change_password(request: web.Request) -> web.Response:
    form = await request.post()
    current = str(form.get("current", ""))[:MAX_FIELD]
    new = str(form.get("new", ""))[:MAX_FIELD]
    again = str(form.get("again", ""))[:MAX_FIELD]
    if new != again:
        return pages.render(request, "console/password.html",
                            {"error": "console.password.mismatch", "done": False}, status=400)
    problem = await db.run(request, _change, request[STAFF], current, new,
                           db.client_hash(request))
    if problem:
        return pages.render(request, "console/password.html",
                            {"error": problem, "done": False}, status=400)
    return pages.render(request, "console/password.html", {"error": None, "done": True})

"""Signing in and out of the console."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from sqlalchemy.orm import Session

from verifier.console import accounts, audit, csrf, db, pages, sessions
from verifier.console.accounts import LoginResult
from verifier.console.state import CONSOLE, STAFF, Console
from verifier.ratelimit import client_key

HOME = "/console/"
LOGIN = "/console/login"
LOGIN_COOKIE_AGE = 3600
MAX_FIELD = 300


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path on this site, else the home page."""
    if not value or len(value) > 500 or "\\" in value or any(ord(c) < 32 for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/console"):
        return HOME
    if value.startswith("//") or value.startswith(LOGIN):
        return HOME
    return value


def login_url(next_path: str) -> str:
    return f"{LOGIN}?{urlencode({'next': next_path})}" if next_path != HOME else LOGIN


def _form(request: web.Request, console: Console, nonce: str, *, next_path: str,
          username: str = "", error: str | None = None, status: int = 200) -> web.Response:
    context: dict[str, Any] = {
        "login_token": csrf.login_token(console.key, nonce), "next_path": next_path,
        "username": username, "error": error, "ended": request.query.get("ended") == "1",
    }
    response = pages.render(request, "console/login.html", context, status=status)
    if request.cookies.get(csrf.LOGIN_COOKIE) != nonce:
        response.set_cookie(csrf.LOGIN_COOKIE, nonce, path="/console", httponly=True,
                            secure=not sessions.plain_local(request), samesite="Lax",
                            max_age=LOGIN_COOKIE_AGE)
    return response


def _nonce(request: web.Request) -> str:
    nonce = request.cookies.get(csrf.LOGIN_COOKIE, "")
    return nonce if 16 <= len(nonce) <= 64 else csrf.new_login_nonce()


async def login_form(request: web.Request) -> web.Response:
    console = request.config_dict[CONSOLE]
    return _form(request, console, _nonce(request), next_path=safe_next(request.query.get("next")))


def _sign_in(session: Session, username: str, password: str, *, console: Console,
             client_hash: str, replacing: str | None) -> str | None:
    result, user = accounts.authenticate(session, username, password, policy=console.logins,
                                         client_hash=client_hash)
    if result is not LoginResult.SUCCESS or user is None:
        return None
    return sessions.start(session, user, key=console.key, policy=console.sessions,
                          replacing=replacing)


async def login(request: web.Request) -> web.Response:
    """The guard has checked the form's token already; here the limits, then the password."""
    console = request.config_dict[CONSOLE]
    form = await request.post()
    username = str(form.get("username", ""))[:MAX_FIELD]
    password = str(form.get("password", ""))[:MAX_FIELD]
    next_path = safe_next(str(form.get("next", "")))
    nonce = _nonce(request)
    client_ok, _ = console.per_client.allow(client_key(request.remote or "unknown"))
    account_ok, _ = console.per_account.allow(accounts.normalise_username(username))
    if not (client_ok and account_ok):
        return _form(request, console, nonce, next_path=next_path, username=username,
                     error="console.login.throttled", status=429)
    token = await db.run(request, _sign_in, username, password, console=console,
                         client_hash=db.client_hash(request),
                         replacing=sessions.token_from(request))
    if token is None:
        return _form(request, console, nonce, next_path=next_path, username=username,
                     error="console.login.failed", status=401)
    response = pages.redirect(next_path)
    sessions.set_cookie(request, response, token)
    response.del_cookie(csrf.LOGIN_COOKIE, path="/console")
    return response


def _sign_out(session: Session, token: str, *, key: bytes, actor: str, client_hash: str) -> None:
    sessions.end(session, token, key=key)
    audit.record(session, actor=actor, action="logout", target=f"user:{actor}",
                 client_hash=client_hash)


async def logout(request: web.Request) -> web.Response:
    console = request.config_dict[CONSOLE]
    staff = request[STAFF]
    token = sessions.token_from(request) or ""
    await db.run(request, _sign_out, token, key=console.key, actor=staff.username,
                 client_hash=db.client_hash(request))
    response = pages.redirect(f"{LOGIN}?ended=1")
    sessions.clear_cookie(request, response)
    return response

"""The console's routes under ``/console`` and the one guard around each of them.

The guard wraps console handlers only, so the public pages never pay for it. It
lets nothing through unsigned-in except the sign-in form, refuses every
state-changing request without the right CSRF token (or from another origin) before
the handler runs, checks the permission the route was registered with, and marks
every answer ``no-store``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web
from sqlalchemy.orm import Session

from shangpin.settings import Settings
from verifier.console import (
    account,
    audit_log,
    auth,
    csrf,
    db,
    enforcement_routes,
    home,
    lifecycle_routes,
    pages,
    roles,
    sessions,
    transparency_routes,
)
from verifier.console import audit as audit_trail
from verifier.console import users as users_view
from verifier.console.roles import Permission
from verifier.console.routing import Handler, Route
from verifier.console.state import CONSOLE, STAFF, Console
from verifier.keys import SETTINGS

log = logging.getLogger("shangpin.console")
PREFIX = "/console"
STATIC = Path(__file__).with_name("static")
ROUTES: list[Route] = [
    ("GET", "/login", auth.login_form, None),
    ("POST", "/login", auth.login, None),
    ("POST", "/logout", auth.logout, Permission.HOME),
    ("GET", "/", home.home, Permission.HOME),
    ("GET", "/certificates/{number}", home.certificate_page, Permission.CERTIFICATES_VIEW),
    ("GET", "/audit", audit_log.audit_page, Permission.AUDIT_VIEW),
    ("GET", "/users", users_view.users_page, Permission.USERS_MANAGE),
    ("POST", "/users/{username}/{change:disable|enable|unlock}", users_view.change_user,
     Permission.USERS_MANAGE),
    ("GET", "/account/password", account.password_form, Permission.ACCOUNT_PASSWORD),
    ("POST", "/account/password", account.change_password, Permission.ACCOUNT_PASSWORD),
    *enforcement_routes.ROUTES,  # alert queue, infringement records, credit files
    *lifecycle_routes.ROUTES,  # certificate lifecycle, surveillance, yearly reports
    *transparency_routes.ROUTES,  # the transparency log's tree heads
]


def requires(permission: Permission, handler: Handler) -> Handler:
    """``handler`` behind a role check; a refusal is recorded in the audit trail."""

    async def checked(request: web.Request) -> web.StreamResponse:
        staff = request[STAFF]
        if not roles.allowed(staff.role, permission):
            await db.run(request, _record_refusal, staff.username, permission.value,
                         request.path, db.client_hash(request))
            return pages.error(request, 403, "console.forbidden")
        return await handler(request)

    return checked


def _record_refusal(session: Session, actor: str, permission: str, path: str,
                    client_hash: str) -> None:
    audit_trail.record(session, actor=actor, action="access.denied",
                       target=path[:200], after={"permission": permission},
                       client_hash=client_hash)


async def _refuse_forgery(request: web.Request, why: str) -> web.Response:
    log.warning("console request refused (%s): %s %s", why, request.method, request.path)
    return pages.error(request, 403, "console.csrf")


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    console = request.config_dict[CONSOLE]
    unsafe = request.method not in csrf.SAFE_METHODS
    if unsafe and not csrf.same_origin(request, request.config_dict[SETTINGS].public_url):
        return await _refuse_forgery(request, "origin")
    if request.path == auth.LOGIN:
        if unsafe:
            nonce = request.cookies.get(csrf.LOGIN_COOKIE)
            expected = csrf.login_token(console.key, nonce) if nonce else None
            if not csrf.tokens_match(expected, await csrf.submitted_token(request)):
                return await _refuse_forgery(request, "login token")
        return await handler(request)
    token = sessions.token_from(request)
    staff = None
    if token:
        staff = await db.run(request, sessions.load, token, key=console.key,
                             policy=console.sessions)
    if staff is None:
        if unsafe:  # a form posted after the session ended: refuse, change nothing
            return await _refuse_forgery(request, "no session")
        return pages.redirect(auth.login_url(request.path_qs))
    if unsafe and not csrf.tokens_match(staff.csrf_token, await csrf.submitted_token(request)):
        return await _refuse_forgery(request, "csrf token")
    request[STAFF] = staff
    return await handler(request)


def guarded(handler: Handler, permission: Permission | None) -> Handler:
    """``handler`` behind the guard; ``permission`` None only for the sign-in form."""
    inner = handler if permission is None else requires(permission, handler)

    async def guard(request: web.Request) -> web.StreamResponse:
        try:
            response = await _guarded(request, inner)
        except web.HTTPException as exc:
            if exc.status >= 400:
                return pages.render(request, "console/error.html",
                                    {"status": exc.status, "message": exc.reason},
                                    status=exc.status)
            exc.headers.update(pages.NO_STORE)
            raise
        response.headers.update(pages.NO_STORE)
        return response

    return guard


async def _to_home(request: web.Request) -> web.Response:
    return pages.redirect(f"{PREFIX}/")


def setup_console(app: web.Application, settings: Settings) -> None:
    """Mount the console on ``app`` under ``/console``."""
    app[CONSOLE] = Console.from_settings(settings)
    for method, path, handler, permission in ROUTES:
        app.router.add_route(method, PREFIX + path, guarded(handler, permission))
    app.router.add_get(PREFIX, _to_home)
    app.router.add_static(f"{PREFIX}/static/", STATIC, append_version=True)

"""Server-side console sessions, kept in the database.

Why in the database rather than in an encrypted cookie: signing out, disabling an
account or changing a password ends the session at once in every verifier process
(a cookie would stay valid until it expired), idle and absolute limits are enforced
where the browser cannot touch them, and nothing about the user travels in the
cookie. The cookie carries only a random token; the table keeps an HMAC of it under
the session key, so a copy of the table cannot be replayed as cookies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import StaffRole, StaffSession, StaffUser

#: ``__Host-`` cookies are bound to this host and path and must be Secure.
SECURE_COOKIE = "__Host-sp_console"
#: Used only over plain HTTP to a loopback address (a developer's machine, tests),
#: where browsers and HTTP clients would not store a Secure cookie.
LOCAL_COOKIE = "sp_console"
#: Writing ``last_seen_at`` on every page would make every read a write.
TOUCH_EVERY = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta = dt.timedelta(minutes=30)
    lifetime: dt.timedelta = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Staff:
    """The signed-in user as handlers see it: plain values, no database session."""

    session_id: int
    user_id: int
    username: str
    display_name: str
    role: StaffRole
    body_id: int | None
    body_code: str | None
    body_name: str | None
    subject_id: int | None
    subject_uscc: str | None
    subject_name: str | None
    csrf_token: str


def digest(key: bytes, token: str) -> str:
    return hmac.new(key, token.encode("ascii"), hashlib.sha256).hexdigest()


def start(session: Session, user: StaffUser, *, key: bytes, policy: SessionPolicy,
          replacing: str | None = None, now: dt.datetime | None = None) -> str:
    """A new session for ``user``; returns the token for the cookie. Any session the
    browser had before is deleted, so a token planted before login is worthless."""
    now = now or utcnow()
    if replacing:
        session.execute(delete(StaffSession).where(
            StaffSession.token_digest == digest(key, replacing)))
    # Sweep sessions that ended, so the table holds only live ones.
    session.execute(delete(StaffSession).where(or_(
        StaffSession.expires_at <= now, StaffSession.last_seen_at <= now - policy.idle)))
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_digest=digest(key, token), user_id=user.id,
                             csrf_token=secrets.token_urlsafe(32), created_at=now,
                             last_seen_at=now, expires_at=now + policy.lifetime))
    session.flush()
    return token


def load(session: Session, token: str, *, key: bytes, policy: SessionPolicy,
         now: dt.datetime | None = None) -> Staff | None:
    """The staff member behind ``token``, or None when it is unknown, idle too long,
    past its lifetime, or its account is disabled (then the row is removed)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    row = session.scalar(select(StaffSession).where(
        StaffSession.token_digest == digest(key, token)))
    if row is None:
        return None
    if (row.expires_at <= now or row.last_seen_at <= now - policy.idle
            or not row.user.active):
        session.delete(row)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    user = row.user
    return Staff(session_id=row.id, user_id=user.id, username=user.username,
                 display_name=user.display_name, role=user.role, body_id=user.body_id,
                 body_code=user.body.code if user.body else None,
                 body_name=user.body.name if user.body else None,
                 subject_id=user.subject_id,
                 subject_uscc=user.subject.uscc if user.subject else None,
                 subject_name=user.subject.name if user.subject else None,
                 csrf_token=row.csrf_token)


def end(session: Session, token: str, *, key: bytes) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_digest == digest(key, token)))


# ---------------------------------------------------------------- the cookie


def plain_local(request: web.Request) -> bool:
    """Plain HTTP to a loopback address: the one case a Secure cookie cannot work."""
    if request.secure:
        return False
    host = request.url.host or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_name(request: web.Request) -> str:
    return LOCAL_COOKIE if plain_local(request) else SECURE_COOKIE


def token_from(request: web.Request) -> str | None:
    return request.cookies.get(cookie_name(request))


def set_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    # No Max-Age: the cookie ends with the browser; the server enforces the lifetime.
    response.set_cookie(cookie_name(request), token, path="/", httponly=True,
                        secure=not plain_local(request), samesite="Lax")


def clear_cookie(request: web.Request, response: web.StreamResponse) -> None:
    response.del_cookie(cookie_name(request), path="/", secure=not plain_local(request),
                        httponly=True, samesite="Lax")

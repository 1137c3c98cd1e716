"""Cross-site request forgery defences for every state-changing console request.

Signed-in pages carry the session's own random token in a hidden field. The sign-in
form has no session yet, so it uses a signed double-submit token: a random nonce in
a cookie and its HMAC under the session key in the form; another site can neither
read the cookie nor compute the HMAC. Origin (or Referer) is checked as well when
the browser sends one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from aiohttp import web

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "sp_login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def login_token(key: bytes, nonce: str) -> str:
    return hmac.new(key, b"console-login:" + nonce.encode("ascii", "replace"),
                    hashlib.sha256).hexdigest()


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def same_origin(request: web.Request, public_url: str) -> bool:
    """False when the browser says the request comes from another origin."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return False
    source = request.headers.get("Origin")
    if source is None:
        source = request.headers.get("Referer")
    if not source:
        return True  # a browser always sends Origin on a POST; scripts may send neither
    try:
        netloc = urlsplit(source).netloc.lower()
    except ValueError:
        return False
    if not netloc:  # "null" origins: sandboxed frames, file: pages
        return False
    return netloc in {request.host.lower(), urlsplit(public_url).netloc.lower()}


async def submitted_token(request: web.Request) -> str | None:
    """The token sent with a request: the header, else the form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    form = await request.post()
    value = form.get(FIELD)
    return value if isinstance(value, str) else None

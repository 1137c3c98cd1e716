"""Jinja2 templates with autoescaping, rendered in the request's language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from issuer.status import TIMEZONE
from verifier import i18n

TEMPLATES = Path(__file__).with_name("templates")
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def day(value: dt.date | dt.datetime | None) -> str:
    """A calendar date as the scheme dates things: Shanghai time, ISO form."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # stored timestamps are UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(TIMEZONE).date().isoformat()
    return value.isoformat()


def moment(value: dt.datetime) -> str:
    """A time to the minute, Shanghai time (what a consumer compares with their clock)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,  # templates ship with the code; no stat() per render
)
_ENV.filters["day"] = day
_ENV.filters["moment"] = moment


def environment() -> jinja2.Environment:
    return _ENV


def language_switch_url(request: web.Request, language: str) -> str:
    """The same page in the other language. A relative ``?query`` reference keeps the
    path as it is (and can never point off-site); other methods go to the start page."""
    other = "en" if language == "zh" else "zh"
    if request.method not in ("GET", "HEAD"):
        return f"/?lang={other}"
    query = [(k, v) for k, v in request.query.items() if k != "lang"]
    return "?" + urlencode([*query, ("lang", other)])


def render(request: web.Request, template: str, context: dict[str, Any], *,
           status: int = 200, headers: dict[str, str] | None = None,
           remember_language: bool = True) -> web.Response:
    """Render a page; ``?lang=`` is remembered in a cookie unless the page is publicly
    cacheable (``remember_language=False``), where a Set-Cookie would be shared."""
    language = i18n.negotiate(request)
    html = _ENV.get_template(template).render(
        lang=language, t=i18n.translator(language), request=request,
        switch_url=language_switch_url(request, language), **context
    )
    response = web.Response(text=html, status=status, content_type="text/html",
                            charset="utf-8", headers=headers)
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Content-Language"] = "zh-CN" if language == "zh" else "en"
    asked = request.query.get("lang")
    if remember_language and asked in i18n.LANGUAGES and request.cookies.get("lang") != asked:
        response.set_cookie("lang", asked, max_age=LANGUAGE_COOKIE_AGE, path="/",
                            samesite="Lax", httponly=True, secure=request.secure)
    return response


def render_error(request: web.Request, status: int, title: str, detail: str, *,
                 headers: dict[str, str] | None = None) -> web.Response:
    language = i18n.negotiate(request)
    key = f"error.{status}"
    message = i18n.translator(language)(key) if key in i18n.MESSAGES else detail
    headers = {**(headers or {}), "Cache-Control": "no-store"}
    return render(request, "error.html", {"status": status, "message": message},
                  status=status, headers=headers)

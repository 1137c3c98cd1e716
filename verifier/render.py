"""Jinja2 templates with autoescaping, rendered in the request's language."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web
from markupsafe import Markup, escape

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
    # Every scan page shows the time of the scan, and scans come many a minute: the
    # text is kept per minute (Shanghai's offset is whole minutes, so a UTC minute is
    # one Shanghai minute).
    minute = int(value.timestamp() // 60)
    shown = _MINUTES.get(minute)
    if shown is None:
        shown = value.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")
        if len(_MINUTES) >= 1024:
            _MINUTES.clear()
        _MINUTES[minute] = shown
    return shown


_MINUTES: dict[int, str] = {}


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
    if not request.query_string:
        return f"?lang={other}"
    query = [(k, v) for k, v in request.query.items() if k != "lang"]
    return "?" + urlencode([*query, ("lang", other)])


def page_context(request: web.Request, language: str) -> dict[str, Any]:
    """What every page template expects besides its own values."""
    return {"lang": language, "t": i18n.translator(language), "request": request,
            "switch_url": language_switch_url(request, language)}


def render(request: web.Request, template: str, context: dict[str, Any], *,
           status: int = 200, headers: dict[str, str] | None = None,
           remember_language: bool = True) -> web.Response:
    """Render a page; ``?lang=`` is remembered in a cookie unless the page is publicly
    cacheable (``remember_language=False``), where a Set-Cookie would be shared."""
    language = i18n.negotiate(request)
    html = _ENV.get_template(template).render(**page_context(request, language), **context)
    return html_response(request, html, language, status=status, headers=headers,
                         remember_language=remember_language)


def html_response(request: web.Request, html: str, language: str, *, status: int = 200,
                  headers: dict[str, str] | None = None,
                  remember_language: bool = True) -> web.Response:
    """A rendered page as the answer, with its language headers (and cookie)."""
    response = web.Response(text=html, status=status, content_type="text/html",
                            charset="utf-8", headers=headers)
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Content-Language"] = "zh-CN" if language == "zh" else "en"
    asked = request.query.get("lang") if request.query_string else None
    if remember_language and asked in i18n.LANGUAGES and request.cookies.get("lang") != asked:
        response.set_cookie("lang", asked, max_age=LANGUAGE_COOKIE_AGE, path="/",
                            samesite="Lax", httponly=True, secure=request.secure)
    return response


#: Open values are marked with private-use characters, which no template, translation
#: or URL-encoded link contains.
_FIRST_MARK = 0xE000


def open_values(*names: str) -> dict[str, Markup]:
    """A mark for each value a ``Stencil`` leaves open, to put in its context."""
    return {name: Markup(chr(_FIRST_MARK + i)) for i, name in enumerate(names)}


class Stencil:
    """A template rendered once with some values left open, filled in per request.

    For a page that is the same for many requests but for a few values: rendered with
    a mark in place of each open value, it is kept as the text between the marks. The
    template may print an open value (``{{ x }}``, or inside a translation) but must
    not test or filter it: whatever decides the page's shape belongs to the key under
    which the caller keeps the stencil. Values are escaped as the template would have
    escaped them (``Markup`` goes in as it is).
    """

    def __init__(self, template: str, context: dict[str, Any],
                 marks: dict[str, Markup]) -> None:
        self.names = tuple(marks)
        html = _ENV.get_template(template).render(**context)
        parts = re.split("([" + "".join(marks.values()) + "])", html)
        self._texts = parts[0::2]
        self._holes = [ord(mark) - _FIRST_MARK for mark in parts[1::2]]

    def fill(self, values: dict[str, Any]) -> str:
        escaped = [escape(values[name]) for name in self.names]
        out = [self._texts[0]]
        for hole, text in zip(self._holes, self._texts[1:], strict=True):
            out += (escaped[hole], text)
        return "".join(out)


def render_part(template: str, context: dict[str, Any]) -> Markup:
    """A template rendered as a part of a page (already escaped)."""
    return Markup(_ENV.get_template(template).render(**context))


def render_error(request: web.Request, status: int, title: str, detail: str, *,
                 headers: dict[str, str] | None = None) -> web.Response:
    language = i18n.negotiate(request)
    key = f"error.{status}"
    message = i18n.translator(language)(key) if key in i18n.MESSAGES else detail
    headers = {**(headers or {}), "Cache-Control": "no-store"}
    return render(request, "error.html", {"status": status, "message": message},
                  status=status, headers=headers)

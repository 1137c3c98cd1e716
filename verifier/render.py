"""Jinja2 templates with autoescaping, rendered in the request's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from verifier import i18n

TEMPLATES = Path(__file__).with_name("templates")
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def environment() -> jinja2.Environment:
    return _ENV


def render(request: web.Request, template: str, context: dict[str, Any], *,
           status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    language = i18n.negotiate(request)
    html = _ENV.get_template(template).render(
        lang=language, t=i18n.translator(language), request=request, **context
    )
    response = web.Response(text=html, status=status, content_type="text/html",
                            charset="utf-8", headers=headers)
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Content-Language"] = "zh-CN" if language == "zh" else "en"
    return response


def render_error(request: web.Request, status: int, title: str, detail: str, *,
                 headers: dict[str, str] | None = None) -> web.Response:
    language = i18n.negotiate(request)
    key = f"error.{status}"
    message = i18n.translator(language)(key) if key in i18n.MESSAGES else detail
    headers = {**(headers or {}), "Cache-Control": "no-store"}
    return render(request, "error.html", {"status": status, "message": message},
                  status=status, headers=headers)

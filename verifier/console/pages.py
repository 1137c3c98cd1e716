"""Rendering console pages: the public templates' environment, the console's texts,
and headers that keep every console answer out of caches."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from verifier import i18n
from verifier.console import messages, roles
from verifier.render import environment, html_response

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def switch_url(request: web.Request, language: str) -> str:
    """This page in the other language (a form's answer switches to its GET page)."""
    other = "en" if language == "zh" else "zh"
    if request.method not in ("GET", "HEAD"):
        return f"{request.path}?lang={other}"
    query = [(k, v) for k, v in request.query.items() if k != "lang"]
    return "?" + urlencode([*query, ("lang", other)])


def render(request: web.Request, template: str, context: dict[str, Any], *,
           status: int = 200) -> web.Response:
    from verifier.console.state import STAFF

    language = i18n.negotiate(request)
    staff = request.get(STAFF)

    def can(permission: str) -> bool:
        """For templates: show a link or a button only to whom may use it."""
        return staff is not None and roles.allowed(staff.role, roles.Permission(permission))

    values = {"lang": language, "t": messages.translator(language), "request": request,
              "switch_url": switch_url(request, language), "staff": staff, "can": can,
              **context}
    html = environment().get_template(template).render(**values)
    return html_response(request, html, language, status=status, headers=dict(NO_STORE))


def error(request: web.Request, status: int, message_key: str) -> web.Response:
    t = messages.translator(i18n.negotiate(request))
    return render(request, "console/error.html", {"status": status, "message": t(message_key)},
                  status=status)


def redirect(location: str, headers: dict[str, str] | None = None) -> web.Response:
    """A 303 answer (returned, not raised: raising skips the console's headers)."""
    return web.Response(status=303, headers={"Location": location, **NO_STORE, **(headers or {})})

"""What holders embed: a live status badge (SVG) and a small framed card.

Both show the live status, so they are cached only briefly (badge 5 minutes with an
ETag, card 1 minute). The badge's language comes from ``?lang=`` alone, so one badge
URL is one body for every shared cache; the card follows the usual negotiation (and
says so with ``Vary``) but never sets the language cookie on a cacheable answer. A
badge's SVG is made once per certificate view, status and language, and kept.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from aiohttp import web

from issuer.status import today
from verifier import i18n
from verifier.app import FRAMEABLE
from verifier.keys import READ_MODEL
from verifier.public.certificates import normalise_number
from verifier.public.presentation import BADGE_COLOURS
from verifier.readmodel import CertificateView
from verifier.render import environment, render

BADGE_CACHE = "public, max-age=300"
UNKNOWN_CACHE = "public, max-age=60"
EMBED_CACHE = "public, max-age=60"
LABEL_COLOUR = "#555"
_SVG = {"Content-Type": "image/svg+xml; charset=utf-8"}
_UNKNOWN_HEADERS = {**_SVG, "Cache-Control": UNKNOWN_CACHE}
#: Bound on the kept badges; past it they are made afresh.
MAX_REMEMBERED = 100_000


def badge_language(request: web.Request) -> str:
    return "en" if request.query.get("lang") == "en" else i18n.DEFAULT


def text_width(text: str) -> int:
    """Approximate rendered width at 11 px: wide (CJK) characters are about a full em."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += 11.5
        elif char in "ijlI.,:;|!' ":
            width += 3.6
        elif char.isupper() or char in "mw":
            width += 8.2
        else:
            width += 6.6
    return round(width)


def badge_svg(label: str, message: str, colour: str, title: str) -> str:
    left = text_width(label) + 12
    right = text_width(message) + 12
    context: dict[str, Any] = {
        "label": label, "message": message, "colour": colour, "label_colour": LABEL_COLOUR,
        "title": title, "left": left, "right": right, "width": left + right,
    }
    return environment().get_template("badge.svg").render(**context)


def describe(view: CertificateView | None, language: str) -> tuple[str, str, str, str]:
    """(label, message, colour, title) of the badge for a certificate or an unknown number."""
    t = i18n.translator(language)
    if view is None:
        label = t("badge.shangpin")
        return label, t("status.unknown"), BADGE_COLOURS["unknown"], \
            f"{label}: {t('status.unknown')}"
    status = view.status(today()).value
    label = t(f"badge.{view.scheme.value}")
    message = t(f"status.{status}")
    return label, message, BADGE_COLOURS[status], f"{label} {view.number}: {message}"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


def matches(if_none_match: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


class Badges:
    """Badge bodies and their ETags, made once per certificate view, status and
    language: a registry change brings a new view, and the status moves with the date."""

    def __init__(self) -> None:
        self._made: dict[tuple[str | None, str], tuple[CertificateView | None, str, bytes, str]]
        self._made = {}

    def get(self, view: CertificateView | None, language: str) -> tuple[bytes, str]:
        """(body, ETag); one body serves every unknown number."""
        status = view.status(today()).value if view is not None else "unknown"
        key = (view.number if view is not None else None, language)
        kept = self._made.get(key)
        if kept is not None and kept[0] is view and kept[1] == status:
            return kept[2], kept[3]
        body = badge_svg(*describe(view, language)).encode("utf-8")
        made = (view, status, body, etag_of(body))
        if len(self._made) >= MAX_REMEMBERED:
            self._made.clear()
        self._made[key] = made
        return made[2], made[3]


BADGES = web.AppKey("badges", Badges)


async def badge(request: web.Request) -> web.Response:
    number = normalise_number(request.match_info["number"])
    view = await request.app[READ_MODEL].certificate(number) if number else None
    body, etag = request.app[BADGES].get(view, badge_language(request))
    if view is None:
        return web.Response(body=body, status=404, headers=_UNKNOWN_HEADERS)
    cache = {"Cache-Control": BADGE_CACHE, "ETag": etag}
    if matches(request.headers.get("If-None-Match", ""), etag):
        return web.Response(status=304, headers=cache)
    return web.Response(body=body, headers={**_SVG, **cache})


def allow_framing(request: web.Request) -> None:
    """Let holders' pages frame this response (the security headers read the flag)."""
    request[FRAMEABLE] = True


async def embed(request: web.Request) -> web.Response:
    allow_framing(request)
    number = normalise_number(request.match_info["number"])
    view = await request.app[READ_MODEL].certificate(number) if number else None
    status = view.status(today()).value if view else "unknown"
    context: dict[str, Any] = {"certificate": view, "status": status}
    return render(request, "embed.html", context, status=200 if view else 404,
                  headers={"Cache-Control": EMBED_CACHE if view else UNKNOWN_CACHE},
                  remember_language=False)


def setup(app: web.Application) -> None:
    app[BADGES] = Badges()
    app.router.add_get("/badge/{number}.svg", badge)
    app.router.add_get("/embed/{number}", embed)

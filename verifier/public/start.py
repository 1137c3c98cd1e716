"""The start page, and ``/check``: one box that takes a code, a mark URL, a certificate
number or a name, and sends the visitor to the page that answers it."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from aiohttp import web

from verifier.public.certificates import normalise_number
from verifier.render import render

#: A pasted mark URL (any host: the scan page judges the host-free code itself).
MARK_URL = re.compile(r"^(?:https?://)?[^/\s]*/v/(?P<code>[^/?#\s]+)$", re.IGNORECASE)
#: A bare code: long base32. Lower case is let through so the page can say it is wrong.
BARE_CODE = re.compile(r"^[A-Za-z2-7]{40,256}$")
#: What certificate numbers look like (SP-2025-00001); other text is a registry search.
NUMBER_SHAPE = re.compile(r"^[A-Za-z]{1,4}-\d{4}-\d{1,8}$")


def destination(text: str) -> str:
    """Where the start page's box leads; always a path on this site."""
    text = text.strip()[:300]
    if not text:
        return "/"
    match = MARK_URL.match(text)
    if match:
        return "/V/" + quote(match.group("code"), safe="")
    if BARE_CODE.match(text):
        return "/V/" + text
    if NUMBER_SHAPE.match(text):
        number = normalise_number(text)
        if number is not None:
            return "/certificates/" + number
    return "/registry?" + urlencode({"q": text})


async def start_page(request: web.Request) -> web.Response:
    return render(request, "start.html", {}, headers={"Cache-Control": "no-cache"})


async def check(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther(destination(request.query.get("q", "")))


def setup(app: web.Application) -> None:
    app.router.add_get("/", start_page)
    app.router.add_get("/check", check)

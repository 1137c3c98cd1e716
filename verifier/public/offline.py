"""``/offline``: verify marks in the browser with a signed bundle, with no network.

The page is plain HTML; its script (static/offline/offline.js) checks the bundle and
each code with WebCrypto's Ed25519, by the same rules as ``issuer.bundle`` and
``issuer.verification``. A service worker (``/offline/sw.js``, scope ``/offline``) keeps
the page and its assets, and the page keeps the last bundle it accepted, so a reload
with the network cut still verifies.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web

from verifier import i18n
from verifier.api.responses import conditional
from verifier.api.statusservice import STATUS_LIST, SigningUnavailable
from verifier.errors import problem
from verifier.public import offline_messages
from verifier.public.presentation import LOOKS
from verifier.render import render

log = logging.getLogger("shangpin.verifier")
STATIC = Path(__file__).resolve().parents[1] / "static" / "offline"
SCOPE = "/offline"
#: The page and worker are revalidated on every load while online (so a new release
#: reaches the cache); offline, the worker answers from its cache.
REVALIDATE = "no-cache"
BUNDLE_CACHE = "public, max-age=60"
#: Status words and verdict banners the script shows, besides the page's own texts.
_SHOWN = [f"verdict.{status}.{part}" for status in LOOKS for part in ("title", "explain")]
_WORKER = (STATIC / "sw.js").read_bytes()


def _texts(language: str) -> dict[str, str]:
    t = i18n.translator(language)
    return {key: t(key) for key in [*offline_messages.MESSAGES, *_SHOWN]}


def _looks() -> dict[str, dict[str, str]]:
    return {status: {"css": look.css, "symbol": look.symbol} for status, look in LOOKS.items()}


async def offline_page(request: web.Request) -> web.Response:
    language = i18n.negotiate(request)
    context: dict[str, Any] = {"texts": _texts(language), "looks": _looks()}
    return render(request, "offline.html", context, headers={"Cache-Control": REVALIDATE})


async def offline_bundle(request: web.Request) -> web.Response:
    """The current signed bundle; gzipped on the wire for clients that accept it."""
    try:
        published = await request.app[STATUS_LIST].bundle()
    except SigningUnavailable as exc:
        log.warning("offline bundle cannot be signed: %s", exc)
        return problem(request, 503, "Service Unavailable",
                       "Signing is unavailable: the bundle cannot be issued right now.",
                       headers={"Retry-After": "60"})
    response = conditional(request, published.body, BUNDLE_CACHE, etag=published.etag)
    response.headers[hdrs.VARY] = "Accept-Encoding"
    accepts = request.headers.get(hdrs.ACCEPT_ENCODING, "")
    if response.status == 200 and published.gzipped is not None and "gzip" in accepts:
        response.body = published.gzipped
        response.headers[hdrs.CONTENT_ENCODING] = "gzip"
    return response


async def service_worker(request: web.Request) -> web.Response:
    return web.Response(body=_WORKER, content_type="text/javascript", charset="utf-8", headers={
        "Cache-Control": REVALIDATE,
        # The script lives under /offline/ but controls /offline itself.
        "Service-Worker-Allowed": SCOPE,
    })


def setup(app: web.Application) -> None:
    app.router.add_get(SCOPE, offline_page)
    app.router.add_get(f"{SCOPE}/bundle.json", offline_bundle)
    app.router.add_get(f"{SCOPE}/sw.js", service_worker)

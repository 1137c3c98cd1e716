"""``/offline``: verify marks in the browser with a signed bundle, with no network.

The page is plain HTML; its script (static/offline/offline.js) checks the bundle and
each code with WebCrypto's Ed25519, by the same rules as ``issuer.bundle`` and
``issuer.verification``. A service worker (``/offline/sw.js``, scope ``/offline``) keeps
the page and its assets, and the page keeps the last bundle it accepted, so a reload
with the network cut still verifies.

The page carries its own trust anchor: the registry's signing keys (those of
``/.well-known/shangpin/jwks.json``) are written into its data block when it is served,
and the script accepts only a bundle signed by one of them that is active. A bundle
cannot vouch for itself, and the page's origin (HTTPS) is what the anchor rests on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web

from issuer.keys import to_jwks
from verifier import i18n
from verifier.api.responses import conditional
from verifier.api.statusservice import STATUS_LIST, SigningUnavailable
from verifier.errors import problem
from verifier.keys import READ_MODEL
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
    keys = await request.app[READ_MODEL].keys()
    data: dict[str, Any] = {"texts": _texts(language), "looks": _looks(),
                            "trust": to_jwks(dict(sorted(keys.items())))}
    return render(request, "offline.html", {"data": data},
                  headers={"Cache-Control": REVALIDATE})


async def offline_bundle(request: web.Request) -> web.Response:
    """The current signed bundle; gzipped on the wire for clients that accept it."""
    try:
        published = await request.app[STATUS_LIST].bundle()
    except SigningUnavailable as exc:
        log.warning("offline bundle cannot be signed: %s", exc)
        return problem(request, 503, "Service Unavailable",
                       "Signing is unavailable: the bundle cannot be issued right now.",
                       headers={"Retry-After": "60"})
    # Each encoding is its own representation with its own strong ETag (RFC 9110 8.8.3),
    # so a cache never answers a request for one with the other.
    gzipped = published.gzipped is not None and _accepts_gzip(request)
    etag = f"{published.etag}-gzip" if gzipped else published.etag
    response = conditional(request, published.body, BUNDLE_CACHE, etag=etag)
    response.headers[hdrs.VARY] = "Accept-Encoding"
    if gzipped and response.status == 200 and published.gzipped is not None:
        response.body = published.gzipped
        response.headers[hdrs.CONTENT_ENCODING] = "gzip"
    return response


def _accepts_gzip(request: web.Request) -> bool:
    """Whether Accept-Encoding takes gzip; ``gzip;q=0`` refuses it."""
    for item in request.headers.get(hdrs.ACCEPT_ENCODING, "").split(","):
        name, *params = (part.strip() for part in item.split(";"))
        if name.lower() not in ("gzip", "x-gzip"):
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False


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

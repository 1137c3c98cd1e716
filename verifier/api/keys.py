"""``/.well-known/shangpin/jwks.json``: the public signing keys (RFC 7517, RFC 8037 OKP).

Offline verifiers fetch it to check mark codes and the signed status list; retired
keys stay listed (what they signed still verifies) and compromised keys are listed
with ``"state": "compromised"`` so a verifier can refuse what they signed.
"""

from __future__ import annotations

from aiohttp import web

from issuer.keys import to_jwks
from verifier.api.responses import conditional, dumps, etag_of
from verifier.keys import READ_MODEL
from verifier.readmodel import ReadModel

CACHE_CONTROL = "public, max-age=300"


class JwksCache:
    """The encoded key set, rebuilt only when the read model reloads its keys."""

    def __init__(self, read_model: ReadModel) -> None:
        self.read_model = read_model
        self._source: object | None = None
        self._body = b""
        self._etag = ""

    async def current(self) -> tuple[bytes, str]:
        keys = await self.read_model.keys()
        # The read model hands out one dict until the registry changes, then a new one.
        if keys is not self._source:
            self._body = dumps(to_jwks(dict(sorted(keys.items()))))
            self._etag = etag_of(self._body)
            self._source = keys
        return self._body, self._etag


JWKS_CACHE = web.AppKey("jwks_cache", JwksCache)


async def jwks(request: web.Request) -> web.Response:
    body, etag = await request.app[JWKS_CACHE].current()
    return conditional(request, body, CACHE_CONTROL, etag=etag)


async def _start(app: web.Application) -> None:
    app[JWKS_CACHE] = JwksCache(app[READ_MODEL])


def setup(app: web.Application) -> None:
    """Runs after the app's database context, which makes the read model."""
    app.on_startup.append(_start)

"""The baseline: an aiohttp handler doing only the irreducible work of a scan.

    python bench/verifier/bare_server.py --port P --key KID:PUBLICKEYHEX [--key ...]

Per request it parses the code (``issuer.payload.decode_code``), checks its Ed25519
signature (``issuer.ed25519.verify``) and returns a small fixed JSON: no database,
no cache, no middleware, no access log. The service is measured against it.
"""

from __future__ import annotations

import argparse

from aiohttp import web

from issuer import ed25519
from issuer.errors import MalformedCode
from issuer.payload import decode_code

AUTHENTIC = b'{"verdict":"authentic"}'
FORGED = b'{"verdict":"forged"}'
MALFORMED = b'{"verdict":"malformed"}'
KEYS = web.AppKey("keys", dict)


async def verify(request: web.Request) -> web.Response:
    try:
        mark = decode_code(request.match_info["code"])
    except MalformedCode:
        return web.Response(body=MALFORMED, status=400, content_type="application/json")
    public = request.app[KEYS].get(mark.payload.kid)
    ok = public is not None and ed25519.verify(public, mark.signature,
                                               mark.payload.signing_input())
    return web.Response(body=AUTHENTIC if ok else FORGED, content_type="application/json")


async def ready(_request: web.Request) -> web.Response:
    return web.Response(body=b'{"status":"ok"}', content_type="application/json")


def create_app(keys: dict[str, bytes]) -> web.Application:
    app = web.Application()
    app[KEYS] = keys
    app.router.add_get("/api/v1/verify/{code}", verify)
    app.router.add_get("/healthz", ready)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", action="append", required=True, metavar="KID:HEX")
    args = parser.parse_args()
    keys = {kid: bytes.fromhex(hex_key)
            for kid, _, hex_key in (item.partition(":") for item in args.key)}
    web.run_app(create_app(keys), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()

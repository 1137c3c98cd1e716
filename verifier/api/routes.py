"""Routes of the JSON API, the JWKS and the signed status list."""

from __future__ import annotations

from aiohttp import web

from verifier.api import certificates, cors, keys, openapi, registry, reports, statusservice, verify
from verifier.api import log as transparency_log

PREFIX = "/api/v1"


def setup(app: web.Application) -> None:
    cors.setup(app)
    keys.setup(app)
    statusservice.setup(app)
    verify.setup(app)
    transparency_log.setup(app)  # /api/v1/log/... and the log's public key
    # Read-only answers: any origin may read them.
    cors.open_get(app, PREFIX + "/verify/{code:.+}", verify.verify_get, name="api.verify")
    cors.open_get(app, PREFIX + "/certificates/{number}", certificates.certificate,
                  name="api.certificate")
    cors.open_get(app, PREFIX + "/registry", registry.search, name="api.registry")
    cors.open_get(app, PREFIX + "/status-list", statusservice.status_list,
                  name="api.status_list")
    cors.open_get(app, PREFIX + "/openapi.json", openapi.serve, name="api.openapi")
    cors.open_get(app, "/.well-known/shangpin/jwks.json", keys.jwks, name="api.jwks")
    # Same-origin only: POST verify is for our own pages and server-side clients; a
    # report writes.
    app.router.add_post(PREFIX + "/verify", verify.verify_post, name="api.verify_post")
    app.router.add_post(PREFIX + "/reports", reports.submit, name="api.reports")

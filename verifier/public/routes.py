"""Routes of the public pages."""

from __future__ import annotations

from aiohttp import web

from verifier.public import badges, certificates, offline, registry, report, scan, start


def setup(app: web.Application) -> None:
    for module in (start, scan, report, registry, certificates, badges, offline):
        module.setup(app)

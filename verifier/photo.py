"""Photo check: find and decode the QR in an uploaded photo of a mark."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    return None

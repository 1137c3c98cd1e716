"""Early-warning rules over written scan batches (filled in by the scan-alert work)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


async def evaluate(app: web.Application, batch: list[dict[str, Any]]) -> None:
    """Raise stored alerts for what the batch shows; idempotent per alert."""
    return None

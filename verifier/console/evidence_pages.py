"""Serving evidence files from console routes, checked and defused.

The captured page is whatever a marketplace (or a forger) sent, so it is never rendered in
the console's origin: it goes out as ``text/plain`` inside a sandbox policy, with
``nosniff`` so no browser second-guesses the type, and a file name. Images go out only as
the image type their bytes show, under the same policy. A file whose digest no longer
matches the record is refused with a warning page instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from verifier.console import evidence, pages
from verifier.keys import SETTINGS

#: No scripts, no plugins, no forms, no same-origin access, nothing loaded from anywhere.
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'none'"


def evidence_root(request: web.Request) -> Path:
    return Path(request.config_dict[SETTINGS].evidence_dir)


async def checked(request: web.Request, details: Mapping[str, Any], role: str, *,
                  keep: bool) -> evidence.Checked | None:
    wanted = evidence.expected(details, role)
    if wanted is None:
        return None
    root = evidence_root(request)
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: evidence.check(root, wanted, keep=keep))


async def check_all(request: web.Request,
                    details: Mapping[str, Any]) -> dict[str, evidence.Checked]:
    root = evidence_root(request)
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: evidence.check_all(root, details))


async def serve(request: web.Request, details: Mapping[str, Any], role: str,
                name: str) -> web.Response:
    """The ``role`` file of these details, if genuine; ``name`` prefixes its file name."""
    found = await checked(request, details, role, keep=True)
    if found is None or found.state is evidence.State.MISSING:
        return pages.error(request, 404, "console.evidence.missing")
    if found.state is evidence.State.TAMPERED or found.data is None:
        return pages.error(request, 409, "console.evidence.tampered")
    headers = {"Content-Security-Policy": SANDBOX, "X-Content-Type-Options": "nosniff",
               "Cross-Origin-Resource-Policy": "same-origin",
               "X-Evidence-SHA256": found.expected.sha256, **pages.NO_STORE}
    if role == "page":
        headers["Content-Disposition"] = f'inline; filename="{name}-page.html.txt"'
        try:
            found.data.decode("utf-8")
            content_type = "text/plain; charset=utf-8"
        except UnicodeDecodeError:
            content_type = "text/plain"
        return web.Response(body=found.data, headers={**headers, "Content-Type": content_type})
    media = evidence.media_type(found.data)
    if media is None:
        headers["Content-Disposition"] = f'attachment; filename="{name}-{role}.bin"'
        media = "application/octet-stream"
    else:
        extension = media.split("/")[1].replace("jpeg", "jpg")
        headers["Content-Disposition"] = f'inline; filename="{name}-{role}.{extension}"'
    return web.Response(body=found.data, headers={**headers, "Content-Type": media})

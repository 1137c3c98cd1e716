"""``/api/v1/registry``: search the public registry, the same query as the /registry page."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from issuer.status import PublicStatus, today
from storage.enums import Scheme
from verifier.api.responses import clean_text, conditional, dumps, invalid_input
from verifier.keys import ENGINE, SETTINGS
from verifier.search import MAX_PAGE_SIZE, MAX_QUERY, SearchPage, search_registry

CACHE_CONTROL = "public, max-age=30"
DEFAULT_PAGE_SIZE = 20
#: Deep enough for any real browsing; bounds the OFFSET a client can ask for.
MAX_PAGE = 10_000
_WHOLE = re.compile(r"[0-9]{1,6}")


class BadParam(ValueError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name, self.reason = name, reason


def _whole(query: Any, name: str, default: int, high: int) -> int:
    text = query.get(name, "")
    if text == "":
        return default
    if not _WHOLE.fullmatch(text) or not 1 <= int(text) <= high:
        raise BadParam(name, f"must be a whole number from 1 to {high}")
    return int(text)


def parse(query: Any) -> dict[str, Any]:
    """Validated search parameters; ``BadParam`` names the first one that is wrong."""
    text = clean_text(query.get("q", ""))
    if text is None or not text.isprintable():
        raise BadParam("q", "must be printable text")
    if len(text) > MAX_QUERY:
        raise BadParam("q", f"at most {MAX_QUERY} characters")
    scheme = query.get("scheme", "")
    if scheme and scheme not in {s.value for s in Scheme}:
        raise BadParam("scheme", "one of " + ", ".join(s.value for s in Scheme))
    status = query.get("status", "")
    if status and status not in {s.value for s in PublicStatus}:
        raise BadParam("status", "one of " + ", ".join(s.value for s in PublicStatus))
    return {
        "query": text.strip(),
        "scheme": Scheme(scheme) if scheme else None,
        "status": PublicStatus(status) if status else None,
        "page": _whole(query, "page", 1, MAX_PAGE),
        "page_size": _whole(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    }


def page_body(found: SearchPage, params: dict[str, Any], public_url: str) -> dict[str, Any]:
    return {
        "query": {
            "q": params["query"],
            "scheme": params["scheme"].value if params["scheme"] else None,
            "status": params["status"].value if params["status"] else None,
        },
        "total": found.total,
        "page": found.page,
        "page_size": found.page_size,
        "pages": found.pages,
        "results": [
            {
                "number": hit.number,
                "scheme": hit.scheme.value,
                "status": hit.status.value,
                "holder": {"name": hit.holder_name, "uscc": hit.holder_uscc},
                "body": {"name": hit.body_name},
                "valid_until": hit.valid_until.isoformat(),
                "scope": list(hit.scope),
                "links": {
                    "page": f"{public_url}/certificates/{hit.number}",
                    "certificate_api": f"{public_url}/api/v1/certificates/{hit.number}",
                },
            }
            for hit in found.hits
        ],
    }


async def search(request: web.Request) -> web.Response:
    try:
        params = parse(request.query)
    except BadParam as bad:
        return invalid_input(bad.name, bad.reason)
    engine = request.app[ENGINE]
    on = today()
    found = await asyncio.get_running_loop().run_in_executor(
        None, lambda: search_registry(engine, on=on, **params))
    body = dumps(page_body(found, params, request.app[SETTINGS].public_url))
    return conditional(request, body, CACHE_CONTROL)

"""The public registry: ``/registry`` searches holders, credit codes, products and numbers.

Filters arrive from a query string anyone can edit, so a bad value gets the page
back with a message (400), never an error page.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from issuer.status import PublicStatus, today
from storage.enums import Scheme
from verifier.keys import ENGINE
from verifier.render import render
from verifier.search import MAX_PAGE_SIZE, search_registry

PAGE_SIZE = 20
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Query:
    q: str = ""
    scheme: Scheme | None = None
    status: PublicStatus | None = None
    page: int = 1
    size: int = PAGE_SIZE

    def url(self, page: int) -> str:
        """This search at another page, as a link."""
        params = [("q", self.q), ("scheme", self.scheme.value if self.scheme else ""),
                  ("status", self.status.value if self.status else "")]
        pairs = [(k, v) for k, v in params if v]
        if self.size != PAGE_SIZE:
            pairs.append(("size", str(self.size)))
        pairs.append(("page", str(page)))
        return "/registry?" + urlencode(pairs)


def _whole(text: str, low: int, high: int) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_query(params: Any) -> tuple[Query, list[str]]:
    """The search asked for, and message keys for whatever in it is not valid."""
    errors: list[str] = []
    scheme = status = None
    scheme_text = params.get("scheme", "").strip()
    if scheme_text:
        try:
            scheme = Scheme(scheme_text)
        except ValueError:
            errors.append("registry.error.scheme")
    status_text = params.get("status", "").strip()
    if status_text:
        try:
            status = PublicStatus(status_text)
        except ValueError:
            errors.append("registry.error.status")
    page = _whole(params.get("page", "1").strip() or "1", 1, MAX_PAGE)
    if page is None:
        errors.append("registry.error.page")
    size = _whole(params.get("size", str(PAGE_SIZE)).strip() or str(PAGE_SIZE), 1,
                  MAX_PAGE_SIZE)
    if size is None:
        errors.append("registry.error.size")
    query = Query(params.get("q", "")[:200], scheme, status, page or 1, size or PAGE_SIZE)
    return query, errors


async def registry_page(request: web.Request) -> web.Response:
    query, errors = parse_query(request.query)
    results = None
    if not errors:
        search = functools.partial(
            search_registry, request.app[ENGINE], query=query.q, scheme=query.scheme,
            status=query.status, page=query.page, page_size=query.size, on=today())
        results = await asyncio.get_running_loop().run_in_executor(None, search)
    context: dict[str, Any] = {
        "query": query,
        "errors": errors,
        "results": results,
        "schemes": list(Scheme),
        "statuses": list(PublicStatus),
    }
    return render(request, "registry.html", context, status=400 if errors else 200,
                  headers={"Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    app.router.add_get("/registry", registry_page)

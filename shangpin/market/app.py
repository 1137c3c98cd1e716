"""The sample marketplace as a web site: an aiohttp application over a ``Market``.

Images are rendered in a small thread pool (OpenCV and NumPy release the GIL), so a slow
first render never stalls the pages being served meanwhile. Every request path is counted,
so a test can show that a crawl kept out of what robots.txt disallows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from shangpin.market import pages
from shangpin.market.marketplace import Market

MARKET = web.AppKey("market", Market)
HITS = web.AppKey("hits", Counter)  # request path -> times requested
_EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)
#: Where /go/{token} sends the browser: an address a crawler must refuse to fetch.
PRIVATE_TARGET = "http://10.0.0.1/landing/{token}"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def listing(request: web.Request) -> web.Response:
    market = request.app[MARKET]
    if request.path == "/":
        page = 1
    else:
        raw = request.query.get("page", "")
        if not raw.isdigit() or not 1 <= int(raw) <= market.pages:
            return _html(pages.not_found_page(), 404)
        page = int(raw)
    html = market.page(pages.listing_url(page))
    assert html is not None
    return _html(html)


async def item(request: web.Request) -> web.Response:
    html = request.app[MARKET].page(request.path)
    return _html(html) if html is not None else _html(pages.not_found_page(), 404)


async def image(request: web.Request) -> web.Response:
    market = request.app[MARKET]
    name = request.match_info["name"]
    if market.image_spec(name) is None:
        raise web.HTTPNotFound()
    loop = asyncio.get_running_loop()
    found = await loop.run_in_executor(request.app[_EXECUTOR], market.image, name)
    assert found is not None
    body, content_type = found
    return web.Response(body=body, content_type=content_type,
                        headers={"Cache-Control": "public, max-age=3600"})


async def go(request: web.Request) -> web.Response:
    raise web.HTTPFound(PRIVATE_TARGET.format(token=request.match_info["token"]))


async def robots(_request: web.Request) -> web.Response:
    return web.Response(text=pages.ROBOTS, content_type="text/plain", charset="utf-8")


async def cart(_request: web.Request) -> web.Response:
    return _html(pages.cart_page())


@web.middleware
async def count_hits(request: web.Request, handler: Handler) -> web.StreamResponse:
    request.app[HITS][request.path] += 1
    return await handler(request)


def make_app(market: Market, *, render_threads: int = 2) -> web.Application:
    """The marketplace site; ``app[HITS]`` counts requests per path."""
    app = web.Application(middlewares=[count_hits])
    app[MARKET] = market
    app[HITS] = Counter()

    async def executor(app: web.Application) -> AsyncIterator[None]:
        pool = ThreadPoolExecutor(max_workers=render_threads, thread_name_prefix="market-render")
        app[_EXECUTOR] = pool
        yield
        pool.shutdown(wait=True, cancel_futures=True)

    app.cleanup_ctx.append(executor)
    app.router.add_get("/", listing)
    app.router.add_get("/list", listing)
    app.router.add_get(r"/item/{id:\d+}", item)
    app.router.add_get(r"/shop/{id:s\d+}", item)
    app.router.add_get(r"/images/{name:[0-9]+-[0-9]+}.jpg", image)
    app.router.add_get(r"/go/{token:[a-z0-9]+}", go)
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/cart/", cart)
    app.router.add_get("/cart/{rest:.*}", cart)
    return app

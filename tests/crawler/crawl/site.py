"""A tiny shop on loopback with every awkward case a crawl must survive, and an access log.

Two listing pages of products; sellers whose credit code is on a shop page; an image shared
by two products; a corrupt JPEG, a zero-byte image, a decompression bomb, an image over the
size limit (with and without Content-Length); a redirect to a private address and one to
another loopback port (the "victim", which must never be reached); a product and an image
under a path robots.txt disallows; a hostile title.
"""

from __future__ import annotations

import asyncio
import html
import io
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from PIL import Image

SELLERS = {
    1: ("上海甲品有限公司", "91310000MA1FL0XX0X"),
    2: ("乙店", None),
}
HOSTILE_TITLE = "<script>alert(1)</script> 礼盒 " + "长" * 300


@dataclass(frozen=True)
class Product:
    id: int
    title: str
    seller: int
    images: tuple[str, ...]
    category: str = "食品"


def _products() -> list[Product]:
    return [
        Product(1, "绿茶礼盒", 1, ("/images/p1.jpg", "/images/shared.jpg")),
        Product(2, "红茶礼盒", 1, ("/images/p2.jpg", "/images/shared.jpg")),
        Product(3, "月饼", 2, ("/images/corrupt.jpg", "/images/p3.jpg")),
        Product(4, "酱油", 2, ("/images/empty.jpg", "/images/bomb.png", "/images/p4.jpg")),
        Product(5, "黄酒", 1, ("/images/huge.jpg", "/images/stream.jpg", "/images/p5.jpg")),
        Product(6, "点心", 2, ("/go/private.jpg", "/go/victim.jpg", "/images/p6.jpg")),
        Product(7, HOSTILE_TITLE, 1, ("/private/p7.jpg", "/images/p7.jpg")),
        Product(8, "糕团", 2, ("/images/p8.jpg", "/images/missing.jpg")),
    ]


PRODUCTS = {p.id: p for p in _products()}
PAGES = {1: (1, 2, 3, 4), 2: (5, 6, 7, 8)}
#: Plain products (one ordinary image each) that a larger shop adds after the awkward ones.
FIRST_PLAIN = 100
PER_PAGE = 4
#: Linked from listing page 1 like a product, but robots.txt disallows /private/.
DISALLOWED_PRODUCT = "/private/item/99"
#: Linked like a product, but on another host: the crawl stays on the site.
OFFSITE_PRODUCT = "http://offsite.invalid/item/1"
IMAGE_LIMIT = 60_000  # the test site file's max_image_bytes


def jpeg(seed: int, size: int = 160) -> bytes:
    """A small distinct JPEG per seed."""
    colour = ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256)
    image = Image.new("RGB", (size, size), colour)
    for x in range(0, size, 16):
        image.paste((255 - colour[0], seed % 256, 90), (x, (x * seed) % size, x + 8,
                                                        (x * seed) % size + 8))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def bomb_png() -> bytes:
    """A PNG whose header claims 30000 x 30000 pixels (the body is a few bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def _noise(n: int) -> bytes:
    return bytes((i * 7919) % 251 for i in range(n))


@dataclass
class Hit:
    path: str
    user_agent: str


@dataclass
class TinySite:
    """The shop's app and what it served; ``victim_url`` is where redirects point.

    ``plain`` more ordinary products (ids from 100) follow on further listing pages, so a
    crawl lasts long enough to be stopped part-way or shared between processes.
    """

    victim_url: str = "http://127.0.0.1:9/"
    plain: int = 0
    log: list[Hit] = field(default_factory=list)

    def pages(self) -> dict[int, tuple[int, ...]]:
        pages = dict(PAGES)
        ids = [FIRST_PLAIN + i for i in range(self.plain)]
        for n, start in enumerate(range(0, len(ids), PER_PAGE), start=len(PAGES) + 1):
            pages[n] = tuple(ids[start:start + PER_PAGE])
        return pages

    def product(self, product_id: int) -> Product | None:
        if FIRST_PLAIN <= product_id < FIRST_PLAIN + self.plain:
            return Product(product_id, f"商品 {product_id}", 1 + product_id % 2,
                           (f"/images/p{product_id}.jpg",))
        return PRODUCTS.get(product_id)

    def product_paths(self) -> set[str]:
        """Every product page a full crawl must capture."""
        return {f"/item/{i}" for ids in self.pages().values() for i in ids}

    def paths(self) -> Counter[str]:
        return Counter(hit.path for hit in self.log)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/", self.listing)
        app.router.add_get("/list", self.listing)
        app.router.add_get("/item/{id}", self.item)
        app.router.add_get("/private/item/{id}", self.item)
        app.router.add_get("/shop/{id}", self.shop)
        app.router.add_get("/images/{name}", self.image)
        app.router.add_get("/private/{name}", self.image)
        app.router.add_get("/go/private.jpg", self.go_private)
        app.router.add_get("/go/victim.jpg", self.go_victim)
        app.router.add_get("/robots.txt", self.robots)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        self.log.append(Hit(request.path_qs, request.headers.get("User-Agent", "")))
        return await handler(request)

    async def robots(self, request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nDisallow: /private/\n")

    async def listing(self, request: web.Request) -> web.Response:
        number = int(request.query.get("page", "1"))
        pages = self.pages()
        ids = pages.get(number)
        if ids is None:
            raise web.HTTPNotFound()
        links = "".join(f'<li><a class="product-link" href="/item/{i}">item {i}</a></li>'
                        for i in ids)
        if number == 1:
            links += f'<li><a class="product-link" href="{DISALLOWED_PRODUCT}">x</a></li>'
            links += f'<li><a class="product-link" href="{OFFSITE_PRODUCT}">y</a></li>'
            links += '<li><a class="product-link" href="http://[::1">malformed</a></li>'
            links += '<li><a class="product-link" href="javascript:buy()">script</a></li>'
        after = f'<a class="next" href="/list?page={number + 1}">next</a>' \
            if number + 1 in pages else ""
        return _html(f"<ul>{links}</ul>{after}<a href='/cart/'>cart</a>")

    async def item(self, request: web.Request) -> web.Response:
        product = self.product(int(request.match_info["id"]))
        if product is None:
            raise web.HTTPNotFound()
        name, _ = SELLERS[product.seller]
        gallery = "".join(f'<img src="{src}">' for src in product.images)
        if product.id == 8:  # a broken source must not cost the listing its other images
            gallery = '<img src="http://[broken/x.jpg">' + gallery
        return _html(
            f'<h1 class="title">{html.escape(product.title)}</h1>'
            f'<span class="price">¥ {product.id * 10}.00</span>'
            f'<span class="category">{product.category}</span>'
            f'<p class="seller">by <a href="/shop/{product.seller}">{name}</a></p>'
            f'<div class="gallery">{gallery}</div>')

    async def shop(self, request: web.Request) -> web.Response:
        seller = SELLERS.get(int(request.match_info["id"]))
        if seller is None:
            raise web.HTTPNotFound()
        name, code = seller
        licence = f'<span class="uscc"> {code[:9]} {code[9:]} </span>' if code else ""
        return _html(f'<h1>{name}</h1><div class="licence">{licence}</div>')

    async def image(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name == "corrupt.jpg":
            return _jpeg(b"\xff\xd8\xff\xe0" + _noise(3000))
        if name == "empty.jpg":
            return _jpeg(b"")
        if name == "bomb.png":
            return web.Response(body=bomb_png(), content_type="image/png")
        if name == "huge.jpg":
            return _jpeg(_noise(IMAGE_LIMIT * 3))
        if name == "stream.jpg":  # no Content-Length: the limit must bite while streaming
            response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
            response.enable_chunked_encoding()
            await response.prepare(request)
            try:
                for _ in range(40):
                    await response.write(_noise(8192))
                await response.write_eof()
            except ConnectionError:
                pass  # the crawler hung up at its size limit, as it should
            return response
        if name == "shared.jpg":
            return _jpeg(jpeg(100))
        if name.startswith("p") and name.endswith(".jpg") and name[1:-4].isdigit():
            return _jpeg(jpeg(int(name[1:-4])))
        raise web.HTTPNotFound()

    async def go_private(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("http://10.0.0.1/secret.jpg")

    async def go_victim(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(self.victim_url + "secret.jpg")


def _html(body: str) -> web.Response:
    return web.Response(text=f"<!doctype html><html><body>{body}</body></html>",
                        content_type="text/html", charset="utf-8")


def _jpeg(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="image/jpeg")


class SiteThread:
    """Serve an aiohttp app on 127.0.0.1 (a free port) from a thread with its own loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = self._runner.addresses[0][1]

        self.loop.run_until_complete(start())
        self._ready.set()
        self.loop.run_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> SiteThread:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("test site did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def site_toml(name: str, start_url: str, *, allow_private: bool = True) -> str:
    return f"""\
name = "{name}"
start_urls = ["{start_url}"]
allow_private = {"true" if allow_private else "false"}

[selectors]
listing_links = "a.product-link::attr(href)"
next_page = "a.next::attr(href)"
title = "h1.title::text"
price = "xpath://span[@class='price']/text()"
category = ".category::text"
seller_name = ".seller a::text"
seller_link = ".seller a::attr(href)"
seller_credit_code = ".licence .uscc::text"
image_urls = ".gallery img::attr(src)"

[limits]
max_image_bytes = {IMAGE_LIMIT}
delay_seconds = 0
retries = 0
"""

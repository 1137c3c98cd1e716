"""The sample marketplace: shops, products, pages and images, and what a crawl must report.

Built from the registry's values and a seed; the same seed over the same registry gives the
same pages and the same image bytes. Pages are rendered once (they are small); images are
rendered on first request and kept in a bounded LRU, so start-up is fast and a crawl
benchmark pays for each image once.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterator

from issuer.artwork import Artwork
from shangpin.market import pages
from shangpin.market.catalogue import (
    MIN_PRODUCTS,
    ImageSpec,
    Product,
    Shop,
    build_catalogue,
)
from shangpin.market.images import render
from shangpin.market.registry import MarketRegistry
from shangpin.settings import DEFAULT_VERIFY_HOST

DEFAULT_PRODUCTS = 60
PER_PAGE = 12
SITE_NAME = "sample-market"


class ImageCache:
    """A thread-safe LRU of rendered images: handlers render in worker threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, item: tuple[bytes, str]) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class Market:
    """One generated marketplace over a seeded registry."""

    def __init__(
        self,
        registry: MarketRegistry,
        *,
        products: int = DEFAULT_PRODUCTS,
        host: str = DEFAULT_VERIFY_HOST,
        per_page: int = PER_PAGE,
        artwork: Artwork | None = None,
        cache_size: int = 512,
    ) -> None:
        if products < MIN_PRODUCTS:
            raise ValueError(
                f"the sample market needs at least {MIN_PRODUCTS} products (one per scenario)"
            )
        self.registry = registry
        self.host = host.upper()
        self.artwork = artwork
        catalogue = build_catalogue(registry, seed=registry.seed, count=products, host=self.host)
        self.shops: tuple[Shop, ...] = catalogue.shops
        self.products: tuple[Product, ...] = catalogue.products
        self.per_page = per_page
        self.pages = math.ceil(len(self.products) / per_page)
        self._images = {image.name: image for p in self.products for image in p.images}
        self._cache = ImageCache(cache_size)
        self._html = self._render_pages()

    @property
    def seed(self) -> int:
        return self.registry.seed

    # ------------------------------------------------------------ what a crawl must find

    def expected_alerts(self) -> set[tuple[str, str]]:
        """(product page path, alert kind): one per listing and kind, as the rule table says."""
        return {(p.path, kind) for p in self.products for kind in p.expected}

    def genuine_paths(self) -> set[str]:
        """Product pages that must raise nothing: genuine marks, decoys, unmarked goods and
        broken images alike."""
        return {p.path for p in self.products if not p.expected}

    def product(self, path: str) -> Product:
        """The product whose page is ``path``."""
        for product in self.products:
            if product.path == path:
                return product
        raise KeyError(f"no product at {path}")

    def marked_images(self) -> Iterator[ImageSpec]:
        """Images that carry an emblem or a QR code the detector should read."""
        return (
            image
            for p in self.products
            for image in p.images
            if image.recipe in ("emblem", "mark", "qr")
        )

    # ------------------------------------------------------------ pages and images

    def _render_pages(self) -> dict[str, str]:
        html = {}
        for page in range(1, self.pages + 1):
            chunk = self.products[(page - 1) * self.per_page : page * self.per_page]
            html[pages.listing_url(page)] = pages.listing_page(chunk, page, self.pages)
        for product in self.products:
            html[product.path] = pages.product_page(product)
        for shop in self.shops:
            sold = [p for p in self.products if p.shop.id == shop.id]
            html[shop.path] = pages.shop_page(shop, sold)
        return html

    def page(self, path: str) -> str | None:
        """The HTML at ``path`` (``/``, ``/list?page=N``, ``/item/ID``, ``/shop/ID``)."""
        return self._html.get(path)

    def paths(self) -> list[str]:
        return list(self._html)

    def image_spec(self, name: str) -> ImageSpec | None:
        return self._images.get(name)

    def image(self, name: str) -> tuple[bytes, str] | None:
        """The image's bytes and content type, rendered on first use; None if unknown."""
        spec = self._images.get(name)
        if spec is None:
            return None
        cached = self._cache.get(name)
        if cached is None:
            cached = render(spec, self.artwork)
            self._cache.put(name, cached)
        return cached

    # ------------------------------------------------------------ crawl configuration

    def site_config(self, base_url: str) -> str:
        """The TOML site configuration a crawl of this marketplace uses."""
        start = base_url.rstrip("/") + "/"
        return SITE_CONFIG.format(name=SITE_NAME, start=_toml_string(start))


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


SITE_CONFIG = """\
# Crawl configuration for the sample marketplace (shangpin market serve).
name = "{name}"
start_urls = [{start}]
allow_private = true          # a loopback test site; the default is false

[selectors]                   # CSS by default; "xpath:" prefix for XPath
listing_links = "a.product-link::attr(href)"
next_page = "a.next::attr(href)"
title = "h1.title::text"
price = ".price::text"
category = ".category::text"
seller_name = ".seller a::text"
seller_link = ".seller a::attr(href)"
seller_credit_code = ".licence .uscc::text"
image_urls = ".gallery img::attr(src)"

[limits]
max_page_bytes = 2000000
max_image_bytes = 8000000
"""

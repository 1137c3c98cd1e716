"""The marketplace served on loopback, read the way a crawl reads it: with the selectors of its
own site configuration (parsel, Scrapy's selector library) over real HTTP."""

from __future__ import annotations

import tomllib
import urllib.robotparser
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from parsel import Selector

from shangpin.market import HITS, Market
from shangpin.market.images import render
from tests.market.conftest import SiteThread


def _select(html: str, query: str) -> list[str]:
    """Apply a site-config selector: CSS by default, ``xpath:`` for XPath."""
    selector = Selector(text=html)
    if query.startswith("xpath:"):
        return [v.strip() for v in selector.xpath(query[len("xpath:"):]).getall()]
    return [v.strip() for v in selector.css(query).getall()]


@pytest.fixture(scope="module")
def config(site: SiteThread, market: Market) -> dict[str, Any]:
    return tomllib.loads(market.site_config(site.url))


@pytest.fixture(scope="module")
def client(site: SiteThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=30) as http:
        yield http


def _get(client: httpx.Client, url: str) -> httpx.Response:
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_listing_pages_lead_to_every_product(
    client: httpx.Client, config: dict[str, Any], market: Market
) -> None:
    selectors = config["selectors"]
    url: str | None = config["start_urls"][0]
    found: list[str] = []
    pages = 0
    while url is not None:
        response = _get(client, url)
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        links = _select(response.text, selectors["listing_links"])
        found += [urlsplit(urljoin(url, link)).path for link in links]
        pages += 1
        following = _select(response.text, selectors["next_page"])
        url = urljoin(url, following[0]) if following else None
    assert pages == market.pages >= 5
    products = [p.path for p in market.products]
    # Every product once, in listing order, plus the sponsored slot that redirects away;
    # the links inside a script and a comment are not links.
    assert [path for path in found if path.startswith("/item/")] == products
    assert [path for path in found if not path.startswith("/item/")] == ["/go/ad1"]


def test_product_and_shop_pages_give_the_listing(
    client: httpx.Client, config: dict[str, Any], market: Market
) -> None:
    s = config["selectors"]
    for product in market.products:
        html = _get(client, product.path).text
        assert _select(html, s["title"]) == [product.title]
        assert _select(html, s["price"]) == [product.price]
        assert _select(html, s["category"]) == [product.category]
        assert _select(html, s["seller_name"]) == [product.shop.name]
        assert _select(html, s["image_urls"]) == list(product.image_urls)
        (shop_link,) = _select(html, s["seller_link"])
        shop_html = _get(client, shop_link).text
        codes = _select(shop_html, s["seller_credit_code"])
        assert codes == ([product.shop.credit_code] if product.shop.credit_code else [])
        if product.shop.credit_code:
            assert "统一社会信用代码" in shop_html


def test_markup_in_a_title_stays_text(client: httpx.Client, market: Market) -> None:
    product = next(p for p in market.products if "<script>" in p.title)
    html = _get(client, product.path).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_images_are_served_as_rendered(client: httpx.Client, market: Market) -> None:
    names = [i.name for p in market.products for i in p.images][:24]
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda n: client.get(f"/images/{n}.jpg"), names))
    for name, response in zip(names, responses, strict=True):
        assert response.status_code == 200
        spec = market.image_spec(name)
        assert spec is not None
        # Rendered afresh here, not taken from the cache the server filled.
        body, content_type = render(spec, market.artwork)
        assert response.content == body
        assert response.headers["content-type"] == content_type
    bomb = next(i for p in market.products for i in p.images if i.recipe == "bomb")
    assert client.get(bomb.path).headers["content-type"] == "image/png"


def test_robots_disallows_the_cart_that_pages_link_to(
    client: httpx.Client, site: SiteThread, market: Market
) -> None:
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(_get(client, "/robots.txt").text.splitlines())
    product = market.products[0]
    html = _get(client, product.path).text
    (cart,) = Selector(text=html).css("a.add-to-cart::attr(href)").getall()
    assert not robots.can_fetch("shangpin-crawler", site.url + cart)
    assert robots.can_fetch("shangpin-crawler", site.url + product.path)
    assert _get(client, cart).status_code == 200  # served to whoever ignores robots.txt


def test_requests_are_counted(client: httpx.Client, site: SiteThread, market: Market) -> None:
    path = market.products[-1].path
    before = site.app[HITS][path]
    _get(client, path)
    assert site.app[HITS][path] == before + 1


def test_redirect_to_a_private_address(client: httpx.Client) -> None:
    response = client.get("/go/ad1")
    assert response.status_code == 302
    assert urlsplit(response.headers["location"]).hostname == "10.0.0.1"


def test_a_product_image_redirects_to_a_private_address(
    client: httpx.Client, market: Market
) -> None:
    product = next(p for p in market.products if p.scenario == "private-redirect-image")
    (redirect,) = [u for u in product.image_urls if u.startswith("/go/")]
    response = client.get(redirect)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://10.0.0.1/")


@pytest.mark.parametrize(
    "path", ["/list?page=0", "/list?page=999", "/list?page=x", "/item/1", "/shop/s99",
             "/images/nope.jpg", "/images/1-1.jpg"])
def test_unknown_pages_are_404(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404

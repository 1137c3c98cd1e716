"""The site file: valid ones load, every mistake is one clear line naming the key."""

from __future__ import annotations

from pathlib import Path

import parsel
import pytest

from crawler.crawl.siteconfig import Limits, Selector, SiteConfigError, load, loads
from tests.crawler.crawl.site import site_toml

MINIMAL = """\
name = "shop"
start_urls = ["https://shop.example/list"]
[selectors]
listing_links = "a.item::attr(href)"
title = "h1::text"
image_urls = "img::attr(src)"
"""


def test_a_full_site_file_loads() -> None:
    site = loads(site_toml("tiny", "http://127.0.0.1:8081/"))
    assert site.name == "tiny"
    assert site.start_urls == ("http://127.0.0.1:8081/",)
    assert site.allow_private is True
    assert site.origins == {("127.0.0.1", 8081)}
    assert site.hosts == ("127.0.0.1",)
    assert site.selectors.price == Selector("//span[@class='price']/text()", "xpath")
    assert site.selectors.title == Selector("h1.title::text", "css")
    assert site.limits.max_image_bytes == 60_000
    assert site.limits.delay_seconds == 0.0


def test_defaults_are_safe_and_polite() -> None:
    site = loads(MINIMAL)
    assert site.allow_private is False
    assert site.limits == Limits()
    assert site.selectors.seller_link is None
    assert site.origins == {("shop.example", 443)}


def test_selectors_extract_css_and_xpath() -> None:
    page = parsel.Selector(text="<h1> A <b>big</b>\n box </h1><i>x</i><i> </i><i>y</i>")
    assert Selector.parse("h1 ::text").text(page) == "A big box"
    assert Selector.parse("xpath://i/text()").values(page) == ["x", "y"]
    assert Selector.parse("p::text").text(page) is None


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load(path).name == "shop"
    with pytest.raises(SiteConfigError, match="cannot read"):
        load(tmp_path / "missing.toml")


@pytest.mark.parametrize(("change", "message"), [
    (("[selectors]", "colour = 1\n[selectors]"), "unknown key 'colour'"),
    (('title = "h1::text"', 'title = "h1::text"\ntitel = "h1"'), "unknown key 'selectors.titel'"),
    (('title = "h1::text"\n', ""), "missing required selector 'selectors.title'"),
    (('image_urls = "img::attr(src)"\n', ""), "missing required selector 'selectors.image_urls'"),
    (('"h1::text"', '"h1[[::text"'), "'selectors.title' is not a valid selector"),
    (('"h1::text"', '"xpath://h1[@"'), "'selectors.title' is not a valid selector"),
    (('"h1::text"', '"xpath:"'), "'selectors.title' is not a valid selector: empty"),
    (('"h1::text"', "3"), "'selectors.title' must be a string"),
    (('name = "shop"', 'name = "../etc"'), "'name' must be"),
    (('name = "shop"\n', ""), "'name' must be"),
    (('["https://shop.example/list"]', "[]"), "'start_urls' must be a non-empty list"),
    (('"https://shop.example/list"', '"file:///etc/passwd"'), "not an absolute http(s) URL"),
    (('"https://shop.example/list"', '"http://shop.example:99999/"'), "not an absolute"),
    (('name = "shop"', 'name = "shop"\nallow_private = "yes"'), "'allow_private' must be"),
    (("[selectors]", "[limits]\nmax_image_bytes = 10\n[selectors]"),
     "'limits.max_image_bytes' must be a whole number from 1024"),
    (("[selectors]", "[limits]\nretries = true\n[selectors]"), "'limits.retries' must be"),
    (("[selectors]", "[limits]\nconcurrency = 2.5\n[selectors]"), "'limits.concurrency' must be"),
    (("[selectors]", "[limits]\nspeed = 1\n[selectors]"), "unknown key 'limits.speed'"),
    (('name = "shop"', "name = shop"), "not valid TOML"),
])
def test_mistakes_are_one_line_errors(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in MINIMAL
    with pytest.raises(SiteConfigError) as caught:
        loads(MINIMAL.replace(old, new, 1), source="shop.toml")
    text = str(caught.value)
    assert message in text
    assert text.startswith("shop.toml: ")
    assert "\n" not in text


def test_float_limits_accept_whole_numbers() -> None:
    site = loads(MINIMAL.replace("[selectors]", "[limits]\ndelay_seconds = 2\n[selectors]"))
    assert site.limits.delay_seconds == 2.0
    assert isinstance(site.limits.delay_seconds, float)

"""The private-address guard as pure rules, its place among Scrapy's middlewares, and the JSON
codec of the shared frontier. Crawls that exercise the guard end to end are in test_crawl.py."""

from __future__ import annotations

import ipaddress
from collections.abc import Coroutine
from typing import Any

import pytest
import scrapy
from scrapy import Request
from scrapy.settings import default_settings
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from crawler.crawl import redisjson
from crawler.crawl.safety import (
    GuardedResolver,
    PrivateAddressMiddleware,
    PrivateAddressRefused,
    UnsupportedScheme,
    format_origins,
    is_public,
    parse_origins,
)
from crawler.crawl.settings import GUARD_PRIORITY, RedisFrontier, crawl_settings
from crawler.crawl.siteconfig import loads
from tests.crawler.crawl.site import site_toml

NOT_PUBLIC = [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "127.8.9.10", "169.254.169.254",
    "0.0.0.0", "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.1.2.3", "2002:0a00:0001::1", "64:ff9b:1::a00:1",
]
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8",
          "2002:0808:0808::1"]


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_non_public_addresses_are_refused(text: str) -> None:
    assert not is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_pass(text: str) -> None:
    assert is_public(ipaddress.ip_address(text))


def test_origins_round_trip() -> None:
    origins = {("127.0.0.1", 8081), ("::1", 80), ("shop.example", 443)}
    assert parse_origins(format_origins(origins)) == origins


def _guard(allow_private: bool, start: str = "http://127.0.0.1:8081/") -> Any:
    site = loads(site_toml("tiny", start, allow_private=allow_private))
    return PrivateAddressMiddleware(get_crawler(settings_dict=crawl_settings(site)))


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Drive a coroutine that must finish without waiting (IP literals need no lookup)."""
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value
    coroutine.close()
    raise AssertionError("the guard waited on something for an IP literal")


@pytest.mark.parametrize("url", [
    "http://10.0.0.1/x.jpg", "http://127.0.0.1:8081/", "http://[::1]:8081/",
    "http://[::ffff:7f00:1]/", "http://169.254.169.254/latest/meta-data/",
])
def test_guard_refuses_literals_without_allow_private(url: str) -> None:
    with pytest.raises(PrivateAddressRefused):
        _run(_guard(False).process_request(Request(url)))


def test_allow_private_covers_only_the_start_origins() -> None:
    guard = _guard(True)
    assert _run(guard.process_request(Request("http://127.0.0.1:8081/item/1"))) is None
    for elsewhere in ("http://127.0.0.1:6379/", "http://10.0.0.1/", "http://[::1]:8081/"):
        with pytest.raises(PrivateAddressRefused):
            _run(guard.process_request(Request(elsewhere)))


def test_public_literal_passes() -> None:
    assert _run(_guard(False).process_request(Request("http://93.184.216.34/a.jpg"))) is None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://93.184.216.34/x",
                                 "s3://bucket/key", "data:text/plain,hi"])
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedScheme):
        _run(_guard(True).process_request(Request(url)))


def test_resolver_refuses_a_private_answer_at_connection_time() -> None:
    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.allowed_hosts = frozenset({"shop.local"})
    assert resolver._check("93.184.216.34", "cdn.example") == "93.184.216.34"
    assert resolver._check("10.0.0.7", "shop.local") == "10.0.0.7"
    with pytest.raises(DNSLookupError):
        resolver._check("10.0.0.7", "rebinding.example")


def test_guard_runs_before_robots_and_offsite() -> None:
    """A request to a private host is refused before anything, even its robots.txt, is
    fetched; redirects create new requests, which pass the whole chain again (test_crawl)."""
    settings = crawl_settings(loads(site_toml("tiny", "http://127.0.0.1:8081/")))
    base = default_settings.DOWNLOADER_MIDDLEWARES_BASE
    guard = settings["DOWNLOADER_MIDDLEWARES"]["crawler.crawl.safety.PrivateAddressMiddleware"]
    assert guard == GUARD_PRIORITY
    assert guard < base["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"]
    assert guard < base["scrapy.downloadermiddlewares.offsite.OffsiteMiddleware"]
    assert guard < base["scrapy.downloadermiddlewares.redirect.RedirectMiddleware"]
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["TELNETCONSOLE_ENABLED"] is False
    assert settings["REMOTE_CONTROL_ENABLED"] is False
    assert "shangpin" in settings["USER_AGENT"]


def test_redis_mode_settings_share_one_frontier_per_prefix() -> None:
    site = loads(site_toml("tiny", "http://127.0.0.1:8081/"))
    frontier = RedisFrontier.for_site("redis://127.0.0.1:6379/0", site)
    settings = crawl_settings(site, redis=frontier, jobdir=None)
    assert settings["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert settings["SCHEDULER_PERSIST"] is True
    assert settings["SCHEDULER_QUEUE_KEY"] == "shangpin:crawl:tiny:requests"
    assert settings["SCHEDULER_DUPEFILTER_KEY"] == "shangpin:crawl:tiny:dupefilter"
    assert settings["SCHEDULER_SERIALIZER"] == "crawler.crawl.redisjson"
    assert "JOBDIR" not in settings
    with pytest.raises(ValueError, match="prefix"):
        RedisFrontier("redis://127.0.0.1:6379/0", "bad %(spider)s prefix")


class _Spider(scrapy.Spider):
    name = "codec"

    def parse_product(self, response: Any) -> None: ...

    def page_failed(self, failure: Any) -> None: ...


def test_frontier_codec_round_trips_requests_without_pickle() -> None:
    spider = _Spider()
    request = Request("http://127.0.0.1:8081/item/7?q=%E4%B8%8A", callback=spider.parse_product,
                      errback=spider.page_failed, headers={"Referer": "http://127.0.0.1/"},
                      body=b"\x00\xffbytes", meta={"depth": 2, "redirect_urls": ["http://a/"]},
                      priority=-1)
    text = redisjson.dumps(request.to_dict(spider=spider))
    assert text.startswith("{")
    back = request_from_dict(redisjson.loads(text), spider=spider)
    assert back.url == request.url
    assert back.body == request.body
    assert back.headers.get("Referer") == b"http://127.0.0.1/"
    assert back.meta == request.meta
    assert back.callback == spider.parse_product
    assert back.errback == spider.page_failed
    assert back.priority == -1
    with pytest.raises(TypeError, match="frontier"):
        redisjson.dumps({"meta": {"object": object()}})

"""Real Scrapy crawls of the tiny shop (tests/crawler/crawl/site.py) on loopback.

One full crawl is shared by the tests of what it must get right; the guard and resume tests
run crawls of their own. Each crawl is a separate process.
"""

from __future__ import annotations

import hashlib
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.crawl.runner import JOB_STATE
from tests.crawler.crawl.conftest import Crawl, crawl_child
from tests.crawler.crawl.site import (
    DISALLOWED_PRODUCT,
    HOSTILE_TITLE,
    PRODUCTS,
    Hit,
    SiteThread,
    TinySite,
    site_toml,
)


@dataclass
class FullCrawl:
    site: TinySite
    victim: TinySite
    url: str
    crawl: Crawl
    job: Path
    log: list[Hit]  # what the site served during the crawl (tests may fetch more later)

    def hits(self) -> Counter[str]:
        return Counter(hit.path for hit in self.log)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullCrawl]:
    tmp = tmp_path_factory.mktemp("tiny")
    victim = TinySite()
    with SiteThread(victim.app()) as victim_server:
        site = TinySite(victim_url=victim_server.url)
        with SiteThread(site.app()) as server:
            site_file = tmp / "tiny.toml"
            site_file.write_text(site_toml("tiny", server.url), encoding="utf-8")
            crawl = crawl_child(site_file, tmp / "record.jsonl", "--jobdir", str(tmp / "job"))
            yield FullCrawl(site, victim, server.url, crawl, tmp / "job", list(site.log))


def test_every_listing_is_captured_once(full: FullCrawl) -> None:
    paths = [path for path in full.crawl.by_path()]
    assert len(full.crawl.records) == len(PRODUCTS)
    assert set(paths) == full.site.product_paths()
    assert full.crawl.summary["listings"] == len(PRODUCTS)
    assert full.crawl.summary["reason"] == "finished"
    hits = full.hits()
    assert all(hits[path] == 1 for path in full.site.product_paths())


def test_progress_is_reported_from_the_crawl(full: FullCrawl) -> None:
    summary = full.crawl.summary
    assert summary["progress_calls"] >= 2
    assert summary["progress"] == {"pages": summary["pages"], "listings": len(PRODUCTS),
                                   "images": summary["images_fetched"], "alerts_new": 0,
                                   "errors": 0}


def test_links_to_other_hosts_are_not_followed(full: FullCrawl) -> None:
    assert not any("offsite.invalid" in record["url"] for record in full.crawl.records)
    assert full.crawl.summary["errors"] == 0  # dropped before any lookup, not failed


def test_listing_fields_are_read_as_shown(full: FullCrawl) -> None:
    first = full.crawl.by_path()["/item/1"]
    assert first["title"] == "绿茶礼盒"
    assert first["price"] == "¥ 10.00"
    assert first["category"] == "食品"
    assert first["site"] == "tiny"
    # The shop page shows the code with spaces; the listing keeps it without.
    assert first["seller"] == {"name": "上海甲品有限公司", "credit_code": "91310000MA1FL0XX0X",
                               "url": full.url + "shop/1"}
    assert full.crawl.by_path()["/item/3"]["seller"]["credit_code"] is None
    assert first["image_urls"] == [full.url + "images/p1.jpg", full.url + "images/shared.jpg"]
    hostile = full.crawl.by_path()["/item/7"]
    assert hostile["title"] == " ".join(HOSTILE_TITLE.split())


def test_page_evidence_is_the_bytes_served(full: FullCrawl) -> None:
    with urllib.request.urlopen(full.url + "item/2", timeout=10) as response:
        served = response.read()
    record = full.crawl.by_path()["/item/2"]
    assert record["html_sha256"] == hashlib.sha256(served).hexdigest()
    assert record["html_bytes"] == len(served)


def test_robots_txt_is_obeyed(full: FullCrawl) -> None:
    hits = full.hits()
    assert hits["/robots.txt"] == 1
    assert DISALLOWED_PRODUCT not in hits
    assert "/private/p7.jpg" not in hits
    assert not any(path.startswith(("/private/", "/cart/")) for path in hits)
    images = full.crawl.by_path()["/item/7"]["images"]
    assert images[0] == {"url": full.url + "private/p7.jpg", "reason": "robots.txt"}
    assert "sha256" in images[1]
    assert full.crawl.summary["refused"] >= 2


def _images(full: FullCrawl, path: str) -> dict[str, dict[str, str]]:
    return {image["url"].rsplit("/", 1)[1]: image for image in full.crawl.by_path()[path]["images"]}


def test_broken_images_cost_nothing_else(full: FullCrawl) -> None:
    corrupt = _images(full, "/item/3")
    assert "sha256" in corrupt["corrupt.jpg"]  # fetched as is; the detector decides it is bad
    assert "sha256" in corrupt["p3.jpg"]
    empty = _images(full, "/item/4")
    assert empty["empty.jpg"]["reason"] == "empty"
    assert "sha256" in empty["bomb.png"]  # small on the wire; its pixels are the detector's job
    assert "sha256" in empty["p4.jpg"]
    missing = _images(full, "/item/8")
    assert missing["missing.jpg"]["reason"] == "HTTP 404"
    assert "sha256" in missing["p8.jpg"]
    assert len(missing) == 2  # the malformed source before them was dropped


def test_images_over_the_size_limit_are_too_large(full: FullCrawl) -> None:
    big = _images(full, "/item/5")
    assert big["huge.jpg"]["reason"] == "too large"  # Content-Length over the limit
    assert big["stream.jpg"]["reason"] == "too large"  # chunked, cut off while streaming
    assert "sha256" in big["p5.jpg"]


def test_redirects_to_private_addresses_are_refused(full: FullCrawl) -> None:
    images = _images(full, "/item/6")
    assert images["private.jpg"]["reason"] == "private address"  # -> 10.0.0.1
    assert images["victim.jpg"]["reason"] == "private address"  # -> loopback, another port
    assert "sha256" in images["p6.jpg"]
    # The site's own loopback origin is allowed (allow_private); the victim on another
    # loopback port never saw a request, not even for its robots.txt.
    assert full.hits()["/go/victim.jpg"] == 1
    assert full.victim.log == []


def test_seller_pages_and_shared_images_are_fetched_once(full: FullCrawl) -> None:
    hits = full.hits()
    assert hits["/shop/1"] == 1
    assert hits["/shop/2"] == 1
    assert hits["/images/shared.jpg"] == 1
    shared = [_images(full, path)["shared.jpg"] for path in ("/item/1", "/item/2")]
    assert shared[0] == shared[1]
    assert "sha256" in shared[0]


def test_requests_name_the_crawler(full: FullCrawl) -> None:
    agents = {hit.user_agent for hit in full.log}
    assert agents and all("shangpin-crawler" in agent for agent in agents)


def test_a_finished_crawl_clears_its_jobdir(full: FullCrawl) -> None:
    # Scrapy made its queue and seen set there; the crawl finished, so they are gone and
    # the next crawl of the site is a fresh one, not a resume with nothing left to do.
    assert full.job.is_dir()
    assert not any(full.job / name for name in JOB_STATE if (full.job / name).exists())


def test_private_target_refused_without_allow_private(tmp_path: Path) -> None:
    site = TinySite()
    with SiteThread(site.app()) as server:
        site_file = tmp_path / "tiny.toml"
        # "localhost" must be resolved to be refused: the guard looks up host names too.
        start = server.url.replace("127.0.0.1", "localhost")
        site_file.write_text(site_toml("closed", start, allow_private=False), encoding="utf-8")
        crawl = crawl_child(site_file, tmp_path / "record.jsonl")
    assert site.log == []
    assert crawl.records == []
    assert crawl.summary["listings"] == 0
    assert crawl.summary["refused"] >= 1
    assert "private address" in crawl.stderr or "not a public address" in crawl.stderr


def test_a_stopped_crawl_resumes_from_its_jobdir(tmp_path: Path) -> None:
    site = TinySite(plain=24)
    job = tmp_path / "job"
    record = tmp_path / "record.jsonl"
    with SiteThread(site.app()) as server:
        site_file = tmp_path / "tiny.toml"
        site_file.write_text(site_toml("resume", server.url), encoding="utf-8")
        first = crawl_child(site_file, record, "--jobdir", str(job), "--max-listings", "3",
                            "--download-delay", "0.05")
        assert first.summary["reason"] == "closespider_itemcount"
        assert (job / "requests.seen").exists()
        stopped_at = len(first.records)
        assert 3 <= stopped_at < len(site.product_paths())
        second = crawl_child(site_file, record, "--jobdir", str(job))
    assert second.summary["reason"] == "finished"
    assert "Resuming crawl" in second.stderr
    captured = [r["url"].split("/", 3)[3] for r in second.records]  # the file holds both runs
    assert len(second.records) == len(site.product_paths())
    assert {"/" + path for path in captured} == site.product_paths()
    product_hits = {p: n for p, n in site.paths().items() if p.startswith("/item/")}
    assert set(product_hits) == site.product_paths()
    assert set(product_hits.values()) == {1}  # no listing fetched twice
    assert site.paths()["/"] == 1  # the start page was not fetched again on resume
    assert not (job / "requests.seen").exists()  # finished: the next crawl starts afresh

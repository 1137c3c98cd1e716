"""Run one crawl in this process and sum it up.

Scrapy's reactor starts once per process, so ``run_crawl`` can be called once per process:
the command line runs one crawl and exits; tests and benchmarks start a process per crawl.

Resume: with a JOBDIR (or a Redis frontier) a crawl that was stopped (Ctrl-C once, SIGTERM,
``--max-listings``) leaves its queue and seen set behind and the next run carries on from
there. A crawl that ran to its end clears them, so the next run is a fresh crawl.
"""

from __future__ import annotations

import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import ScrapyDeprecationWarning

from crawler.crawl.frontier import clear_frontier
from crawler.crawl.settings import DEFAULT_USER_AGENT, RedisFrontier, crawl_settings
from crawler.crawl.siteconfig import SiteConfig
from crawler.crawl.spider import SiteSpider

#: What Scrapy keeps in a JOBDIR; only these are removed, never the directory's other files.
JOB_STATE = ("requests.queue", "requests.seen", "spider.state")
_PROGRESS_EVERY = 0.25  # seconds between progress callbacks


class CrawlSetupError(RuntimeError):
    """The crawl cannot start (Redis unreachable, ...); the message is one line."""


@dataclass(frozen=True)
class CrawlProgress:
    pages: int
    listings: int
    images: int
    alerts_new: int
    errors: int


@dataclass(frozen=True)
class CrawlSummary:
    site: str
    reason: str  # Scrapy's finish reason: finished, shutdown, closespider_itemcount, ...
    pages: int  # listing, product and seller pages parsed
    listings: int
    images_fetched: int
    images_analysed: int  # the detector ran
    images_cached: int  # an earlier analysis was reused
    images_failed: int  # not fetched, or not readable as an image
    alerts_new: int
    alerts_known: int
    refused: int  # requests refused by robots.txt or the private-address guard
    errors: int  # pages that failed or had no title, listings that failed analysis
    elapsed: float  # seconds
    new_alerts_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def listings_per_second(self) -> float:
        return self.listings / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "elapsed": round(self.elapsed, 3),
                "listings_per_second": round(self.listings_per_second, 2)}


def run_crawl(
    site: SiteConfig,
    *,
    processor: Any = None,
    jobdir: Path | None = None,
    redis: RedisFrontier | None = None,
    max_listings: int | None = None,
    restart: bool = False,
    user_agent: str = DEFAULT_USER_AGENT,
    log_level: str = "WARNING",
    progress: Callable[[CrawlProgress], None] | None = None,
    overrides: dict[str, Any] | None = None,
) -> CrawlSummary:
    """Crawl ``site`` to the end (or until stopped); ``processor=None`` fetches without
    analysing. Blocks; call once per process."""
    if redis is not None:
        _prepare_redis(redis, restart)
        # scrapy-redis 0.9 still passes ``spider=`` to Scrapy's stats; harmless, but it
        # would print a deprecation warning on every run.
        warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning,
                                module=r"scrapy_redis\.")
    elif jobdir is not None and restart:
        clear_job(jobdir)
    settings = crawl_settings(site, jobdir=jobdir, redis=redis, max_listings=max_listings,
                              user_agent=user_agent, log_level=log_level)
    settings["LOG_INSTALL_ROOT_HANDLER"] = True  # logs to stderr, unless the caller logs
    settings.update(overrides or {})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    reporter = _Reporter(crawler, progress)
    if progress is not None:
        crawler.signals.connect(reporter.update, signal=signals.item_scraped)
        crawler.signals.connect(reporter.update, signal=signals.response_received)
    started = time.monotonic()
    process.crawl(crawler, site=site, processor=processor)
    process.start()
    elapsed = time.monotonic() - started
    summary = summarise(site.name, crawler.stats.get_stats(), elapsed)
    if progress is not None:
        reporter.update(force=True)
    if jobdir is not None and redis is None and summary.reason == "finished":
        clear_job(jobdir)
    return summary


def summarise(site: str, stats: dict[str, Any], elapsed: float) -> CrawlSummary:
    def n(key: str) -> int:
        return int(stats.get(key, 0))

    prefix = "shangpin/alerts/new/"
    return CrawlSummary(
        site=site,
        reason=str(stats.get("finish_reason", "unknown")),
        pages=n("shangpin/pages/listing") + n("shangpin/pages/product")
        + n("shangpin/pages/seller"),
        listings=n("shangpin/listings"),
        images_fetched=n("shangpin/images/fetched"),
        images_analysed=n("shangpin/images/analysed"),
        images_cached=n("shangpin/images/cached"),
        images_failed=n("shangpin/images/fetch_failed") + n("shangpin/images/unreadable"),
        alerts_new=n("shangpin/alerts/new"),
        alerts_known=n("shangpin/alerts/known"),
        refused=n("robotstxt/forbidden") + n("shangpin/refused/private")
        + n("shangpin/refused/scheme"),
        errors=n("shangpin/pages/failed") + n("shangpin/pages/unparsed")
        + n("shangpin/listings/failed"),
        elapsed=elapsed,
        new_alerts_by_kind={k.removeprefix(prefix): int(v) for k, v in sorted(stats.items())
                            if k.startswith(prefix)},
    )


def clear_job(jobdir: Path) -> None:
    """Forget a JOBDIR's queue and seen set: the next crawl starts from the start URLs."""
    for name in JOB_STATE:
        path = jobdir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _prepare_redis(frontier: RedisFrontier, restart: bool) -> None:
    import redis

    server = redis.Redis.from_url(frontier.url, socket_connect_timeout=5, socket_timeout=10)
    try:
        server.ping()
        if restart:
            clear_frontier(server, frontier.prefix)
    except redis.RedisError as exc:
        raise CrawlSetupError(f"Redis at {_safe_url(frontier.url)} is unavailable: "
                              f"{type(exc).__name__}") from None
    finally:
        server.close()


def _safe_url(url: str) -> str:
    """The Redis URL without its password (it must never reach a log or a terminal)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


class _Reporter:
    """Feeds the progress callback from the crawl's stats, a few times a second at most."""

    def __init__(self, crawler: Crawler, callback: Callable[[CrawlProgress], None] | None
                 ) -> None:
        self.crawler = crawler
        self.callback = callback
        self._last = 0.0

    def update(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.callback is None or (not force and now - self._last < _PROGRESS_EVERY):
            return
        self._last = now
        s = summarise("", self.crawler.stats.get_stats(), 0.0)
        self.callback(CrawlProgress(s.pages, s.listings, s.images_fetched, s.alerts_new,
                                    s.errors))

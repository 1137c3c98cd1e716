"""Scrapy settings for one crawl of one site: polite, bounded, resumable, optionally shared.

Everything is Scrapy's own machinery switched on and set from the site file: robots.txt,
AutoThrottle, per-host concurrency, retries, timeouts, size limits and JOBDIR. With a Redis URL
the scheduler and the seen-request filter are scrapy-redis's, so every process given the same
URL and key prefix works on one frontier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.crawl.frontier import IDLE_WAIT, REDIS_PREFIX, frontier_keys
from crawler.crawl.images import IMAGE_MAXSIZE
from crawler.crawl.safety import ALLOW_PRIVATE, PRIVATE_ORIGINS, format_origins
from crawler.crawl.siteconfig import SiteConfig

DEFAULT_USER_AGENT = (
    "shangpin-crawler/1.0 (Shanghai Brand mark misuse monitoring; obeys robots.txt)"
)
#: Runs before Scrapy's OffsiteMiddleware (50) and RobotsTxtMiddleware (100): a request to a
#: private address is refused before anything, not even its robots.txt, is fetched.
GUARD_PRIORITY = 40
_PREFIX = re.compile(r"[A-Za-z0-9:_.-]{1,200}")


@dataclass(frozen=True)
class RedisFrontier:
    """Share one frontier with every process that has the same URL and prefix."""

    url: str
    prefix: str
    idle_wait: float = 10.0  # seconds an idle process waits for others to add work

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            raise ValueError("the Redis key prefix may hold letters, digits and ':_.-' only")

    @classmethod
    def for_site(cls, url: str, site: SiteConfig, *, prefix: str | None = None,
                 idle_wait: float = 10.0) -> RedisFrontier:
        return cls(url, prefix or f"shangpin:crawl:{site.name}", idle_wait)


def crawl_settings(
    site: SiteConfig,
    *,
    jobdir: Path | None = None,
    redis: RedisFrontier | None = None,
    max_listings: int | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    log_level: str = "WARNING",
) -> dict[str, Any]:
    """The settings dict for ``CrawlerProcess``; ``jobdir`` is ignored in Redis mode."""
    limits = site.limits
    settings: dict[str, Any] = {
        "BOT_NAME": "shangpin",
        "USER_AGENT": user_agent,
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": limits.delay_seconds,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, limits.delay_seconds),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(limits.concurrency),
        "CONCURRENT_REQUESTS": max(16, limits.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": limits.concurrency,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": limits.retries,
        "DOWNLOAD_TIMEOUT": limits.timeout_seconds,
        "DOWNLOAD_MAXSIZE": limits.max_page_bytes,  # pages; images carry their own limit
        "DOWNLOAD_WARNSIZE": 0,
        IMAGE_MAXSIZE: limits.max_image_bytes,
        "REDIRECT_MAX_TIMES": 5,
        "MEDIA_ALLOW_REDIRECTS": True,  # followed by RedirectMiddleware, re-checked by the guard
        "COOKIES_ENABLED": False,
        # Both would listen on a local port and let other local users control the crawl.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": log_level,
        "STATS_DUMP": False,
        ALLOW_PRIVATE: site.allow_private,
        PRIVATE_ORIGINS: format_origins(site.origins),
        "TWISTED_DNS_RESOLVER": "crawler.crawl.safety.GuardedResolver",
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.crawl.safety.PrivateAddressMiddleware": GUARD_PRIORITY,
        },
        "ITEM_PIPELINES": {
            "crawler.crawl.images.ImageFetchPipeline": 100,
            "crawler.crawl.pipelines.ProcessingPipeline": 300,
        },
        "EXTENSIONS": {},
    }
    if max_listings:
        # Scrapy stops gracefully after this many listings; the rest stays queued for resume.
        settings["CLOSESPIDER_ITEMCOUNT"] = max_listings
    if redis is not None:
        keys = frontier_keys(redis.prefix)
        settings.update({
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,  # the frontier outlives any one process
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": keys["requests"],
            "SCHEDULER_DUPEFILTER_KEY": keys["dupefilter"],
            "SCHEDULER_SERIALIZER": "crawler.crawl.redisjson",
            "REDIS_URL": redis.url,
            REDIS_PREFIX: redis.prefix,
            IDLE_WAIT: redis.idle_wait,
        })
        settings["EXTENSIONS"]["crawler.crawl.frontier.SharedFrontier"] = 500
    elif jobdir is not None:
        settings["JOBDIR"] = str(jobdir)
    return settings

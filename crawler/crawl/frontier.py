"""Several crawler processes on one Redis frontier: when to stop, and when the crawl is done.

scrapy-redis shares the request queue and the seen-request set; it does not say when a process
may stop (the queue can be empty for a moment while another process is still parsing a page
that will add fifty more) nor when the whole crawl is over. This extension does both:

* an idle process waits up to ``CRAWL_IDLE_WAIT`` seconds (``--idle-wait``) for new work
  before it stops;
* every process registers in ``<prefix>:workers`` with a heartbeat; the last one to finish
  normally, with the queue empty, deletes the frontier so the next crawl starts afresh. A
  process that was stopped or crashed leaves it in place: the next crawl resumes it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    import redis
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

REDIS_PREFIX = "CRAWL_REDIS_PREFIX"
IDLE_WAIT = "CRAWL_IDLE_WAIT"
_HEARTBEAT = 5.0
_STALE = 30.0  # a worker silent this long is gone (killed, machine lost)


def frontier_keys(prefix: str) -> dict[str, str]:
    """The Redis keys of one site's frontier."""
    return {"requests": f"{prefix}:requests", "dupefilter": f"{prefix}:dupefilter",
            "workers": f"{prefix}:workers"}


def clear_frontier(server: redis.Redis, prefix: str) -> int:
    """Forget a frontier (``--restart``): the next crawl starts from the start URLs."""
    return int(server.delete(*frontier_keys(prefix).values()))


class SharedFrontier:
    """Idle wait and end-of-crawl clean-up for the scrapy-redis scheduler."""

    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings
        prefix = settings.get(REDIS_PREFIX)
        if not prefix:
            raise NotConfigured
        self.crawler = crawler
        self.keys = frontier_keys(prefix)
        self.idle_wait = settings.getfloat(IDLE_WAIT, 10.0)
        self.server = get_redis_from_settings(settings)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._idle_since: float | None = None
        self._heartbeat = task.LoopingCall(self._beat)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.active, signal=signals.response_received)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontier:
        return cls(crawler)

    def opened(self) -> None:
        self._heartbeat.start(_HEARTBEAT, now=True)

    def _beat(self) -> None:
        try:
            self.server.zadd(self.keys["workers"], {self.worker: time.time()})
        except Exception as exc:  # noqa: BLE001 - a missed beat is retried in 5 s
            logger.warning("Redis heartbeat failed: %s", type(exc).__name__)

    def active(self) -> None:
        self._idle_since = None

    def idle(self) -> None:
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_wait:
            raise DontCloseSpider

    def closed(self, reason: str) -> None:
        if self._heartbeat.running:
            self._heartbeat.stop()
        workers = self.keys["workers"]
        self.server.zrem(workers, self.worker)
        if reason != "finished":
            return
        self.server.zremrangebyscore(workers, 0, time.time() - _STALE)
        if self.server.zcard(workers) == 0 and self.server.zcard(self.keys["requests"]) == 0:
            self.server.delete(*self.keys.values())
            logger.info("crawl complete: shared frontier cleared")

"""Hand each crawled listing to the analysis and count what came of it.

The processor (``crawler.processing.ListingProcessor``) decodes images, runs the detector and
writes to the database: blocking, CPU-heavy work. It runs in the reactor's thread pool, at
most ``CRAWL_PROCESSING_THREADS`` listings at a time (a Scrapy setting; default: one per
core), so the crawl keeps downloading while earlier listings are analysed. A listing the
processor cannot handle is logged and counted; the crawl goes on.

When analysis is the bottleneck the engine is paused (no new pages taken from the scheduler)
while more than two listings per thread wait. Without that, one process would pull the whole
frontier into memory: pages and images piling up, a graceful stop taking as long as the
backlog, and other processes on a shared Redis frontier finding nothing left to do.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import DeferredSemaphore
from twisted.internet.threads import deferToThread

from crawler.crawl.item import ListingItem
from crawler.listing import FetchedImage, ImageFailure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PROCESSING_THREADS = "CRAWL_PROCESSING_THREADS"


class ProcessingPipeline:
    """Call ``processor.process(listing, images)`` for each item; record the outcome."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        threads = crawler.settings.getint(PROCESSING_THREADS) or os.cpu_count() or 2
        self._slots = DeferredSemaphore(threads)
        self._pause_at = 2 * threads
        self._resume_at = threads
        self._backlog = 0  # listings waiting for or in analysis
        self.processor: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProcessingPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.processor = getattr(self.crawler.spider, "processor", None)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ListingItem):
            return item
        inc = self.stats.inc_value
        inc("shangpin/listings")
        for image in item.images:
            if isinstance(image, FetchedImage):
                inc("shangpin/images/fetched")
            elif isinstance(image, ImageFailure):
                inc("shangpin/images/fetch_failed")
                logger.warning("image skipped (%s): %s on %s", image.reason, image.url,
                               item.listing.url)
        if self.processor is None:
            return item
        try:
            outcome = await self._analyse(item)
        except Exception as exc:  # noqa: BLE001 - one bad listing must not stop the crawl
            inc("shangpin/listings/failed")
            logger.error("listing not analysed (%s: %s): %s", type(exc).__name__,
                         str(exc).splitlines()[0] if str(exc) else "", item.listing.url)
            return item
        item.outcome = outcome
        inc("shangpin/images/analysed", outcome.images_analysed)
        inc("shangpin/images/cached", outcome.images_cached)
        inc("shangpin/images/unreadable", max(0, outcome.images_failed - sum(
            isinstance(i, ImageFailure) for i in item.images)))
        inc("shangpin/marks", outcome.marks_found)
        inc("shangpin/qr", outcome.qr_found)
        inc("shangpin/alerts/new", len(outcome.new_alerts))
        inc("shangpin/alerts/known", outcome.known_alerts)
        for kind in outcome.new_alerts:
            inc(f"shangpin/alerts/new/{kind}")
        return item

    async def _analyse(self, item: ListingItem) -> Any:
        engine = self.crawler.engine
        self._backlog += 1
        if self._backlog > self._pause_at and not engine.paused:
            engine.pause()
        try:
            return await maybe_deferred_to_future(
                self._slots.run(deferToThread, self.processor.process, item.listing,
                                tuple(item.images)))
        finally:
            self._backlog -= 1
            if engine.paused and self._backlog <= self._resume_at:
                engine.unpause()

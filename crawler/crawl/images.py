"""Fetch each listing's images with Scrapy's media pipeline machinery.

``MediaPipeline`` downloads through the engine's downloader, so every image request passes
the same downloader middlewares as pages (private-address guard, robots.txt, retries,
redirects re-checked, per-host throttling) and honours a per-request size limit. It also
remembers what it fetched in this crawl, so an image URL shared by several listings is
downloaded once; the pipeline bounds that memory (``CRAWL_IMAGE_MEMORY_BYTES``): past it
the oldest bodies are forgotten and such a URL would be fetched again.

Nothing is written to disk here: the analysis keeps the evidence. Every image of a listing
ends as a ``FetchedImage`` (the exact bytes) or an ``ImageFailure`` with a short reason, so
one bad image never costs the listing.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.media import MediaPipeline

from crawler.crawl.item import ListingItem
from crawler.crawl.reasons import failure_reason
from crawler.listing import FetchedImage, ImageFailure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

IMAGE_MAXSIZE = "CRAWL_IMAGE_MAXSIZE"
IMAGE_MEMORY = "CRAWL_IMAGE_MEMORY_BYTES"
_DEFAULT_MEMORY = 256 * 1024 * 1024


class ImageFetchError(Exception):
    """An image could not be fetched; ``reason`` is what the listing records."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _DropFetchErrors(logging.Filter):
    """MediaPipeline logs every failed download with a traceback; an unreachable or refused
    image is an expected outcome here, reported once per listing by the processing pipeline."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ImageFetchError))


class _BoundedResults(dict[bytes, Any]):
    """MediaPipeline's per-crawl results, forgetting the oldest bodies past a byte budget."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget
        self.size = 0

    def __setitem__(self, key: bytes, value: Any) -> None:
        if key in self:
            self.size -= _weight(super().__getitem__(key))
            super().__delitem__(key)
        super().__setitem__(key, value)
        self.size += _weight(value)
        while self.size > self.budget and len(self) > 1:
            oldest = next(iter(self))
            self.size -= _weight(super().__getitem__(oldest))
            super().__delitem__(oldest)


def _weight(value: Any) -> int:
    return 256 + (len(value.body) if isinstance(value, FetchedImage) else 0)


class ImageFetchPipeline(MediaPipeline):
    """Fill ``ListingItem.images`` in the order of ``listing.image_urls``."""

    LOG_FAILED_RESULTS = False
    _log_filter = _DropFetchErrors()

    def __init__(self, download_func: None = None, *, crawler: Crawler) -> None:
        super().__init__(crawler=crawler)
        self.max_bytes = crawler.settings.getint(IMAGE_MAXSIZE, 8_000_000)
        self.memory = crawler.settings.getint(IMAGE_MEMORY, _DEFAULT_MEMORY)

    def open_spider(self, spider: Any = None) -> None:
        super().open_spider()
        self.spiderinfo.downloaded = _BoundedResults(self.memory)
        logging.getLogger("scrapy.pipelines.media").addFilter(self._log_filter)

    def close_spider(self, spider: Any = None) -> None:
        logging.getLogger("scrapy.pipelines.media").removeFilter(self._log_filter)

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        assert isinstance(item, ListingItem)
        return [
            Request(url, callback=NO_CALLBACK, errback=functools.partial(_as_failure, url),
                    meta={"download_maxsize": self.max_bytes, "allow_offsite": True})
            for url in item.listing.image_urls
        ]

    def media_to_download(self, request: Request, info: MediaPipeline.SpiderInfo, *,
                          item: Any = None) -> None:
        return None  # no store to look in first: every image of this crawl is fetched once

    def media_downloaded(self, response: Response, request: Request,
                         info: MediaPipeline.SpiderInfo, *, item: Any = None) -> Any:
        self.crawler.stats.inc_value("shangpin/images/downloaded")
        if response.status != 200:
            return ImageFailure(request.url, f"HTTP {response.status}")
        if not response.body:
            return ImageFailure(request.url, "empty")
        content_type = response.headers.get(b"Content-Type")
        return FetchedImage(request.url, response.body,
                            content_type.decode("latin-1") if content_type else None)

    def media_failed(self, failure: Failure, request: Request,
                     info: MediaPipeline.SpiderInfo) -> Failure:
        raise ImageFetchError(failure_reason(failure.value))

    def item_completed(self, results: list[Any], item: Any,
                       info: MediaPipeline.SpiderInfo) -> Any:
        assert isinstance(item, ListingItem)
        for url, (ok, value) in zip(item.listing.image_urls, results, strict=True):
            if ok and isinstance(value, FetchedImage | ImageFailure):
                item.images.append(value)
            else:  # an unexpected error inside the pipeline: still one answer per image
                item.images.append(_as_failure(url, value) if not ok
                                   else ImageFailure(url, "not fetched"))
        return item

    def file_path(self, request: Request, response: Response | None = None,
                  info: MediaPipeline.SpiderInfo | None = None, *, item: Any = None) -> str:
        raise NotImplementedError("images are kept by the analysis, not stored by the pipeline")


def _as_failure(url: str, failure: Failure) -> ImageFailure:
    error = failure.value
    reason = error.reason if isinstance(error, ImageFetchError) else failure_reason(error)
    return ImageFailure(url, reason)

"""One generic spider, configured by a site file: listing pages -> product pages -> one Listing.

Listing and product pages go through the scheduler (so a stopped crawl resumes from JOBDIR and
several processes can share a Redis frontier). The seller page is fetched from within the
product page's callback, through the same downloader, once per seller per process: the parsed
seller is cached and concurrent products of one seller wait for the same fetch. Because it is
fetched inside the callback, a product page counts as done only when its listing, seller and
images have all been handled, and a graceful stop waits for that; nothing half-done is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import parsel
import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.crawl.item import ListingItem
from crawler.crawl.reasons import failure_reason
from crawler.crawl.siteconfig import SiteConfig
from crawler.listing import Listing, Seller

if TYPE_CHECKING:
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SellerPage:
    """What a seller page says (or that it could not be read)."""

    credit_code: str | None
    fetched: bool


class SiteSpider(scrapy.Spider):
    """Crawl the site a ``SiteConfig`` describes; pass ``site=`` (and ``processor=``) as
    spider arguments."""

    name = "shangpin"

    def __init__(self, site: SiteConfig, processor: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site = site
        self.processor = processor  # read by the processing pipeline; None: fetch only
        # Link-following stays on the site; images (and only images) may come from a CDN.
        self.allowed_domains = list(site.hosts)
        self._sellers: dict[str, SellerPage] = {}
        self._seller_waiters: dict[str, list[Deferred[SellerPage]]] = {}

    async def start(self) -> AsyncIterator[Any]:
        # dont_filter stays False: on resume (JOBDIR) or in a second process (Redis) the start
        # page is already in the seen set and is not fetched again.
        for url in self.site.start_urls:
            yield Request(url, callback=self.parse_listing, errback=self.page_failed)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        page = _page(response)
        if page is None:
            return
        self.crawler.stats.inc_value("shangpin/pages/listing")
        selectors = self.site.selectors
        for url in _links(response, selectors.listing_links.values(page)):
            yield Request(url, callback=self.parse_product, errback=self.page_failed)
        if selectors.next_page is not None:
            for url in _links(response, selectors.next_page.values(page))[:1]:
                yield Request(url, callback=self.parse_listing, errback=self.page_failed)

    async def parse_product(self, response: Response) -> AsyncIterator[ListingItem]:
        page = _page(response)
        if page is None:
            return
        captured_at = dt.datetime.now(dt.UTC)
        self.crawler.stats.inc_value("shangpin/pages/product")
        selectors = self.site.selectors
        title = selectors.title.text(page)
        if title is None:
            logger.warning("no title on %s: not a product page, skipped", response.url)
            self.crawler.stats.inc_value("shangpin/pages/unparsed")
            return
        seller = await self._seller(response, page)
        images = _links(response, selectors.image_urls.values(page))
        yield ListingItem(Listing(
            url=response.url,
            site=self.site.name,
            captured_at=captured_at,
            html=response.body,
            title=title,
            price=selectors.price.text(page) if selectors.price else None,
            category=selectors.category.text(page) if selectors.category else None,
            seller=seller,
            image_urls=tuple(images[: self.site.limits.max_images]),
        ))

    def page_failed(self, failure: Failure) -> None:
        """A listing or product page failed or was refused: count it, log one line, go on."""
        request = failure.request  # type: ignore[attr-defined]
        reason = failure_reason(failure.value)
        if reason in ("robots.txt", "private address", "unsupported scheme"):
            self.crawler.stats.inc_value("shangpin/pages/refused")
            logger.info("not fetched (%s): %s", reason, request.url)
        else:
            self.crawler.stats.inc_value("shangpin/pages/failed")
            logger.warning("page failed (%s): %s", reason, request.url)

    async def _seller(self, response: Response, page: parsel.Selector) -> Seller:
        selectors = self.site.selectors
        name = selectors.seller_name.text(page) if selectors.seller_name else None
        links = _links(response, selectors.seller_link.values(page)) if selectors.seller_link \
            else []
        if not links:
            code = (selectors.seller_credit_code.text(page)
                    if selectors.seller_credit_code else None)
            return Seller(name=name, credit_code=_code(code))
        url = links[0]
        shown = await self._seller_page(url)
        return Seller(name=name, credit_code=shown.credit_code, url=url)

    async def _seller_page(self, url: str) -> SellerPage:
        cached = self._sellers.get(url)
        if cached is not None:
            return cached
        waiters = self._seller_waiters.get(url)
        if waiters is not None:  # another product of this seller is fetching it now
            waiting: Deferred[SellerPage] = Deferred()
            waiters.append(waiting)
            return await maybe_deferred_to_future(waiting)
        self._seller_waiters[url] = []
        try:
            shown = await self._fetch_seller(url)
        except BaseException:  # cancelled while closing: the waiting products learn nothing
            shown = SellerPage(None, fetched=False)
            raise
        finally:
            for waiting in self._seller_waiters.pop(url):
                waiting.callback(shown)
        self._sellers[url] = shown
        return shown

    async def _fetch_seller(self, url: str) -> SellerPage:
        selector = self.site.selectors.seller_credit_code
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(
                Request(url, callback=NO_CALLBACK))
        except Exception as exc:  # noqa: BLE001 - any failure: the listing goes on without it
            logger.warning("seller page failed (%s): %s", failure_reason(exc), url)
            self.crawler.stats.inc_value("shangpin/pages/failed")
            return SellerPage(None, fetched=False)
        page = _page(response)
        if response.status != 200 or page is None:
            logger.warning("seller page failed (HTTP %s): %s", response.status, url)
            self.crawler.stats.inc_value("shangpin/pages/failed")
            return SellerPage(None, fetched=False)
        self.crawler.stats.inc_value("shangpin/pages/seller")
        return SellerPage(_code(selector.text(page)) if selector else None, fetched=True)


def _page(response: Response) -> parsel.Selector | None:
    """The parsed page, or None (logged) when the response is not HTML or text."""
    if not isinstance(response, TextResponse):
        logger.warning("not a text page, skipped: %s", response.url)
        return None
    return response.selector


def _links(response: Response, hrefs: list[str]) -> list[str]:
    """Absolute http(s) URLs, once each, in page order. A malformed link on a hostile page is
    dropped; it must not cost the page's other links."""
    found: dict[str, None] = {}
    for href in hrefs:
        try:
            url = response.urljoin(href)
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            logger.info("malformed link skipped on %s", response.url)
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            found.setdefault(url)
    return list(found)


def _code(text: str | None) -> str | None:
    """A credit code as shown, without the spaces some pages put in it."""
    if not text:
        return None
    return "".join(text.split()) or None

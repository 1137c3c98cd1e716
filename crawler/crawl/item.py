"""The item that travels through the item pipelines: one listing and what became of its images."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.listing import FetchedImage, ImageFailure, Listing


@dataclass
class ListingItem:
    """Filled by the spider (``listing``), then the image pipeline (``images``), then the
    processing pipeline (``outcome``)."""

    listing: Listing
    images: list[FetchedImage | ImageFailure] = field(default_factory=list)
    outcome: Any = None  # crawler.processing.ListingOutcome once analysed

    def __repr__(self) -> str:
        # Scrapy logs items; the page and image bytes must not end up in the log.
        return f"<ListingItem {self.listing.url} images={len(self.listing.image_urls)}>"

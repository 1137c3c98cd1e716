"""What the crawl hands to analysis: one product listing as captured, and its images as fetched.

These are plain values so the Scrapy side (fetching) and the analysis side (detection, misuse
rules, evidence) meet at one small interface and each can be tested without the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Seller:
    """The seller as the listing shows it; either field may be missing or wrong."""

    name: str | None = None
    credit_code: str | None = None  # as printed on the shop's business-licence page
    url: str | None = None


@dataclass(frozen=True)
class Listing:
    """One product page, with the exact bytes fetched (kept as evidence)."""

    url: str
    site: str  # the site configuration's name
    captured_at: dt.datetime  # UTC, when the page was fetched
    html: bytes
    title: str
    price: str | None = None
    category: str | None = None
    seller: Seller = field(default_factory=Seller)
    image_urls: tuple[str, ...] = ()

    @property
    def html_sha256(self) -> str:
        return sha256_hex(self.html)


@dataclass(frozen=True)
class FetchedImage:
    """One image of a listing, as fetched (body is the exact bytes, kept as evidence)."""

    url: str
    body: bytes
    content_type: str | None = None

    @property
    def sha256(self) -> str:
        return sha256_hex(self.body)


@dataclass(frozen=True)
class ImageFailure:
    """An image of a listing that could not be fetched or read; the rest goes on."""

    url: str
    reason: str  # short and safe to log: "too large", "HTTP 404", "private address", ...

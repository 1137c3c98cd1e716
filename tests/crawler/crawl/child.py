"""One crawl in a fresh process (Scrapy's reactor starts once per process), recording what the
pipeline hands to the analysis as JSON lines. Prints the crawl summary as JSON on stdout.

    python -m tests.crawler.crawl.child SITE.toml RECORD.jsonl [--jobdir D] [--max-listings N]
        [--redis URL --prefix P --idle-wait S] [--restart] [--delay S] [--download-delay S]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crawler.crawl.runner import CrawlProgress, run_crawl
from crawler.crawl.settings import RedisFrontier
from crawler.crawl.siteconfig import load
from crawler.listing import FetchedImage, ImageFailure, Listing


@dataclass(frozen=True)
class Outcome:
    """The fields of crawler.processing.ListingOutcome that the pipeline reads."""

    listing_url: str
    images_analysed: int
    images_cached: int
    images_failed: int
    marks_found: int = 0
    qr_found: int = 0
    new_alerts: tuple[str, ...] = ()
    known_alerts: int = 0


class RecordingProcessor:
    """Stands in for the analysis: writes down each listing and its images (thread-safe)."""

    def __init__(self, path: Path, delay: float) -> None:
        self.path = path
        self.delay = delay
        self._lock = threading.Lock()

    def process(self, listing: Listing, images: Sequence[FetchedImage | ImageFailure]
                ) -> Outcome:
        if self.delay:
            time.sleep(self.delay)  # stands for analysis time, so a stop lands mid-crawl
        record: dict[str, Any] = {
            "url": listing.url, "site": listing.site, "title": listing.title,
            "price": listing.price, "category": listing.category,
            "seller": {"name": listing.seller.name, "credit_code": listing.seller.credit_code,
                       "url": listing.seller.url},
            "html_sha256": listing.html_sha256, "html_bytes": len(listing.html),
            "image_urls": list(listing.image_urls),
            "images": [{"url": i.url, "sha256": i.sha256} if isinstance(i, FetchedImage)
                       else {"url": i.url, "reason": i.reason} for i in images],
        }
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        fetched = sum(isinstance(i, FetchedImage) for i in images)
        return Outcome(listing.url, fetched, 0, len(images) - fetched)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("site", type=Path)
    parser.add_argument("record", type=Path)
    parser.add_argument("--jobdir", type=Path)
    parser.add_argument("--max-listings", type=int)
    parser.add_argument("--redis")
    parser.add_argument("--prefix")
    parser.add_argument("--idle-wait", type=float, default=3.0)
    parser.add_argument("--restart", action="store_true")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--download-delay", type=float, default=0.0)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()
    site = load(args.site)
    redis = (RedisFrontier.for_site(args.redis, site, prefix=args.prefix,
                                    idle_wait=args.idle_wait) if args.redis else None)
    seen: list[CrawlProgress] = []
    summary = run_crawl(site, processor=RecordingProcessor(args.record, args.delay),
                        progress=seen.append,
                        jobdir=args.jobdir, redis=redis, max_listings=args.max_listings,
                        restart=args.restart, log_level=args.log_level,
                        overrides={"DOWNLOAD_DELAY": args.download_delay})
    last = asdict(seen[-1]) if seen else None
    print(json.dumps({**summary.to_json(), "progress": last, "progress_calls": len(seen)}))


if __name__ == "__main__":
    main()

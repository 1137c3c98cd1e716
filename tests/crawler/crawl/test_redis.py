"""Scale-out: two crawler processes share one frontier on the real Redis (127.0.0.1:6379).

Each process records the listings it handed over; analysis time is stood in for by a short
sleep, so neither process can take the whole frontier alone. Together they must cover every
listing of the sample marketplace, and the site must have served each product page once.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import redis

from crawler.crawl.frontier import frontier_keys
from tests.crawler.crawl.conftest import (
    REDIS_URL,
    MarketSite,
    finish_child,
    hits_since,
    start_child,
)

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def test_two_processes_share_one_frontier(market_site: MarketSite, redis_prefix: str,
                                          tmp_path: Path) -> None:
    products = {p.path for p in market_site.market.products}
    before = Counter(market_site.hits)
    records = [tmp_path / f"worker-{n}.jsonl" for n in range(2)]
    workers = [
        start_child(market_site.site_file, record, "--redis", REDIS_URL, "--prefix",
                    redis_prefix, "--idle-wait", "6", "--delay", "0.25")
        for record in records
    ]
    crawls = [finish_child(worker, record, timeout=180)
              for worker, record in zip(workers, records, strict=True)]

    paths = [path for crawl in crawls for path in crawl.by_path()]
    assert sorted(paths) == sorted(products)  # every listing, and each by one process only
    assert all(crawl.summary["reason"] == "finished" for crawl in crawls)
    served = hits_since(before, market_site.hits)
    assert {path: served[path] for path in products} == dict.fromkeys(products, 1)
    # The second process found the start page already seen: the frontier was shared. How
    # the listings split between the two depends on when each process gets the CPU (on a
    # loaded machine one may start after the other has finished), so it is not asserted.
    assert served["/"] == 1
    # The last process out, with nothing queued, cleared the frontier for the next crawl.
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert client.exists(*frontier_keys(redis_prefix).values()) == 0
    finally:
        client.close()

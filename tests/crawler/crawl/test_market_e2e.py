"""End to end: ``shangpin crawl`` of the sample marketplace into a fresh database.

The marketplace knows which alert each of its listings must raise (``expected_alerts``, from
the rule table); the crawl, with the real detector, rules and database, must store exactly
those, nothing for the genuine listings, and nothing more when it crawls the site again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from storage.models import Alert, ListingCapture
from storage.session import Database
from tests.crawler.crawl.conftest import ROOT, MarketSite, child_env, hits_since

pytestmark = pytest.mark.slow


def _crawl(market_site: MarketSite, data_dir: Path, *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "shangpin", "crawl", str(market_site.site_file), "--json", *args],
        cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
        env=child_env(SHANGPIN_DATABASE_URL=market_site.database_url,
                      SHANGPIN_DATA_DIR=str(data_dir)))
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-4000:]
    summary: dict[str, Any] = json.loads(proc.stdout)
    return summary


def _stored(database_url: str) -> tuple[set[tuple[str, str]], int, set[str]]:
    database = Database.open(database_url)
    try:
        with database.transaction() as session:
            alerts = session.scalars(select(Alert).where(Alert.source == "crawler")).all()
            found = {(urlsplit(a.details["listing_url"]).path, a.kind) for a in alerts}
            captured = {urlsplit(url).path for url in session.scalars(select(ListingCapture.url))}
            return found, len(alerts), captured
    finally:
        database.close()


def test_crawl_raises_exactly_the_expected_alerts(market_site: MarketSite,
                                                 tmp_path: Path) -> None:
    market = market_site.market
    products = {p.path for p in market.products}
    before = Counter(market_site.hits)

    first = _crawl(market_site, tmp_path)
    assert first["reason"] == "finished"
    assert first["listings"] == len(products)
    assert first["errors"] == 0
    found, stored, captured = _stored(market_site.database_url)
    assert captured == products  # broken, hostile and unmarked listings are captured too
    assert found == market.expected_alerts()
    assert not {path for path, _ in found} & market.genuine_paths()
    assert first["alerts_new"] == stored
    served = hits_since(before, market_site.hits)
    assert all(served[path] == 1 for path in products)
    assert not any(path.startswith("/cart/") for path in served)  # robots.txt: Disallow
    evidence = tmp_path / "evidence"
    alert_files = [f for f in evidence.rglob("*") if f.is_file()]
    assert alert_files  # pages, images and crops kept as evidence

    before = Counter(market_site.hits)
    second = _crawl(market_site, tmp_path)
    assert second["reason"] == "finished"
    assert second["listings"] == len(products)
    assert second["alerts_new"] == 0
    assert second["alerts_known"] >= len(market.expected_alerts())
    assert second["images_analysed"] == 0  # every image was seen: the cache answered
    assert second["images_cached"] == first["images_analysed"] + first["images_cached"]
    again, stored_again, _ = _stored(market_site.database_url)
    assert (again, stored_again) == (found, stored)
    served = hits_since(before, market_site.hits)
    assert all(served[path] == 1 for path in products)  # a fresh crawl, not a resume

"""Real crawls of real sites on loopback, one process per crawl (Scrapy's reactor starts once).

``crawl_child`` runs ``tests/crawler/crawl/child.py`` (the crawl with a processor that records
what the pipeline hands over); the end-to-end tests run the real ``shangpin crawl`` command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("SHANGPIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MARKET_SEED = 11
MARKET_PRODUCTS = 32  # the fewest that still play every scenario once


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}
    env.update(extra)
    return env


@dataclass
class Crawl:
    code: int
    summary: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""

    def by_path(self) -> dict[str, dict[str, Any]]:
        from urllib.parse import urlsplit

        return {urlsplit(r["url"]).path: r for r in self.records}


def start_child(site_file: Path, record: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crawler.crawl.child", str(site_file), str(record),
         *args],
        cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL, text=True)


def finish_child(proc: subprocess.Popen[str], record: Path, timeout: float = 120) -> Crawl:
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"crawl failed ({proc.returncode}):\n{err[-4000:]}")
    records = ([json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
               if record.exists() else [])
    return Crawl(proc.returncode, json.loads(out.strip().splitlines()[-1]), records, err)


def crawl_child(site_file: Path, record: Path, *args: str) -> Crawl:
    """One crawl in a fresh process; the record file collects what it handed over."""
    return finish_child(start_child(site_file, record, *args), record)


def hits_since(before: Counter[str], now: Counter[str]) -> Counter[str]:
    return Counter({path: n - before.get(path, 0) for path, n in now.items()
                    if n - before.get(path, 0) > 0})


# ---------------------------------------------------------------- Redis


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of its own on the real Redis; every key under it is deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        problem = f"Redis at {REDIS_URL} is not reachable: {type(exc).__name__}"
        if IN_CI:
            pytest.fail(problem + " (CI=true: Redis tests must run)")
        pytest.skip(problem)
    prefix = f"shangpin:test:{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


# ---------------------------------------------------------------- the sample marketplace


@dataclass
class MarketSite:
    market: Any  # shangpin.market.Market
    url: str
    hits: Counter[str]  # path -> requests served, for the whole session
    database_url: str
    data_dir: Path
    site_file: Path


@pytest.fixture(scope="session")
def market_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MarketSite]:
    """The sample marketplace on loopback over a fresh SQLite registry seeded for it."""
    from shangpin.market import HITS, Market, make_app, seed_registry
    from storage.session import Database
    from tests.crawler.crawl.site import SiteThread

    data_dir = tmp_path_factory.mktemp("market")
    database_url = f"sqlite:///{data_dir / 'shangpin.db'}"
    database = Database.open(database_url)
    try:
        with database.transaction() as session:
            registry = seed_registry(session, "market-test-passphrase", seed=MARKET_SEED)
    finally:
        database.close()
    market = Market(registry, products=MARKET_PRODUCTS)
    app = make_app(market)
    with SiteThread(app) as server:
        site_file = data_dir / "sample-market.toml"
        site_file.write_text(market.site_config(server.url), encoding="utf-8")
        yield MarketSite(market, server.url, app[HITS], database_url, data_dir, site_file)

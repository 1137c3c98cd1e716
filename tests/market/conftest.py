"""One seeded registry and one marketplace for the whole folder, and a real site on loopback.

Seeding and building are cheap; rendering images is not, so the market (and its image cache)
is shared by every test that only reads it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from issuer.keys import KeyStore
from issuer.verification import PublicKey
from shangpin.market import Market, MarketRegistry, make_app, seed_registry
from storage.session import Database

PASSPHRASE = "market-test-passphrase"  # test fixture only
HOST = "SHANGPIN.EXAMPLE"
SEED = 7


@dataclass(frozen=True)
class Seeded:
    database_url: str
    registry: MarketRegistry
    keys: dict[str, PublicKey]


def seed_database(url: str, seed: int) -> Seeded:
    database = Database.open(url, auto_upgrade=True)
    try:
        with database.transaction() as session:
            registry = seed_registry(session, PASSPHRASE, seed=seed)
            keys = KeyStore(session).public_keys()
    finally:
        database.close()
    return Seeded(url, registry, keys)


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    path = tmp_path_factory.mktemp("market-db") / "shangpin.db"
    return seed_database(f"sqlite:///{path}", SEED)


@pytest.fixture(scope="session")
def market(seeded: Seeded) -> Market:
    return Market(seeded.registry, host=HOST)


class SiteThread:
    """The marketplace app on 127.0.0.1 in a thread with its own event loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self._runner = web.AppRunner(self.app, shutdown_timeout=5)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", 0).start()
            self.port = self._runner.addresses[0][1]

        self.loop.run_until_complete(start())
        self._ready.set()
        self.loop.run_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SiteThread:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the marketplace did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture(scope="session")
def site(market: Market) -> Iterator[SiteThread]:
    with SiteThread(make_app(market)) as running:
        yield running

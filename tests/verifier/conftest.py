"""A real verifier on loopback, over a seeded registry, on SQLite and on PostgreSQL.

The server runs in its own thread and event loop, so tests (and Playwright's sync
API) talk to it over real TCP exactly as a phone would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from issuer import registry, status
from issuer.keys import KeyStore
from issuer.marks import sign_mark
from issuer.urls import mark_url
from shangpin.demo import seed
from shangpin.settings import Settings
from storage import migrate
from storage.session import Database, make_engine
from tests.conftest import fresh_pg_database

PASSPHRASE = "verifier-test-passphrase"  # test fixture only
HOST = "VERIFY.SHANGPIN.TEST"


@dataclass
class Seeded:
    """The registry a test server serves, by what each code should show."""

    urls: dict[str, str] = field(default_factory=dict)  # status -> mark URL
    numbers: dict[str, str] = field(default_factory=dict)  # status -> certificate number
    holders: dict[str, dict[str, str]] = field(default_factory=dict)
    unit_urls: list[str] = field(default_factory=list)  # per-unit codes of the valid certificate


def seed_registry(url: str) -> Seeded:
    """Demo registry + unit codes + a forged and an unknown-certificate code."""
    database = Database.open(url, auto_upgrade=True) if url.startswith("sqlite") else None
    if database is None:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        database = Database.open(url)
    seeded = Seeded()
    try:
        with database.transaction() as session:
            numbers = seed(session, PASSPHRASE)
            on = status.today()
            for number in numbers:
                certificate = registry.get_certificate(session, number)
                shown = status.public_status(certificate.state, certificate.valid_until, on).value
                seeded.numbers.setdefault(shown, number)
                seeded.urls.setdefault(shown, mark_url(HOST, certificate.mark_code))
                seeded.holders.setdefault(shown, {"name": certificate.subject.name,
                                                  "uscc": certificate.subject.uscc})
            key = KeyStore(session).signer(PASSPHRASE)
            valid = registry.get_certificate(session, seeded.numbers["valid"])
            seeded.unit_urls = [
                mark_url(HOST, sign_mark(key, valid.number, valid.valid_from,
                                         valid.valid_until, serial))
                for serial in range(1, 21)
            ]
            # Signed by the alliance's key for a number the registry never issued.
            seeded.urls["unknown_certificate"] = mark_url(
                HOST, sign_mark(key, "SP-2019-99999", dt.date(2019, 1, 1), dt.date(2029, 1, 1)))
        code = seeded.urls["valid"].rsplit("/", 1)[1]
        # Same claims, signature bytes changed: what a counterfeiter's printer makes.
        forged = code[:-10] + ("A" if code[-10] != "A" else "B") + code[-9:]
        seeded.urls["forged"] = mark_url(HOST, forged)
    finally:
        database.close()
    return seeded


class ServerThread:
    """Run ``create_app(settings)`` on 127.0.0.1 in a thread with its own loop."""

    def __init__(self, settings: Settings, **runner_options: Any) -> None:
        self.settings = settings
        self.runner_options = runner_options
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        from verifier.app import create_app

        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self._runner = web.AppRunner(create_app(self.settings), shutdown_timeout=5,
                                         **self.runner_options)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = self._runner.addresses[0][1]

        self.loop.run_until_complete(start())
        self._ready.set()
        self.loop.run_forever()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("verifier did not start")
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@dataclass
class Verifier:
    url: str
    settings: Settings
    seeded: Seeded
    database_url: str

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    base = Settings.from_env({
        "SHANGPIN_DATABASE_URL": database_url,
        "SHANGPIN_DATA_DIR": str(data_dir),
        "SHANGPIN_VERIFY_HOST": HOST,
        "SHANGPIN_KEY_PASSPHRASE": PASSPHRASE,
        "SHANGPIN_SCAN_HASH_KEY": "test-scan-hash-key",
        "SHANGPIN_RATE_LIMIT": "0",
    })
    return replace(base, **overrides)


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def verifier(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Verifier]:
    """A seeded verifier server per backend, shared by the tests of one module."""
    data_dir = tmp_path_factory.mktemp("verifier")
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'shangpin.db'}"
        yield from _serve(url, data_dir)
    else:
        pg_server = request.getfixturevalue("pg_server")
        with fresh_pg_database(pg_server, "shangpin_verifier") as url:
            yield from _serve(url, data_dir)


def _serve(url: str, data_dir: Path) -> Iterator[Verifier]:
    seeded = seed_registry(url)
    settings = make_settings(url, data_dir)
    with ServerThread(settings) as server:
        yield Verifier(server.url, settings, seeded, url)

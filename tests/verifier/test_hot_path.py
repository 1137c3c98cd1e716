"""What the scan hot path keeps between requests must never change what a request sees:
kept JSON parts give the same bytes as a fresh answer, a shared registry check is shared
only within one pass of the event loop, and the cheaper access log keeps its fields."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import text

from storage.enums import CertificateState
from storage.session import Database, make_engine
from tests.verifier.conftest import ServerThread, Verifier, make_settings, seed_registry
from verifier.api.responses import dumps
from verifier.api.verify import AnswerParts, verification_body
from verifier.clients import keyed_hash
from verifier.health import JsonAccessLogger
from verifier.readmodel import ReadModel, SqliteFreshness, freshness_for
from verifier.scanning import ScanOutcome, ScanService

HASH_KEY = b"test-scan-hash-key"  # what make_settings configures
PUBLIC_URL = "https://verify.shangpin.test"


def code_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def outcomes_for(verifier: Verifier, texts: list[str]) -> list[ScanOutcome]:
    """Real outcomes from a scan service over the served registry."""
    engine = make_engine(verifier.database_url)

    async def scan() -> list[ScanOutcome]:
        freshness = freshness_for(engine)
        await freshness.start()
        try:
            service = ScanService(ReadModel(engine, freshness))
            return [await service.verify(each) for each in texts]
        finally:
            await freshness.close()

    try:
        return asyncio.run(scan())
    finally:
        engine.dispose()


def test_kept_answer_parts_give_the_same_bytes(verifier: Verifier) -> None:
    seeded = verifier.seeded
    texts = [*seeded.urls.values(), *(code_of(u) for u in seeded.urls.values()),
             *seeded.unit_urls[:3], "NOT-A-CODE", ""]
    outcomes = outcomes_for(verifier, texts)
    assert {o.status for o in outcomes} >= {"valid", "suspended", "revoked", "forged",
                                            "unknown_certificate", "malformed"}
    parts = AnswerParts(PUBLIC_URL)
    for _ in range(2):  # made, then kept
        for outcome in outcomes:
            assert parts.answer(outcome) == dumps(verification_body(outcome, PUBLIC_URL))


def test_kept_certificate_part_follows_a_new_view(verifier: Verifier) -> None:
    """The read model brings a new view when the registry changes; the kept part of
    the old one must not be used for it."""
    outcome = outcomes_for(verifier, [verifier.seeded.urls["valid"]])[0]
    assert outcome.certificate is not None
    parts = AnswerParts(PUBLIC_URL)
    before = json.loads(parts.answer(outcome))
    assert before["certificate"]["status"] == "valid"
    suspended = dataclasses.replace(outcome.certificate, state=CertificateState.SUSPENDED,
                                    state_reason="抽检待复核")
    changed = dataclasses.replace(outcome, certificate=suspended, status="suspended")
    after = json.loads(parts.answer(changed))
    assert after["certificate"]["status"] == "suspended"
    assert after["certificate"]["status_reason"] == "抽检待复核"
    assert parts.answer(changed) == dumps(verification_body(changed, PUBLIC_URL))


def _bump(database: Database) -> None:
    """What the registry's triggers do on every change."""
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE registry_version SET version = version + 1"))


def test_a_registry_check_is_shared_only_within_one_loop_pass(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    database = Database.open(f"sqlite:///{path}")
    freshness = SqliteFreshness(str(path))

    async def scenario() -> None:
        assert await freshness.changed()  # the first check reads the counter
        _bump(database)
        # What was already scheduled in this pass shares the check made before the
        # change: such a request was read before the check, so before the change.
        assert not await freshness.changed()
        await asyncio.sleep(0)  # anything scheduled from now on checks again
        assert await freshness.changed()
        await asyncio.sleep(0)
        assert not await freshness.changed()

    try:
        asyncio.run(scenario())
        # A new loop never trusts a check made on another one.
        _bump(database)
        assert asyncio.run(freshness.changed())
    finally:
        asyncio.run(freshness.close())
        database.close()


# -- over a real server -----------------------------------------------------------------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Verifier, Lines]]:
    """A server that writes access lines, as ``shangpin serve`` runs it (SQLite)."""
    data_dir = tmp_path_factory.mktemp("access")
    url = f"sqlite:///{data_dir / 'shangpin.db'}"
    seeded = seed_registry(url)
    settings = make_settings(url, data_dir)
    logger = logging.getLogger("aiohttp.access")
    lines = Lines()
    level = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.INFO)
    try:
        with ServerThread(settings, access_log_class=JsonAccessLogger) as server:
            yield server.url, Verifier(server.url, settings, seeded, url), lines
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)


def test_access_lines_keep_their_fields_and_hide_codes_and_addresses(
        logged: tuple[str, Verifier, Lines]) -> None:
    base_url, verifier, lines = logged
    code = code_of(verifier.seeded.urls["valid"])
    already = len(lines.lines)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for path in (f"/api/v1/verify/{code}", f"/V/{code}", "/healthz", "/no-such-page"):
            client.get(path)
    # A line is written once the answer has been sent, so the last may still be coming.
    deadline = time.monotonic() + 5
    while len(lines.lines) < already + 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    written = [json.loads(line) for line in lines.lines[already:]]
    assert [(w["method"], w["path"], w["status"]) for w in written] == [
        ("GET", "/api/v1/verify/…", 200), ("GET", "/V/…", 200), ("GET", "/healthz", 200),
        ("GET", "/no-such-page", 404)]
    for entry in written:
        assert set(entry) == {"method", "path", "status", "bytes", "ms", "client"}
        assert entry["client"] == keyed_hash(HASH_KEY, "127.0.0.1")
        assert entry["bytes"] > 0 and entry["ms"] >= 0
    assert not any(code in line or "127.0.0.1" in line for line in lines.lines)


def test_report_form_holds_the_scanned_code_escaped(logged: tuple[str, Verifier, Lines]) -> None:
    base_url, _verifier, _lines = logged
    hostile = 'A"><b class="x">&amp;'
    with httpx.Client(base_url=base_url, timeout=30) as client:
        page = client.get("/V/" + quote(hostile, safe="")).text
    held = re.search(r'<input type="hidden" name="code" value="([^"]*)">', page)
    assert held is not None
    assert html.unescape(held.group(1)) == hostile
    assert '<b class="x">' not in page


def test_empty_lang_parameter_falls_back_to_the_cookie(
        logged: tuple[str, Verifier, Lines]) -> None:
    base_url, verifier, _lines = logged
    code = code_of(verifier.seeded.urls["valid"])
    with httpx.Client(base_url=base_url, timeout=30, cookies={"lang": "en"}) as client:
        response = client.get(f"/V/{code}", params={"lang": ""})
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in response.text

"""From a real crawl to a credit-file event, in real Chromium.

The sample marketplace is crawled with ``shangpin crawl`` (the real detector, rules and
evidence store) into a fresh database; a reviewer opens one of the alerts it raised from
the queue, sees the evidence image load, confirms it, and follows the infringement record
to the seller's credit file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from storage.models import Alert, CreditEvent, InfringementRecord, Subject
from storage.session import Database, make_engine
from tests.console.conftest import PASSWORD
from tests.console.test_browser import SCREENSHOTS, browser  # noqa: F401 - fixture
from tests.verifier.conftest import ServerThread, make_settings
from verifier.console import accounts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MARKET_SEED = 11
MARKET_PRODUCTS = 32  # every scenario of the sample marketplace once


@dataclass
class Crawled:
    url: str  # the verifier with its console
    database_url: str
    alert_id: int  # an open crawler alert whose seller is a registered subject
    subject_id: int
    subject_name: str


def _crawl(site_file: Path, database_url: str, data_dir: Path) -> dict[str, object]:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("SHANGPIN_")}
    env.update(SHANGPIN_DATABASE_URL=database_url, SHANGPIN_DATA_DIR=str(data_dir))
    proc = subprocess.run(
        [sys.executable, "-m", "shangpin", "crawl", str(site_file), "--json"], cwd=ROOT,
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    summary: dict[str, object] = json.loads(proc.stdout)
    return summary


def _reviewer_and_alert(database_url: str) -> tuple[int, int, str]:
    database = Database.open(database_url)
    try:
        with database.transaction() as session:
            accounts.add_user(session, username="reviewer", role="alliance_reviewer",
                              password=PASSWORD, actor="test-setup", client_hash="test")
            for alert in session.scalars(select(Alert).where(Alert.source == "crawler")
                                         .order_by(Alert.id)):
                code = alert.details.get("matched_credit_code")
                if alert.details.get("seller_match") == "none" or not code:
                    continue
                subject = session.scalars(select(Subject).where(Subject.uscc == code)).one()
                return alert.id, subject.id, subject.name
    finally:
        database.close()
    raise AssertionError("the crawl raised no alert about a registered seller")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    from shangpin.market import Market, make_app, seed_registry
    from tests.crawler.crawl.site import SiteThread

    data_dir = tmp_path_factory.mktemp("crawled")
    database_url = f"sqlite:///{data_dir / 'shangpin.db'}"
    database = Database.open(database_url)
    try:
        with database.transaction() as session:
            registry = seed_registry(session, "market-test-passphrase", seed=MARKET_SEED)
    finally:
        database.close()
    market = Market(registry, products=MARKET_PRODUCTS)
    with SiteThread(make_app(market)) as site:
        site_file = data_dir / "sample-market.toml"
        site_file.write_text(market.site_config(site.url), encoding="utf-8")
        summary = _crawl(site_file, database_url, data_dir)
    assert summary["alerts_new"], summary
    alert_id, subject_id, subject_name = _reviewer_and_alert(database_url)
    with ServerThread(make_settings(database_url, data_dir)) as server:
        yield Crawled(server.url, database_url, alert_id, subject_id, subject_name)


def _sign_in(page: Page, base: str) -> None:
    page.goto(base + "/console/alerts?source=crawler")
    page.fill("#username", "reviewer")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/console/alerts?source=crawler")


def _loaded(page: Page, selector: str) -> int:
    """The image's natural width once it has loaded (0 if it failed)."""
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete; }", arg=selector)
    width: int = page.eval_on_selector(selector, "i => i.naturalWidth")
    return width


def test_confirm_a_crawled_alert_and_find_the_credit_event(crawled: Crawled,
                                                         browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        _sign_in(page, crawled.url)
        assert page.locator("#alerts tbody tr").count() > 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-alerts.png"), full_page=True)
        page.click(f'#alerts tr[data-alert="{crawled.alert_id}"] a')
        page.wait_for_url(f"**/console/alerts/{crawled.alert_id}")
        assert _loaded(page, "#evidence-image") > 0
        assert _loaded(page, "#evidence-crop") > 0
        assert page.locator("#evidence-box polygon").count() == 1
        assert crawled.subject_name in page.locator("#matched-subject").inner_text()
        assert page.locator("[data-state='tampered'], [data-state='missing']").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "console-alert.png"), full_page=True)

        page.fill("#confirm-reason", "证据清楚")
        # The reviewer decides whether the matched subject is charged.
        page.check("#charge-subject")
        page.click("#confirm")
        page.wait_for_url(f"**/console/alerts/{crawled.alert_id}?done=confirm*")
        assert page.locator("[data-status='confirmed']").first.is_visible()
        page.click("#infringement-link")
        page.wait_for_url("**/console/infringements/*")
        assert crawled.subject_name in page.locator("#record-subject").inner_text()
        assert _loaded(page, "#record-image") > 0
        page.click("#credit-link")
        page.wait_for_url(f"**/console/credit/{crawled.subject_id}")

        engine = make_engine(crawled.database_url)
        try:
            with engine.connect() as connection:
                record_id = connection.scalar(select(InfringementRecord.id).where(
                    InfringementRecord.alert_id == crawled.alert_id))
                event_id = connection.scalar(select(CreditEvent.id).where(
                    CreditEvent.source == f"infringement:{record_id}",
                    CreditEvent.subject_id == crawled.subject_id))
        finally:
            engine.dispose()
        assert record_id is not None and event_id is not None
        row = page.locator(f'#credit-events tr[data-event="{event_id}"]')
        assert row.is_visible()
        assert row.get_attribute("data-kind") == "infringement"
        page.screenshot(path=str(SCREENSHOTS / "console-credit-after-confirm.png"),
                        full_page=True)
    finally:
        context.close()

"""In real Chromium: suspend a certificate with a reason, see the public page change, and
download a yearly report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from issuer import status
from tests.console.conftest import PASSWORD, Console, serve_console
from tests.console.lifecycle_factory import make, state_of
from tests.console.test_browser import SCREENSHOTS, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """SQLite only: the HTTP tests cover PostgreSQL."""
    data_dir = tmp_path_factory.mktemp("console-browser-lifecycle")
    yield from serve_console(f"sqlite:///{data_dir / 'shangpin.db'}", data_dir)


def _sign_in(page: Page, console: Console, username: str) -> None:
    page.goto(console.url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/console/")


def test_suspend_then_see_the_public_page_and_download_a_report(
        console: Console, browser: Browser) -> None:  # noqa: F811
    made = make(console.engine, console.officer_body)
    reason = "证后监督发现未按规定使用标志，暂停三个月"
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        _sign_in(page, console, "officer")
        page.goto(f"{console.url}/console/certificates/{made.number}")
        assert page.locator("#action-reinstate").count() == 0
        page.fill("#reason", reason)
        page.click("#action-suspend")
        page.wait_for_url(f"**/console/certificates/{made.number}?done=suspend*")
        assert page.locator("#notice").is_visible()
        assert page.locator("#certificates .chip").inner_text() == "暂停"
        assert state_of(console.engine, made.number) == "suspended"

        public = context.new_page()
        public.goto(f"{console.url}/certificates/{made.number}")
        body = public.locator("body").inner_text()
        assert "暂停" in body and reason in body
        public.goto(console.url + made.mark_path)
        assert reason in public.locator("body").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        public.screenshot(path=str(SCREENSHOTS / "public-after-suspension.png"), full_page=True)

        year = status.today().year
        page.goto(f"{console.url}/console/reports")
        page.select_option("#year", str(year))
        page.click("#choose-report button[type=submit]")
        page.wait_for_url(f"**/console/reports/body/{console.officer_body}/{year}")
        assert page.locator("#report-title").inner_text().endswith(str(year))
        suspensions = page.locator("td[data-key='suspensions']").inner_text()
        assert int(suspensions) >= 1
        assert page.locator(f"#suspensions tr[data-number='{made.number}']").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "yearly-report.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#csv-link")
        download = info.value
        assert download.suggested_filename == (
            f"shangpin-body-report-{console.officer_body}-{year}.csv")
        path = download.path()
        raw = path.read_bytes()
        assert raw.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        values = {row[0]: row[2] for row in rows[1:]}
        assert values["report.year"] == str(year)
        assert values["suspensions"] == suspensions
        assert [row for row in rows if row[0] == "suspension" and row[4] == made.number
                and row[6] == reason]
    finally:
        context.close()

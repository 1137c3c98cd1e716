"""Signing in to the console in real Chromium (Debian's ``/usr/bin/chromium``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.console.conftest import PASSWORD, Console, serve_console

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: browser tests must run)")
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """SQLite only: the browser's path is the same on every backend (tested elsewhere)."""
    data_dir = tmp_path_factory.mktemp("console-browser")
    yield from serve_console(f"sqlite:///{data_dir / 'shangpin.db'}", data_dir)


def test_sign_in_and_see_the_home_page(console: Console, browser: Browser) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(console.url + "/console/")
        assert page.url.endswith("/console/login")  # sent to sign in first
        assert page.locator("h1").inner_text() == "工作人员登录"
        page.fill("#username", "reviewer")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url("**/console/")
        assert page.locator("#who-name").inner_text() == "reviewer"
        assert page.locator("#certificates tbody tr").count() > 0
        assert page.locator("#alert-counts [data-status='open']").is_visible()
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["sp_console"]["httpOnly"] and cookies["sp_console"]["sameSite"] == "Lax"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-home.png"), full_page=True)
        page.click("#logout")
        page.wait_for_url("**/console/login?ended=1")
        assert page.locator("#signed-out").is_visible()
    finally:
        context.close()

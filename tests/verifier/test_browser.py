"""The scan pages in real Chromium on a phone-sized screen, in Chinese and in English.

Playwright drives Debian's ``/usr/bin/chromium`` (never a downloaded browser). The
server runs in its own thread, so Playwright's sync API is free to use this one.
Screenshots of every verdict page go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.verifier.conftest import Verifier

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
VERDICTS = {
    "valid": ("有效", "Valid"),
    "suspended": ("暂停", "Suspended"),
    "expired": ("过期", "Expired"),
    "terminated": ("终止", "Terminated"),
    "revoked": ("撤销", "Revoked"),
    "forged": ("伪造", "Forged"),
    "unknown_certificate": ("未知证书", "Unknown certificate"),
}


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


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized page set to Chinese, as a phone in Shanghai would be."""
    context = browser.new_context(locale="zh-CN", **PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _path(url: str) -> str:
    return "/V/" + url.rsplit("/V/", 1)[1]


@pytest.mark.parametrize("status", list(VERDICTS))
def test_scan_page_verdict_in_chinese_then_english(verifier: Verifier, phone: Page,
                                                   status: str) -> None:
    zh, en = VERDICTS[status]
    phone.goto(verifier.url + _path(verifier.seeded.urls[status]))
    title = phone.locator("h1.verdict-title")
    assert title.inner_text().strip() == zh
    assert phone.locator("section.verdict").get_attribute("data-status") == status
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"
    # The banner fills the phone's width, and is the first thing on the screen.
    box = phone.locator("section.verdict").bounding_box()
    assert box is not None and box["width"] > 320 and box["y"] < 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / f"{status}-zh.png"), full_page=True)

    with phone.expect_navigation():
        phone.locator("#lang-switch").click()
    assert title.inner_text().strip() == en
    assert phone.evaluate("document.documentElement.lang") == "en"
    phone.screenshot(path=str(SCREENSHOTS / f"{status}-en.png"), full_page=True)
    # The choice sticks: the same code scanned again stays in English.
    phone.goto(verifier.url + _path(verifier.seeded.urls[status]))
    assert title.inner_text().strip() == en


def test_registry_search_finds_a_holder(verifier: Verifier, phone: Page) -> None:
    holder = verifier.seeded.holders["suspended"]
    phone.goto(verifier.url + "/")
    phone.locator("header nav a[href='/registry']").click()
    phone.wait_for_url("**/registry")
    phone.locator("#registry-q").fill("云间")
    with phone.expect_navigation():
        phone.locator("form.search button[type=submit]").click()
    hits = phone.locator("li.hit")
    assert hits.count() == 1
    assert hits.first.locator(".hit-holder").inner_text() == holder["name"]
    assert hits.first.locator(".chip").inner_text() == "暂停"
    with phone.expect_navigation():
        hits.first.locator(".hit-holder").click()
    assert phone.locator("dd.holder").inner_text() == holder["name"]
    assert phone.locator("dd.uscc").inner_text() == holder["uscc"]
    phone.screenshot(path=str(SCREENSHOTS / "registry-certificate-zh.png"), full_page=True)


def test_start_page_box_opens_the_certificate(verifier: Verifier, phone: Page) -> None:
    number = verifier.seeded.numbers["revoked"]
    phone.goto(verifier.url + "/")
    phone.locator("#check-q").fill(number)
    with phone.expect_navigation():
        phone.locator("form.check button[type=submit]").click()
    assert phone.url.endswith(f"/certificates/{number}")
    assert phone.locator("h1.verdict-title").inner_text().strip() == "撤销"


def test_report_a_fake_from_the_scan_page(verifier: Verifier, phone: Page) -> None:
    phone.goto(verifier.url + _path(verifier.seeded.urls["forged"]))
    phone.locator("#report-description").fill("二维码贴纸是后贴上去的")
    phone.locator("#report-where").fill("路边小店")
    with phone.expect_navigation():
        phone.locator("#report button[type=submit]").click()
    assert phone.url.endswith("/report/thanks")
    assert phone.locator("h1.verdict-title").inner_text().strip() == "感谢您的举报"

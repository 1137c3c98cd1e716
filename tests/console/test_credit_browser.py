"""Credit repair in real Chromium: find a holder's file, repair its revocation with a
written reason, and see the public page stop publishing it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select

from storage.enums import CertificateState
from storage.models import Certificate, CreditEvent, Subject
from tests.console.conftest import PASSWORD, Console, serve_console
from tests.console.test_browser import SCREENSHOTS, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    data_dir = tmp_path_factory.mktemp("credit-browser")
    yield from serve_console(f"sqlite:///{data_dir / 'shangpin.db'}", data_dir)


def test_an_admin_repairs_a_revocation_and_the_public_page_follows(
        console: Console, browser: Browser) -> None:  # noqa: F811
    with console.engine.connect() as connection:
        number, subject_id, name = connection.execute(
            select(Certificate.number, Subject.id, Subject.name).join(Subject)
            .where(Certificate.state == CertificateState.REVOKED)).first() or (None, None, None)
        event_id = connection.scalar(select(CreditEvent.id).where(
            CreditEvent.subject_id == subject_id, CreditEvent.kind == "revocation"))
    assert number and event_id
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(console.url + "/certificates/" + number)
        assert page.locator("#credit").get_attribute("data-grade") == "D"
        assert page.locator("#credit [data-kind='revocation']").count() == 1

        page.goto(console.url + "/console/login?next=/console/credit")
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url("**/console/credit")
        page.fill("#q", name)
        page.click("#credit-search button[type=submit]")
        page.wait_for_url("**/console/credit?q=*")
        page.click(f"#subjects tr[data-subject='{subject_id}'] a")
        page.wait_for_url(f"**/console/credit/{subject_id}")
        assert page.locator("#credit-grade").get_attribute("data-grade") == "D"
        row = page.locator(f"#credit-events tr[data-event='{event_id}']")
        assert row.get_attribute("data-state") == "counting"
        # The browser itself refuses an empty reason (the server does too: tested over HTTP).
        row.locator("button[type=submit]").click()
        assert page.url.endswith(f"/console/credit/{subject_id}")
        assert row.get_attribute("data-state") == "counting"
        row.locator("textarea").fill("经复核，撤销决定所涉问题已全部整改完毕")
        row.locator("button[type=submit]").click()
        page.wait_for_url(f"**/console/credit/{subject_id}?repaired={event_id}")
        assert page.locator("#repair-done").is_visible()
        row = page.locator(f"#credit-events tr[data-event='{event_id}']")
        assert row.get_attribute("data-state") == "repaired"
        assert "经复核" in row.locator(".repair-note").inner_text()
        assert page.locator("#credit-grade").get_attribute("data-grade") != "D"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-credit-file.png"), full_page=True)

        page.goto(console.url + "/certificates/" + number)
        assert page.locator("#credit [data-kind='revocation']").count() == 0
        assert "经复核" not in page.content()
    finally:
        context.close()

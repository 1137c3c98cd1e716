"""The public pages over a real server on loopback, on SQLite and on PostgreSQL."""

from __future__ import annotations

import html
import re
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import RowMapping, create_engine, select

from issuer import registry
from issuer.status import Action, PublicStatus
from shangpin.demo import REASONS
from storage.enums import CertificateState
from storage.models import Certificate, ConsumerReport
from storage.session import Database
from tests.verifier.conftest import Verifier
from verifier import i18n, scanning
from verifier.public.presentation import LOOKS

#: status -> (Chinese word, English word, banner colour class)
VERDICTS = {
    "valid": ("有效", "Valid", "verdict-good"),
    "suspended": ("暂停", "Suspended", "verdict-warn"),
    "expired": ("过期", "Expired", "verdict-aged"),
    "terminated": ("终止", "Terminated", "verdict-ended"),
    "revoked": ("撤销", "Revoked", "verdict-bad"),
    "publicity": ("公示中", "In publicity", "verdict-info"),
    "forged": ("伪造", "Forged", "verdict-bad"),
    "unknown_certificate": ("未知证书", "Unknown certificate", "verdict-unknown"),
}
AUTHENTIC = ("valid", "suspended", "expired", "terminated", "revoked", "publicity")
BADGE_WORDS = {
    "valid": ("有效", "valid"), "suspended": ("暂停", "suspended"),
    "expired": ("过期", "expired"), "terminated": ("终止", "terminated"),
    "revoked": ("撤销", "revoked"), "publicity": ("公示中", "in publicity"),
}
SVG = "{http://www.w3.org/2000/svg}"


def path_of(url: str) -> str:
    return "/V/" + url.rsplit("/V/", 1)[1]


def banner(page: str) -> tuple[str, str, str]:
    """(colour class, data-status, verdict word) of the verdict banner."""
    match = re.search(r'<section class="verdict ([\w-]+)" data-status="([\w-]+)"', page)
    title = re.search(r'<h1 class="verdict-title">(.*?)</h1>', page)
    assert match and title, page[:2000]
    return match.group(1), match.group(2), html.unescape(title.group(1))


def hit_numbers(page: str) -> list[str]:
    return re.findall(r'<li class="hit" data-number="([A-Z0-9-]+)">', page)


@pytest.fixture
def client(verifier: Verifier) -> Iterator[httpx.Client]:
    with verifier.client() as c:
        yield c


# --- the verification page ------------------------------------------------------------

def test_every_outcome_has_words_in_both_languages() -> None:
    outcomes = {s.value for s in PublicStatus} | {
        scanning.FORGED, scanning.MALFORMED, scanning.COMPROMISED, scanning.UNKNOWN_CERTIFICATE}
    assert set(LOOKS) == outcomes
    for look in LOOKS.values():
        for key in (look.title_key, look.explain_key):
            assert set(i18n.MESSAGES[key]) == {"zh", "en"}, key
    assert i18n.MESSAGES["verdict.compromised_key.title"]["zh"] == "签名密钥已泄露"
    assert LOOKS["compromised_key"].tone == LOOKS["malformed"].tone == "bad"


@pytest.mark.parametrize("status", list(VERDICTS))
def test_verdict_page_in_chinese_by_default(verifier: Verifier, client: httpx.Client,
                                            status: str) -> None:
    response = client.get(path_of(verifier.seeded.urls[status]))
    assert response.status_code == 200
    zh, _en, css = VERDICTS[status]
    assert banner(response.text) == (css, status, zh)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Language"] == "zh-CN"
    assert response.headers["X-Frame-Options"] == "DENY"
    valid_holder = verifier.seeded.holders["valid"]
    if status in AUTHENTIC:
        holder = verifier.seeded.holders[status]
        assert holder["name"] in response.text and holder["uscc"] in response.text
        assert verifier.seeded.numbers[status] in response.text
    else:  # a forged code copies a real certificate; the page must not lend it the holder
        assert valid_holder["name"] not in response.text
        assert valid_holder["uscc"] not in response.text
    if status in REASONS:
        assert REASONS[status] in response.text
    assert 'action="/report"' in response.text


@pytest.mark.parametrize("status", list(VERDICTS))
def test_verdict_page_in_english(verifier: Verifier, status: str) -> None:
    path = path_of(verifier.seeded.urls[status])
    _zh, en, css = VERDICTS[status]
    with verifier.client() as client:
        switched = client.get(path, params={"lang": "en"})
        assert banner(switched.text) == (css, status, en)
        assert switched.headers["Content-Language"] == "en"
        assert switched.cookies.get("lang") == "en"
        # The cookie keeps English on the next scan without ?lang=.
        assert banner(client.get(path).text)[2] == en
        assert banner(client.get(path, params={"lang": "zh"}).text)[2] == VERDICTS[status][0]
    with verifier.client(headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}) as client:
        assert banner(client.get(path).text)[2] == en
    with verifier.client(headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}) as client:
        assert banner(client.get(path).text)[2] == VERDICTS[status][0]


def test_language_switch_keeps_the_page(verifier: Verifier, client: httpx.Client) -> None:
    page = client.get("/registry", params={"q": "梧桐"}).text
    link = re.search(r'<a id="lang-switch" href="([^"]+)"', page)
    assert link
    target = html.unescape(link.group(1))
    assert target.startswith("?") and "lang=en" in target
    english = client.get("/registry" + target)
    assert "Registry of certificates" in english.text and "上海梧桐食品有限公司" in english.text


def test_lower_case_path(verifier: Verifier, client: httpx.Client) -> None:
    code = verifier.seeded.urls["valid"].rsplit("/V/", 1)[1]
    response = client.get("/v/" + code)
    assert banner(response.text) == ("verdict-good", "valid", "有效")


@pytest.mark.parametrize("code", [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "A" * 4000,
    "中文码",
    "\x00\x01",
    "aeaa54rc7rh2ou7obvjvaljsgazdkljqgaydamorurg7mq2bk43p3k73mive3i7un2ln545w",
])
def test_hostile_codes_get_the_malformed_page(client: httpx.Client, code: str) -> None:
    response = client.get("/V/" + quote(code, safe=""))
    assert response.status_code == 200
    assert banner(response.text) == ("verdict-bad", "malformed", "无效码")
    assert "<script>" not in response.text and "<img src=x" not in response.text
    assert "Traceback" not in response.text
    if code.startswith("<script>"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_empty_code(client: httpx.Client) -> None:
    assert banner(client.get("/V/").text)[1] == "malformed"


def test_unit_code_shows_serial_and_scans_before(verifier: Verifier,
                                                 client: httpx.Client) -> None:
    url = verifier.seeded.unit_urls[3]  # serial 4; no other test scans it

    def scanned() -> tuple[int, int]:
        page = client.get(path_of(url)).text
        serial = re.search(r'data-serial="(\d+)"', page)
        before = re.search(r'data-scans-before="(\d+)"', page)
        assert serial and before, page[:2000]
        return int(serial.group(1)), int(before.group(1))

    serial, first = scanned()
    assert serial == 4
    deadline = time.monotonic() + 5
    while True:
        _, second = scanned()
        if second > first:
            break
        assert time.monotonic() < deadline, "the scan count did not move"
        time.sleep(0.2)
    assert second >= first + 1


def _next_verdict(client: httpx.Client, code: str) -> str:
    """The page of the very next scan (on both backends)."""
    return client.get("/V/" + code).text


def test_status_change_shows_on_the_next_scan(verifier: Verifier,
                                              client: httpx.Client) -> None:
    database = Database.open(verifier.database_url, auto_upgrade=False)
    try:
        with database.transaction() as session:
            # The second valid certificate, so the seeded ones other tests use stay put.
            number, code = session.execute(
                select(Certificate.number, Certificate.mark_code)
                .where(Certificate.state == CertificateState.VALID,
                       Certificate.number != verifier.seeded.numbers["valid"],
                       Certificate.number != verifier.seeded.numbers["expired"])
                .order_by(Certificate.number).limit(1)).one()
        assert banner(client.get("/V/" + code).text)[1] == "valid"
        reason = f"暂停测试 {uuid.uuid4().hex[:8]}"
        with database.transaction() as session:
            registry.change_status(session, number, Action.SUSPEND, actor="test", reason=reason)
        try:
            page = _next_verdict(client, code)
            assert banner(page)[1:] == ("suspended", "暂停")
            assert reason in page
        finally:
            with database.transaction() as session:
                registry.change_status(session, number, Action.REINSTATE, actor="test")
        assert banner(_next_verdict(client, code))[1] == "valid"
    finally:
        database.close()


# --- reports --------------------------------------------------------------------------

def _reports(verifier: Verifier, description: str) -> list[RowMapping]:
    engine = create_engine(verifier.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(
                select(ConsumerReport.__table__)
                .where(ConsumerReport.description == description)).mappings().all())
    finally:
        engine.dispose()


def test_report_is_stored_and_thanked(verifier: Verifier, client: httpx.Client) -> None:
    code = verifier.seeded.urls["forged"].rsplit("/V/", 1)[1]
    description = f"标签印刷模糊 {uuid.uuid4().hex}"
    response = client.post("/report", data={
        "code": code, "description": description, "where_bought": "某网店",
        "contact": "buyer@example.test"}, headers={"Origin": verifier.url})
    assert response.status_code == 303
    assert response.headers["Location"] == "/report/thanks"
    thanks = client.get("/report/thanks")
    assert banner(thanks.text)[2] == "感谢您的举报"
    [row] = _reports(verifier, description)
    assert row["code"] == code and row["where_bought"] == "某网店"
    assert row["contact"] == "buyer@example.test"
    assert row["verdict"] == "forged"
    assert row["certificate_number"] == verifier.seeded.numbers["valid"]  # what the fake copies
    assert len(row["client_hash"]) == 32


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Referer": "https://evil.example/page"},
    {"Sec-Fetch-Site": "cross-site"},
])
def test_cross_site_report_is_refused(verifier: Verifier, client: httpx.Client,
                                      headers: dict[str, str]) -> None:
    description = f"cross-site {uuid.uuid4().hex}"
    response = client.post("/report", data={"description": description}, headers=headers)
    assert response.status_code == 403
    assert "请通过本站的页面提交举报" in response.text
    assert _reports(verifier, description) == []


def test_invalid_report_shows_the_form_again(verifier: Verifier,
                                             client: httpx.Client) -> None:
    response = client.post("/report", data={
        "description": "   ", "where_bought": "<b>shop</b>"},
        headers={"Referer": verifier.url + "/V/X"})
    assert response.status_code == 400
    assert "请描述可疑之处" in response.text
    assert 'value="&lt;b&gt;shop&lt;/b&gt;"' in response.text  # kept, and escaped
    english = client.post("/report?lang=en", data={"description": "x", "contact": "c" * 300},
                          headers={"Origin": verifier.url})
    assert english.status_code == 400 and "too long" in english.text
    big = client.post("/report", content=b"description=" + b"x" * 20_000,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413


def test_report_form_page(client: httpx.Client) -> None:
    page = client.get("/report", params={"code": "ABC<x>"}).text
    assert 'name="code" value="ABC&lt;x&gt;"' in page


# --- start page -----------------------------------------------------------------------

def test_start_page_and_check_box(verifier: Verifier, client: httpx.Client) -> None:
    page = client.get("/").text
    assert 'action="/check"' in page and 'href="/registry"' in page and 'href="/photo"' in page
    number = verifier.seeded.numbers["valid"]
    assert client.get("/check", params={"q": number.lower()}).headers["Location"] == \
        f"/certificates/{number}"
    url = verifier.seeded.urls["valid"]
    code = url.rsplit("/V/", 1)[1]
    for pasted in (url, "https://verify.shangpin.test/V/" + code, code):
        assert client.get("/check", params={"q": pasted}).headers["Location"] == "/V/" + code
    to_search = client.get("/check", params={"q": "梧桐"})
    assert to_search.status_code == 303
    assert to_search.headers["Location"].startswith("/registry?q=")
    assert client.get("/check", params={"q": "//evil.example"}).headers["Location"].startswith(
        "/registry?")


# --- registry -------------------------------------------------------------------------

def test_registry_search_by_name_credit_code_product_and_number(
        verifier: Verifier, client: httpx.Client) -> None:
    valid = verifier.seeded.numbers["valid"]
    holder = verifier.seeded.holders["valid"]
    for q in ("梧桐", holder["name"], holder["uscc"], holder["uscc"].lower(), "桂花糕", valid):
        page = client.get("/registry", params={"q": q})
        assert page.status_code == 200
        assert hit_numbers(page.text) == [valid], q
        assert holder["name"] in page.text
    assert hit_numbers(client.get("/registry", params={"q": "不存在的企业"}).text) == []


def test_registry_filters(verifier: Verifier, client: httpx.Client) -> None:
    expired = client.get("/registry", params={"status": "expired"}).text
    assert hit_numbers(expired) == [verifier.seeded.numbers["expired"]]
    assert 'chip chip-expired' in expired
    cultivation = hit_numbers(client.get("/registry", params={"scheme": "cultivation"}).text)
    assert cultivation and all(n.startswith("SB-") for n in cultivation)
    assert verifier.seeded.numbers["expired"] in cultivation
    shangpin = hit_numbers(client.get("/registry", params={"scheme": "shangpin"}).text)
    assert shangpin and all(n.startswith("SP-") for n in shangpin)
    both = hit_numbers(client.get("/registry",
                                  params={"scheme": "cultivation", "status": "valid"}).text)
    assert both and set(both) < set(cultivation) and verifier.seeded.numbers["expired"] not in both


def test_registry_pagination(client: httpx.Client) -> None:
    first = client.get("/registry", params={"size": "3"}).text
    total = int(re.search(r'data-total="(\d+)"', first).group(1))  # type: ignore[union-attr]
    assert total >= 8
    pages = -(-total // 3)
    seen = hit_numbers(first)
    assert len(seen) == 3 and 'rel="next"' in first and 'rel="prev"' not in first
    for page in range(2, pages + 1):
        text = client.get("/registry", params={"size": "3", "page": str(page)}).text
        assert 'rel="prev"' in text
        seen += hit_numbers(text)
    assert 'rel="next"' not in text
    assert len(seen) == total == len(set(seen))
    beyond = client.get("/registry", params={"size": "3", "page": str(pages + 5)})
    assert beyond.status_code == 200 and hit_numbers(beyond.text) == []


@pytest.mark.parametrize("params, message", [
    ({"status": "bogus"}, "未知的证书状态"),
    ({"scheme": "<script>"}, "未知的认证类别"),
    ({"page": "abc"}, "页码必须是"),
    ({"page": "0"}, "页码必须是"),
    ({"page": "99999999999999999999"}, "页码必须是"),
    ({"size": "1000"}, "每页条数"),
    ({"size": "-1"}, "每页条数"),
])
def test_registry_bad_filters_get_a_message(client: httpx.Client, params: dict[str, str],
                                            message: str) -> None:
    response = client.get("/registry", params=params)
    assert response.status_code == 400
    assert message in response.text
    assert "<script>" not in response.text


def test_registry_bad_filter_in_english(client: httpx.Client) -> None:
    response = client.get("/registry", params={"status": "bogus", "lang": "en"})
    assert response.status_code == 400 and "Unknown status" in response.text


# --- certificate page -----------------------------------------------------------------

def test_certificate_page_with_history_and_snippets(verifier: Verifier,
                                                    client: httpx.Client) -> None:
    number = verifier.seeded.numbers["suspended"]
    response = client.get(f"/certificates/{number.lower()}")
    assert response.status_code == 200
    page = response.text
    assert banner(page)[1:] == ("suspended", "暂停")
    assert verifier.seeded.holders["suspended"]["name"] in page
    history = page.split('<ol class="events">', 1)[1].split("</ol>", 1)[0]
    changes = re.findall(r'<span class="chip chip-(\w+)">', history)
    assert changes == ["publicity", "valid", "suspended"]
    assert REASONS["suspended"] in history
    assert "demo-seed" not in page  # staff actors are not published
    public = verifier.settings.public_url
    snippets = [html.unescape(s) for s in re.findall(r'<textarea[^>]*>(.*?)</textarea>', page,
                                                     re.S)]
    assert any(f'src="{public}/badge/{number}.svg"' in s and f'href="{public}/certificates/'
               f'{number}"' in s for s in snippets)
    assert any(s.startswith("<iframe") and f'src="{public}/embed/{number}"' in s
               for s in snippets)
    assert "<iframe" not in page  # shown as text, never live
    assert 'src="/static/copy.js"' in page


def test_revoked_certificate_page_shows_reason(verifier: Verifier,
                                               client: httpx.Client) -> None:
    page = client.get(f"/certificates/{verifier.seeded.numbers['revoked']}?lang=en").text
    assert banner(page)[1:] == ("revoked", "Revoked")
    assert REASONS["revoked"] in page and "Status history" in page


@pytest.mark.parametrize("number", ["SP-2099-99999", "<b>x</b>", "A" * 200])
def test_unknown_certificate_page_is_404(client: httpx.Client, number: str) -> None:
    response = client.get("/certificates/" + quote(number, safe=""))
    assert response.status_code == 404
    assert "<html" in response.text and "<b>x" not in response.text


# --- badges and embeds ----------------------------------------------------------------

def _badge_texts(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    assert root.tag == SVG + "svg"
    return [t.text or "" for t in root.iter(SVG + "text")]


@pytest.mark.parametrize("status", list(BADGE_WORDS))
def test_badge_shows_live_status(verifier: Verifier, client: httpx.Client,
                                 status: str) -> None:
    number = verifier.seeded.numbers[status]
    response = client.get(f"/badge/{number}.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    zh, en = BADGE_WORDS[status]
    assert _badge_texts(response.content)[1] == zh
    english = client.get(f"/badge/{number}.svg", params={"lang": "en"})
    assert _badge_texts(english.content)[1] == en
    assert english.headers["ETag"] != response.headers["ETag"]
    etag = response.headers["ETag"]
    again = client.get(f"/badge/{number}.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert not again.content
    assert client.get(f"/badge/{number}.svg",
                      headers={"If-None-Match": '"other"'}).status_code == 200


def test_badge_of_unknown_number(client: httpx.Client) -> None:
    for path in ("/badge/SP-2099-99999.svg", "/badge/%3Cx%3E.svg"):
        response = client.get(path)
        assert response.status_code == 404
        texts = _badge_texts(response.content)
        assert texts[1] == "未知"
        assert "#6b6b76" in response.text  # grey
    assert _badge_texts(client.get("/badge/SP-2099-99999.svg?lang=en").content)[1] == "unknown"


def test_embed_is_frameable_and_other_pages_are_not(verifier: Verifier,
                                                    client: httpx.Client) -> None:
    number = verifier.seeded.numbers["valid"]
    embed = client.get(f"/embed/{number}")
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert embed.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in client.get(f"/embed/{number}?lang=en").headers
    assert verifier.seeded.holders["valid"]["name"] in embed.text
    assert f'href="/certificates/{number}"' in embed.text and "chip-valid" in embed.text
    unknown = client.get("/embed/SP-2099-99999")
    assert unknown.status_code == 404 and "chip-unknown" in unknown.text
    for path in ("/", path_of(verifier.seeded.urls["valid"]), "/registry",
                 f"/certificates/{number}", "/report", f"/badge/{number}.svg"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


def test_pages_carry_no_inline_script_or_style(verifier: Verifier,
                                               client: httpx.Client) -> None:
    number = verifier.seeded.numbers["suspended"]
    for path in ("/", path_of(verifier.seeded.urls["suspended"]), "/registry",
                 f"/certificates/{number}", f"/embed/{number}", "/report"):
        page = client.get(path).text
        assert "style=" not in page and "<style" not in page, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"\son[a-z]+=", page), path
    assert client.get("/static/site.css").status_code == 200
    assert client.get("/static/copy.js").status_code == 200

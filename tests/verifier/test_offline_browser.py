"""/offline in real Chromium: the page's WebCrypto verdicts match the Python ones, and
after one visit it verifies with the network cut and the server stopped. The page holds
bundles to the keys it was served with: a self-signed, retired-key-signed or older bundle
is refused and never replaces the one held, and a stale bundle's verdict says so.

Debian's ``/usr/bin/chromium`` through Playwright, as in test_browser.py. The server here
is this module's own (on SQLite), so a test can stop it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from issuer import bundle, ed25519
from issuer.bundle_source import build_bundle
from issuer.keys import KeyStore, from_jwks, to_jwks
from issuer.marks import sign_mark
from issuer.payload import make_kid
from issuer.transparency.tree_head import TreeHead
from issuer.urls import mark_url
from issuer.verification import PublicKey
from storage.enums import KeyState
from storage.session import Database
from tests.verifier.conftest import (
    HOST,
    PASSPHRASE,
    Seeded,
    ServerThread,
    make_settings,
    seed_registry,
)
from tests.verifier.test_browser import SCREENSHOTS, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

#: What the page says for each status, in Chinese (messages.py).
TITLES = {"valid": "有效", "revoked": "撤销", "forged": "伪造", "suspended": "暂停",
          "malformed": "无效码"}

#: ``jwks`` null: the anchor the page was served with.
JS_CHECK = """async ([bundleB64, codes, jwks]) => {
  const raw = Uint8Array.from(atob(bundleB64), c => c.charCodeAt(0));
  const trusted = jwks ? await ShangpinOffline.readKeySet(jwks) : await ShangpinOffline.pinned();
  const loaded = await ShangpinOffline.verifyBundle(raw, trusted);
  const out = [];
  for (const code of codes) {
    const r = await ShangpinOffline.checkCode(loaded, code);
    out.push({verdict: r.verdict, status: r.status, key_state: r.keyState,
              payload: r.payload && [r.payload.kid, r.payload.certificateNumber,
                                     r.payload.validFrom, r.payload.validUntil,
                                     r.payload.unitSerial]});
  }
  return {date: loaded.date, count: loaded.statuses.size,
          head: loaded.treeHead && loaded.treeHead.size, results: out};
}"""

#: The message a bundle is refused with under ``jwks``, or null when it is accepted.
JS_REFUSED = """async ([bundleB64, jwks]) => {
  try {
    const raw = Uint8Array.from(atob(bundleB64), c => c.charCodeAt(0));
    await ShangpinOffline.verifyBundle(raw, await ShangpinOffline.readKeySet(jwks));
    return null;
  } catch (error) { return error.message; }
}"""

JS_REFUSALS = """async ([bundleB64, flips, jwks]) => {
  const raw = Uint8Array.from(atob(bundleB64), c => c.charCodeAt(0));
  const trusted = await ShangpinOffline.readKeySet(jwks);
  const accepted = [];
  for (let position = 0; position < raw.length; position++) {
    for (const flip of flips) {
      const changed = raw.slice();
      changed[position] ^= flip;
      try { await ShangpinOffline.verifyBundle(changed, trusted); accepted.push([position, flip]); }
      catch (error) { if (!(error instanceof ShangpinOffline.BundleError)) throw error; }
    }
  }
  await ShangpinOffline.verifyBundle(raw, trusted);  // the unchanged file passes
  return accepted;
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded, Any]]:
    data_dir = tmp_path_factory.mktemp("offline")
    url = f"sqlite:///{data_dir / 'shangpin.db'}"
    seeded = seed_registry(url)
    settings = make_settings(url, data_dir)
    with ServerThread(settings) as server:
        yield server.url, seeded, settings


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811 - the imported fixture
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _genuine(settings: Any, issued_at: dt.datetime) -> bytes:
    """A bundle signed by the served registry's own active key, as of ``issued_at``."""
    database = Database.open(settings.database_url)
    try:
        with database.transaction() as session:
            kid, seed = KeyStore(session).signer(PASSPHRASE)
            return build_bundle(session, kid, ed25519.Signer(seed), issued_at, [HOST])
    finally:
        database.close()


def _self_signed(issued_at: dt.datetime) -> tuple[bytes, str, str]:
    """A bundle a stranger signs with a key of their own: SP-FAKE valid, with its code."""
    seed = ed25519.generate_seed()
    public = ed25519.public_key_for(seed)
    key = PublicKey(make_kid(public), public, KeyState.ACTIVE)
    payload = bundle.make_payload({"SP-FAKE": "valid"}, {key.kid: key}, kid=key.kid,
                                  issued_at=issued_at, on=issued_at.date(), hosts=[HOST],
                                  tree_head=None, log_key=None)
    code = mark_url(HOST, sign_mark((key.kid, seed), "SP-FAKE", dt.date(2026, 1, 1),
                                    dt.date(2029, 1, 1)))
    return bundle.sign(payload, key.kid, ed25519.Signer(seed)), key.kid, code


def _python(loaded: bundle.Bundle, code: str) -> dict[str, Any]:
    result = bundle.check(loaded, code)
    payload = result.payload
    return {"verdict": result.verdict.value, "status": result.status,
            "key_state": result.key_state.value if result.key_state else None,
            "payload": payload and [payload.kid, payload.certificate_number,
                                    payload.valid_from.isoformat(),
                                    payload.valid_until.isoformat(),
                                    None if payload.unit_serial is None
                                    else str(payload.unit_serial)]}


def _variants(url: str) -> list[str]:
    code = url.rsplit("/", 1)[1]
    changed = [code[:i] + ("A" if code[i] != "A" else "B") + code[i + 1:]
               for i in (0, 1, 3, 9, 12, 20, 40, len(code) - 2, len(code) - 1)]
    return [*changed, code, code.lower(), code + "A", code[:-1], "  " + url + "\n",
            url.replace(HOST, "EVIL.EXAMPLE"), url.replace("/V/", "/v/"),
            url.lower().replace(code.lower(), code), "hello", "", "HTTPS://", "好",
            "\u3000" + code + "\x1c", "\ufeff" + code, code + "\x85", "\u00a0" + url]


def test_js_verdicts_match_python_on_the_served_bundle(served: tuple[str, Seeded, Any],
                                                       page: Page) -> None:
    url, seeded, _ = served
    data = httpx.get(url + "/offline/bundle.json").content
    loaded = bundle.verify_bundle(data, from_jwks(
        httpx.get(url + "/.well-known/shangpin/jwks.json").json()))
    assert loaded.tree_head is not None  # the server signs a head before it answers
    codes = [*seeded.urls.values(), *seeded.unit_urls[:3], *_variants(seeded.urls["valid"]),
             *_variants(seeded.unit_urls[0])]
    page.goto(url + "/offline")
    page.wait_for_selector("#offline[data-ready=yes]")
    answer = page.evaluate(JS_CHECK, [_b64(data), codes, None])  # the page's own anchor
    assert answer["date"] == loaded.date.isoformat()
    assert answer["count"] == len(loaded.statuses) and answer["head"] == loaded.tree_head.size
    expected = [_python(loaded, code) for code in codes]
    assert answer["results"] == expected
    shown = {r["status"] for r in expected}
    assert {"valid", "suspended", "expired", "terminated", "revoked", "publicity", "forged",
            "unknown_certificate", "malformed"} <= shown


def test_js_matches_python_on_key_states_and_refuses_every_changed_byte(
        served: tuple[str, Seeded, Any], page: Page) -> None:
    url, _, _ = served
    seeds = {state: ed25519.generate_seed() for state in KeyState}
    keys = {}
    for state, seed in seeds.items():
        public = ed25519.public_key_for(seed)
        keys[make_kid(public)] = PublicKey(make_kid(public), public, state)
    signer_kid = make_kid(ed25519.public_key_for(seeds[KeyState.ACTIVE]))
    log_signer = ed25519.Signer(ed25519.generate_seed())
    head = TreeHead(size=9, root_hash=bytes(range(1, 33)), timestamp_ms=1_772_352_000_123)
    statuses = {"SP-2026-00001": "valid", "SP-2026-00002": "revoked", "SB-2024-00003": "expired"}
    payload = bundle.make_payload(statuses, keys, kid=signer_kid,
                                  issued_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                                  on=dt.date(2026, 3, 1), hosts=[HOST],
                                  tree_head=head.sign(log_signer),
                                  log_key=log_signer.public_key)
    data = bundle.sign(payload, signer_kid, ed25519.Signer(seeds[KeyState.ACTIVE]))
    jwks = to_jwks(keys)
    loaded = bundle.verify_bundle(data, keys)
    codes = [mark_url(HOST, sign_mark((make_kid(ed25519.public_key_for(seed)), seed), number,
                                      dt.date(2026, 1, 1), dt.date(2029, 1, 1), serial))
             for seed in seeds.values()
             for number, serial in (("SP-2026-00001", None), ("SP-2026-00002", 2**63 - 1),
                                    ("SP-2099-00001", 1))]
    page.goto(url + "/offline")
    page.wait_for_selector("#offline[data-ready=yes]")
    answer = page.evaluate(JS_CHECK, [_b64(data), codes, jwks])
    assert answer["head"] == 9
    expected = [_python(loaded, code) for code in codes]
    assert answer["results"] == expected
    assert {r["status"] for r in expected} == {"valid", "revoked", "unknown_certificate",
                                               "compromised_key"}
    assert page.evaluate(JS_REFUSALS, [_b64(data), [0x01, 0x80], jwks]) == []
    # Signed by a compromised or a retired key, by a stranger's key, or with a badly
    # signed head: all refused, as in Python.
    def by(state: KeyState) -> bytes:
        kid = make_kid(ed25519.public_key_for(seeds[state]))
        return bundle.sign(payload.replace(signer_kid.encode(), kid.encode()), kid,
                           ed25519.Signer(seeds[state]))

    stranger, stranger_kid, _ = _self_signed(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    bad_head = bundle.sign(bundle.make_payload(
        statuses, keys, kid=signer_kid, issued_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        on=dt.date(2026, 3, 1), hosts=[HOST], tree_head=head.sign(log_signer),
        log_key=ed25519.public_key_for(ed25519.generate_seed())),
        signer_kid, ed25519.Signer(seeds[KeyState.ACTIVE]))
    refusals = {by(KeyState.COMPROMISED): "reported compromised",
                by(KeyState.RETIRED): "retired, not active",
                stranger: "which is not a trusted signing key",
                bad_head: "does not verify under the log"}
    for refused, reason in refusals.items():
        with pytest.raises(bundle.BundleError, match=reason):
            bundle.verify_bundle(refused, keys)
        message = page.evaluate(JS_REFUSED, [_b64(refused), jwks])
        assert message is not None and reason in message, message
        assert json.loads(refused)["kid"] in message or refused is bad_head
    # The stranger's bundle is intact: only the anchor refuses it.
    assert page.evaluate(JS_REFUSED, [_b64(stranger), to_jwks(bundle.verify_bundle(
        stranger, {stranger_kid: PublicKey(stranger_kid, _listed_key(stranger),
                                           KeyState.ACTIVE)}).keys)]) is None


def _listed_key(data: bytes) -> bytes:
    """The public key a bundle lists for its own signer (whatever that claims)."""
    envelope = json.loads(data)
    body = json.loads(bundle.b64url_decode(envelope["bundle"], "payload"))
    return from_jwks(body["keys"])[envelope["kid"]].public_key


def _verify(page: Page, code: str, status: str) -> None:
    page.locator("#code").fill(code)
    page.locator("#verify-submit").click()
    banner = page.locator(f"#result section.verdict[data-status={status}]")
    banner.wait_for()
    assert banner.locator(".verdict-title").inner_text().strip() == TITLES[status]


def test_page_verifies_with_the_network_cut_and_the_server_stopped(
        served: tuple[str, Seeded, Any], page: Page, tmp_path: Path) -> None:
    _, seeded, settings = served
    server = ServerThread(settings)
    server.__enter__()
    running = True
    try:
        page.goto(server.url + "/offline")
        page.wait_for_selector("#offline[data-ready=yes][data-worker=ready]")
        assert page.locator("#bundle").get_attribute("data-state") == "none"
        page.locator("#bundle-fetch").click()
        page.wait_for_selector("#bundle[data-state=loaded]")
        assert "张证书" in page.locator("#bundle-status").inner_text()
        assert "透明日志树头" in page.locator("#bundle-head").inner_text()
        served_bundle = httpx.get(server.url + "/offline/bundle.json").content
        kid = json.loads(served_bundle)["kid"]
        held = page.locator("#bundle").get_attribute("data-issued")
        assert page.locator("#bundle").get_attribute("data-signer") == kid
        assert kid in page.locator("#bundle-signer").inner_text()
        # Controlled by the worker (the page's CSP forbids eval, so no wait_for_function).
        page.wait_for_selector("#offline[data-controlled=yes]")
        # A changed file chosen by hand is refused, and the good bundle stays in use.
        changed = httpx.get(server.url + "/offline/bundle.json").content.replace(b'"kid":"',
                                                                                 b'"kid":"0', 1)
        (tmp_path / "changed.json").write_bytes(changed)
        page.locator("#bundle-file").set_input_files(str(tmp_path / "changed.json"))
        page.wait_for_selector("#bundle[data-refused=yes]")
        assert "已拒绝" in page.locator("#bundle-error").inner_text()
        # A stranger's bundle, signed by a key it lists itself, is refused by name.
        forged, forged_kid, forged_code = _self_signed(dt.datetime.now(dt.UTC))
        _choose(page, tmp_path / "forged.json", forged)
        assert f"{forged_kid}, which is not a trusted signing key" in page.locator(
            "#bundle-error").inner_text()
        # A genuine bundle older than the one held is refused: it may predate a revocation.
        older = _genuine(settings, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        assert json.loads(older)["kid"] == kid
        _choose(page, tmp_path / "older.json", older)
        assert "早于正在使用的数据包" in page.locator("#bundle-error").inner_text()
        assert page.locator("#bundle").get_attribute("data-issued") == held
        _verify(page, forged_code, "forged")  # the held bundle does not know the stranger

        page.context.set_offline(True)
        server.__exit__(None, None, None)
        running = False
        page.reload()
        page.wait_for_selector("#offline[data-ready=yes]")
        assert page.locator("#bundle").get_attribute("data-state") == "loaded"
        # What was kept is the genuine bundle, not any that was refused.
        assert page.locator("#bundle").get_attribute("data-issued") == held
        assert page.locator("#bundle").get_attribute("data-signer") == kid
        for status in ("valid", "revoked", "forged", "suspended"):
            _verify(page, seeded.urls[status], status)
        _verify(page, "not a code", "malformed")
        _verify(page, seeded.urls["revoked"], "revoked")
        assert "证书状态以数据包日期" in page.locator("#result").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "offline-revoked-zh.png"), full_page=True)
        # Asking for a fresh bundle with no network says so and keeps the one held.
        page.locator("#bundle-fetch").click()
        page.locator("#bundle-error", has_text="无法获取").wait_for()
        _verify(page, seeded.urls["valid"], "valid")
    finally:
        if running:
            server.__exit__(None, None, None)


def _choose(page: Page, path: Path, data: bytes) -> None:
    """Load a bundle file by hand and wait until the page has refused it."""
    page.evaluate("() => { document.getElementById('bundle').dataset.refused = 'no'; }")
    path.write_bytes(data)
    page.locator("#bundle-file").set_input_files(str(path))
    page.wait_for_selector("#bundle[data-refused=yes]")


def test_stale_bundle_verdict_is_not_a_plain_valid(served: tuple[str, Seeded, Any], page: Page,
                                                   tmp_path: Path) -> None:
    url, seeded, settings = served
    stale = tmp_path / "stale.json"
    stale.write_bytes(_genuine(settings, dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
    page.goto(url + "/offline")
    page.wait_for_selector("#offline[data-ready=yes]")
    page.locator("#bundle-file").set_input_files(str(stale))
    page.wait_for_selector("#bundle[data-state=stale]")
    assert "已过期" in page.locator("#bundle-stale").inner_text()
    _verify(page, seeded.urls["valid"], "valid")
    banner = page.locator("#result section.verdict[data-status=valid]")
    assert banner.get_attribute("data-stale") == "yes"
    classes = (banner.get_attribute("class") or "").split()
    assert "verdict-warn" in classes and "verdict-good" not in classes
    assert banner.locator(".verdict-symbol").inner_text() == "!"
    note = banner.locator(".verdict-stale-note").inner_text()
    assert "数据包已过期" in note and "3 天" in note
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "offline-stale-zh.png"), full_page=True)
    # A fresh bundle is newer, so it replaces the stale one and the verdict is plain again.
    page.locator("#bundle-fetch").click()
    page.wait_for_selector("#bundle[data-state=loaded]")
    _verify(page, seeded.urls["valid"], "valid")
    fresh = page.locator("#result section.verdict[data-status=valid]")
    assert fresh.get_attribute("data-stale") == "no"
    assert "verdict-good" in (fresh.get_attribute("class") or "").split()

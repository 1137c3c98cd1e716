"""The offline routes over HTTP, and the status list naming its tree head, on SQLite and
PostgreSQL. The page itself is driven in Chromium by test_offline_browser.py."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from issuer import bundle
from issuer.keys import from_jwks
from issuer.payload import make_kid
from tests.verifier.conftest import ServerThread, Verifier, make_settings
from verifier.api import statuslist


@pytest.fixture
def client(verifier: Verifier) -> Iterator[httpx.Client]:
    with verifier.client() as http:
        yield http


def _log_key(client: httpx.Client) -> bytes:
    return bundle.b64url_decode(client.get("/.well-known/shangpin/log-key.json").json()["x"],
                                "x")


def test_status_list_names_the_logs_tree_head(client: httpx.Client) -> None:
    document = client.get("/api/v1/status-list").json()
    jwks = client.get("/.well-known/shangpin/jwks.json").json()
    key = _log_key(client)
    listed = statuslist.verify_status_list(document, jwks, log_key=key)
    assert listed.tree_head is not None
    sth = client.get("/api/v1/log/sth").json()
    head = listed.tree_head.head
    assert (head.size, head.timestamp_ms) == (sth["tree_size"], sth["timestamp_ms"])
    assert bundle.b64url(head.root_hash) == sth["root_hash"]
    assert bundle.b64url(listed.tree_head.signature) == sth["signature"]
    # Checked against another log key, the head is refused.
    with pytest.raises(statuslist.StatusListError, match="log key"):
        statuslist.verify_status_list(document, jwks, log_key=bytes(32))


def test_bundle_route_serves_the_signed_bundle(verifier: Verifier,
                                               client: httpx.Client) -> None:
    raw = httpx.get(verifier.url + "/offline/bundle.json",
                    headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200 and raw.headers["Content-Encoding"] == "gzip"
    assert raw.headers["Vary"] == "Accept-Encoding"
    plain = client.get("/offline/bundle.json", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.content == raw.content  # httpx undid the gzip
    jwks = client.get("/.well-known/shangpin/jwks.json").json()
    loaded = bundle.verify_bundle(plain.content, from_jwks(jwks))
    listed = client.get("/api/v1/status-list").json()
    expected = statuslist.verify_status_list(listed, jwks)
    assert dict(loaded.statuses) == dict(expected.statuses)
    assert loaded.date == expected.date and loaded.kid == expected.kid
    assert {k["kid"] for k in jwks["keys"]} == set(loaded.keys)
    assert loaded.hosts == (verifier.settings.verify_host.upper(),)
    assert loaded.log_key == _log_key(client) and loaded.tree_head is not None
    for status, url in verifier.seeded.urls.items():
        result = bundle.check(loaded, url)
        assert result.status == status, url
    again = client.get("/offline/bundle.json",
                       headers={"If-None-Match": plain.headers["ETag"],
                                "Accept-Encoding": "identity"})
    assert again.status_code == 304 and again.content == b""
    assert len(gzip.compress(plain.content)) < len(plain.content)


def test_gzip_and_identity_bodies_have_their_own_etags(verifier: Verifier) -> None:
    url = verifier.url + "/offline/bundle.json"
    with httpx.Client() as http:
        zipped = http.get(url, headers={"Accept-Encoding": "gzip"})
        plain = http.get(url, headers={"Accept-Encoding": "identity"})
        refused = http.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert "Content-Encoding" not in plain.headers and "Content-Encoding" not in refused.headers
        assert zipped.headers["ETag"] != plain.headers["ETag"] == refused.headers["ETag"]
        for tag, encoding, status in ((zipped, "gzip", 304), (plain, "identity", 304),
                                      (plain, "gzip", 200), (zipped, "identity", 200)):
            answer = http.get(url, headers={"Accept-Encoding": encoding,
                                            "If-None-Match": tag.headers["ETag"]})
            assert answer.status_code == status, (encoding, status)
            assert answer.headers["Vary"] == "Accept-Encoding"
            assert answer.headers["ETag"] == (zipped if encoding == "gzip"
                                              else plain).headers["ETag"]
        assert zipped.content == plain.content  # httpx undid the gzip


def test_offline_page_has_no_inline_script_and_both_languages(client: httpx.Client) -> None:
    page = client.get("/offline")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert len(scripts) == 2
    for attributes, body in scripts:
        # Code only from files; the inline block is data the CSP never runs.
        assert 'src="/static/offline/offline.js"' in attributes or (
            'type="application/json"' in attributes and body.startswith("{"))
    assert "离线验真" in page.text
    english = client.get("/offline?lang=en")
    assert "Offline verification" in english.text and "Load the latest bundle" in english.text
    for asset in ("/static/offline/offline.js", "/static/offline/offline.css"):
        assert client.get(asset).status_code == 200


def test_offline_page_pins_the_registrys_signing_keys(client: httpx.Client) -> None:
    page = client.get("/offline")
    block = re.search(r'<script type="application/json" id="offline-data">(.*?)</script>',
                      page.text, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    assert sorted(data) == ["looks", "texts", "trust"]
    jwks = client.get("/.well-known/shangpin/jwks.json").json()
    assert data["trust"] == jwks and data["trust"]["keys"]
    assert all({"kid", "x", "state"} <= set(key) for key in data["trust"]["keys"])
    # The page's anchor holds the key the served bundle is signed with, as active.
    signer = json.loads(client.get("/offline/bundle.json").content)["kid"]
    assert from_jwks(data["trust"])[signer].state.value == "active"
    for key in ("offline.bundle.signer", "offline.bundle.older", "offline.verdict.stale"):
        assert "{" in data["texts"][key]


def test_service_worker_is_served_for_the_offline_scope(client: httpx.Client) -> None:
    worker = client.get("/offline/sw.js")
    assert worker.status_code == 200
    assert worker.headers["Content-Type"].startswith("text/javascript")
    assert worker.headers["Service-Worker-Allowed"] == "/offline"
    assert worker.headers["Cache-Control"] == "no-cache"
    # Everything the worker keeps is served.
    for asset in re.findall(r'"(/[^"]+)"', worker.text.split("ASSETS = [")[1].split("]")[0]):
        assert client.get(asset).status_code == 200, asset


def test_bundle_without_passphrase_is_503(verifier: Verifier, tmp_path: Path) -> None:
    settings = make_settings(verifier.database_url, tmp_path, key_passphrase=None)
    with ServerThread(settings) as server, httpx.Client(base_url=server.url) as http:
        answer = http.get("/offline/bundle.json", headers={"Accept": "application/json"})
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "60"
        assert "signing" in answer.json()["detail"].lower()
        assert http.get("/offline").status_code == 200  # the page itself needs no key


def test_tree_head_kid_is_the_log_keys(client: httpx.Client) -> None:
    document = client.get("/api/v1/status-list").json()
    payload = statuslist.b64url_decode(document["payload"])
    head = json.loads(payload)["tree_head"]
    assert head["kid"] == make_kid(_log_key(client))
    assert sorted(head) == ["kid", "root_hash", "signature", "timestamp_ms", "tree_size"]

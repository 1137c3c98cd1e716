"""``/api/v1/log``: a real server over the demo registry, on SQLite and PostgreSQL.

Every answer is checked against the OpenAPI document, and every proof is verified with
the pure verifiers against the signed head, as an outside auditor would.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from issuer.transparency import merkle
from issuer.transparency.entries import decode_entry
from issuer.transparency.tree_head import SignedTreeHead, TreeHead
from tests.conftest import fresh_pg_database
from tests.console.conftest import Console, csrf_token, serve_console
from tests.verifier.conftest import Verifier
from tests.verifier.test_openapi import check

STH = "/api/v1/log/sth"
ENTRIES = "/api/v1/log/entries"
INCLUSION = "/api/v1/log/proof/inclusion"
CONSISTENCY = "/api/v1/log/proof/consistency"
KEY = "/.well-known/shangpin/log-key.json"


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(scope="module")
def client(verifier: Verifier) -> Iterator[httpx.Client]:
    with verifier.client() as http:
        yield http


@pytest.fixture(scope="module")
def head(client: httpx.Client) -> dict[str, Any]:
    """The signed head the server made at start, checked against its published key."""
    response = client.get(STH)
    assert response.status_code == 200, response.text
    body = check(response, STH)
    key = check(client.get(KEY), KEY)
    assert key["x"] == body["public_key"] and key["kid"] == body["kid"]
    signed = SignedTreeHead(TreeHead(body["tree_size"], unb64(body["root_hash"]),
                                     body["timestamp_ms"]), unb64(body["signature"]))
    signed.verify(unb64(key["x"]))
    assert body["tree_size"] > 0
    return body


def _errors(response: httpx.Response, path: str) -> str:
    assert response.status_code == 400, response.text
    return str(check(response, path)["invalid_params"][0]["name"])


def test_head_is_signed_and_revalidated(client: httpx.Client, head: dict[str, Any]) -> None:
    response = client.get(STH)
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(STH, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    forged = dict(head, tree_size=head["tree_size"] + 1)
    signed = SignedTreeHead(TreeHead(forged["tree_size"], unb64(head["root_hash"]),
                                     head["timestamp_ms"]), unb64(head["signature"]))
    with pytest.raises(Exception, match="does not verify"):
        signed.verify(unb64(head["public_key"]))


def test_entries_recompute_the_signed_root(client: httpx.Client, head: dict[str, Any]) -> None:
    store = merkle.MemoryHashStore()
    start = 0
    while start < head["tree_size"]:
        response = client.get(ENTRIES, params={"start": start, "end": head["tree_size"] - 1})
        page = check(response, ENTRIES)["entries"]
        assert page and page[0]["index"] == start
        assert response.headers["Cache-Control"].endswith("immutable")
        for entry in page:
            data = unb64(entry["entry"])
            decode_entry(data)
            assert unb64(entry["leaf_hash"]) == merkle.leaf_hash(data)
            store.append(data)
        start += len(page)
    assert merkle.root_hash(store, head["tree_size"]) == unb64(head["root_hash"])
    kinds = {e["type"] for e in page}
    assert kinds <= {"certificate_status", "signing_key"}


def test_entries_beyond_the_end_are_not_cached_for_ever(client: httpx.Client,
                                                        head: dict[str, Any]) -> None:
    last = head["tree_size"] - 1
    response = client.get(ENTRIES, params={"start": last, "end": last + 1000})
    body = check(response, ENTRIES)
    assert [e["index"] for e in body["entries"]][:1] == [last]
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(("params", "name"), [
    ({}, "start"),
    ({"start": "0"}, "end"),
    ({"start": "-1", "end": "3"}, "start"),
    ({"start": "x", "end": "3"}, "start"),
    ({"start": "5", "end": "4"}, "end"),
    ({"start": "99999999", "end": "99999999"}, "start"),
])
def test_bad_entry_ranges_are_400(client: httpx.Client, params: dict[str, str],
                                  name: str) -> None:
    assert _errors(client.get(ENTRIES, params=params), ENTRIES) == name


def test_inclusion_proofs_by_index_and_by_hash(client: httpx.Client,
                                               head: dict[str, Any]) -> None:
    size, root = head["tree_size"], unb64(head["root_hash"])
    entries = check(client.get(ENTRIES, params={"start": 0, "end": size - 1}), ENTRIES)["entries"]
    for entry in entries[:: max(1, len(entries) // 5)]:
        leaf = unb64(entry["leaf_hash"])
        by_index = client.get(INCLUSION, params={"index": entry["index"], "tree_size": size})
        proof = check(by_index, INCLUSION)
        assert by_index.headers["Cache-Control"].endswith("immutable")
        merkle.verify_inclusion(leaf, entry["index"], size,
                                [unb64(h) for h in proof["audit_path"]], root)
        for spelled in (entry["leaf_hash"], leaf.hex()):
            by_hash = check(client.get(INCLUSION, params={"leaf_hash": spelled,
                                                          "tree_size": size}), INCLUSION)
            assert by_hash == proof
    cached = client.get(INCLUSION, params={"index": 0, "tree_size": size})
    again = client.get(INCLUSION, params={"index": 0, "tree_size": size},
                       headers={"If-None-Match": cached.headers["ETag"]})
    assert again.status_code == 304


def test_inclusion_errors(client: httpx.Client, head: dict[str, Any]) -> None:
    size = head["tree_size"]
    unknown = client.get(INCLUSION, params={"leaf_hash": "00" * 32, "tree_size": size})
    assert unknown.status_code == 404
    check(unknown, INCLUSION)
    for params, name in (
        ({"index": 0}, "tree_size"),
        ({"tree_size": size}, "index"),
        ({"index": 0, "leaf_hash": "00" * 32, "tree_size": size}, "index"),
        ({"index": size, "tree_size": size}, "index"),
        ({"index": 0, "tree_size": size + 10_000}, "tree_size"),
        ({"index": 0, "tree_size": 0}, "tree_size"),
        ({"leaf_hash": "not-a-hash", "tree_size": size}, "leaf_hash"),
    ):
        assert _errors(client.get(INCLUSION, params=params), INCLUSION) == name, params


def test_consistency_proofs(client: httpx.Client, head: dict[str, Any]) -> None:
    size, root = head["tree_size"], unb64(head["root_hash"])
    store = merkle.MemoryHashStore()
    entries = check(client.get(ENTRIES, params={"start": 0, "end": size - 1}), ENTRIES)["entries"]
    for entry in entries:
        store.append(unb64(entry["entry"]))
    for first in sorted({0, 1, size // 2, size - 1, size}):
        response = client.get(CONSISTENCY, params={"first": first, "second": size})
        proof = check(response, CONSISTENCY)
        assert response.headers["Cache-Control"].endswith("immutable")
        merkle.verify_consistency(first, size, merkle.root_hash(store, first), root,
                                  [unb64(h) for h in proof["proof"]])
    for params, name in (({"first": 3, "second": 2}, "first"),
                         ({"first": 0, "second": size + 1}, "second"),
                         ({"first": 0}, "second")):
        assert _errors(client.get(CONSISTENCY, params=params), CONSISTENCY) == name


def test_certificate_page_links_each_event_to_its_proof(verifier: Verifier, client: httpx.Client,
                                                         head: dict[str, Any]) -> None:
    number = verifier.seeded.numbers["revoked"]
    history = client.get(f"/api/v1/certificates/{number}").json()["history"]
    for lang, heading in (("en", "Transparency log entries"), ("zh", "透明日志记录")):
        page = client.get(f"/certificates/{number}", params={"lang": lang})
        assert page.status_code == 200 and heading in page.text
    links = re.findall(r'href="(/api/v1/log/proof/inclusion\?[^"]+)"', page.text)
    assert len(links) == len(history) > 1
    root = unb64(head["root_hash"])
    for link in links:
        proof = check(client.get(html.unescape(link)), INCLUSION)
        assert proof["tree_size"] == head["tree_size"]
        entry = check(client.get(ENTRIES, params={"start": proof["index"],
                                                  "end": proof["index"]}), ENTRIES)["entries"][0]
        assert entry["certificate_number"] == number
        merkle.verify_inclusion(unb64(proof["leaf_hash"]), proof["index"], proof["tree_size"],
                                [unb64(h) for h in proof["audit_path"]], root)
    assert [e["to"] for e in history] == [
        check(client.get(ENTRIES, params={"start": i, "end": i}), ENTRIES)["entries"][0]["to"]
        for i in (int(re.search(r"index=(\d+)", link).group(1))  # type: ignore[union-attr]
                  for link in links)]


# -- the console: staff sign a head on request -----------------------------------------------


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def console(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    data_dir = tmp_path_factory.mktemp("log-console")
    if request.param == "sqlite":
        yield from serve_console(f"sqlite:///{data_dir / 'shangpin.db'}", data_dir)
    else:
        with fresh_pg_database(request.getfixturevalue("pg_server"), "shangpin_logc") as url:
            yield from serve_console(url, data_dir)


def test_admin_signs_a_head_now_and_it_is_audited(console: Console) -> None:
    with console.as_user("admin") as client:
        page = client.get("/console/log", params={"lang": "en"})
        assert page.status_code == 200 and "Sign a tree head now" in page.text
        before = client.get(STH).json()
        audited = console.audit_count(action="log.sign_head")
        refused = client.post("/console/log/sign", data={"csrf_token": "forged"})
        assert refused.status_code == 403
        assert console.audit_count(action="log.sign_head") == audited
        signed = client.post("/console/log/sign", data={"csrf_token": csrf_token(page.text)})
        assert signed.status_code == 303
        assert signed.headers["Location"] == "/console/log?signed=1"
        assert console.audit_count(action="log.sign_head") == audited + 1
        after = client.get(STH).json()
        assert after["timestamp_ms"] >= before["timestamp_ms"]
        assert after["tree_size"] == before["tree_size"]
        listed = client.get("/console/log", params={"signed": "1", "lang": "zh"})
        assert "已签发新的树头" in listed.text and after["root_hash"] in listed.text


@pytest.mark.parametrize("username", ["reviewer", "officer", "holder"])
def test_only_admins_reach_the_log_page(console: Console, username: str) -> None:
    with console.as_user(username) as client:
        assert client.get("/console/log").status_code == 403
        token = csrf_token(client.get("/console/").text)
        assert client.post("/console/log/sign", data={"csrf_token": token}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(console: Console) -> None:
    with console.client() as client:
        response = client.get("/console/log")
        assert response.status_code in (302, 303)
        assert response.headers["Location"].startswith("/console/login")

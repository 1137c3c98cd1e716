"""The JSON API against a real server on loopback, on SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from issuer import ed25519, registry, status
from issuer.keys import from_jwks, to_jwks
from issuer.payload import make_kid
from issuer.verification import PublicKey
from storage.base import utcnow
from storage.enums import CertificateState, KeyState
from storage.models import Certificate, ConsumerReport
from storage.session import Database
from tests.verifier.conftest import ServerThread, Verifier, make_settings
from verifier.api import statuslist
from verifier.api.statuslist import StatusListError, verify_status_list

CERTIFICATE_STATUSES = ["valid", "suspended", "expired", "terminated", "revoked", "publicity"]
EXPLAINED = {"suspended", "terminated", "revoked"}
OPEN_PATHS = ["/api/v1/verify/ABC", "/api/v1/certificates/SP-2019-99999", "/api/v1/registry",
              "/api/v1/status-list", "/api/v1/openapi.json", "/.well-known/shangpin/jwks.json"]


def code_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def problem_of(response: httpx.Response, status_code: int) -> dict[str, Any]:
    assert response.status_code == status_code, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status_code and body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


@pytest.fixture(scope="module")
def client(verifier: Verifier) -> Any:
    with verifier.client() as http:
        yield http


# --- verify ---------------------------------------------------------------------------


@pytest.mark.parametrize("shown", CERTIFICATE_STATUSES)
def test_each_seeded_code_shows_its_status(verifier: Verifier, client: httpx.Client,
                                           shown: str) -> None:
    response = client.get(f"/api/v1/verify/{code_of(verifier.seeded.urls[shown])}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["verdict"] == "authentic" and body["status"] == shown
    certificate = body["certificate"]
    assert certificate["number"] == verifier.seeded.numbers[shown]
    assert certificate["status"] == shown
    assert certificate["holder"] == verifier.seeded.holders[shown]
    assert certificate["scope"] and certificate["body"]["name"]
    assert dt.date.fromisoformat(certificate["valid_from"]) <= dt.date.fromisoformat(
        certificate["valid_until"])
    if shown in EXPLAINED:
        assert certificate["status_reason"] and certificate["status_changed_at"]
    if shown == "valid":
        assert certificate["status_reason"] is None and certificate["status_changed_at"] is None
    assert body["mark"]["certificate_number"] == certificate["number"]
    assert body["unit_serial"] is None
    public = verifier.settings.public_url
    assert body["links"]["page"] == f"{public}/V/{code_of(verifier.seeded.urls[shown])}"
    assert body["links"]["certificate"] == f"{public}/certificates/{certificate['number']}"
    # Chinese goes out as UTF-8, not \u escapes.
    assert certificate["holder"]["name"].encode("utf-8") in response.content


def test_forged_and_unknown_certificate(verifier: Verifier, client: httpx.Client) -> None:
    forged = client.get(f"/api/v1/verify/{code_of(verifier.seeded.urls['forged'])}").json()
    assert forged["verdict"] == "forged" and forged["status"] == "forged"
    assert forged["certificate"] is None and forged["reason"]
    unknown = client.get(
        f"/api/v1/verify/{code_of(verifier.seeded.urls['unknown_certificate'])}").json()
    assert unknown["verdict"] == "authentic" and unknown["status"] == "unknown_certificate"
    assert unknown["certificate"] is None
    assert unknown["mark"]["certificate_number"] == "SP-2019-99999"
    assert unknown["links"]["certificate"] is None


def test_full_mark_url_and_unit_codes(verifier: Verifier, client: httpx.Client) -> None:
    url = verifier.seeded.urls["suspended"]
    body = client.get("/api/v1/verify/" + quote(url, safe="")).json()
    assert body["status"] == "suspended"
    unit = client.get(f"/api/v1/verify/{code_of(verifier.seeded.unit_urls[2])}").json()
    assert unit["status"] == "valid" and unit["unit_serial"] == 3
    assert unit["mark"]["unit_serial"] == 3


@pytest.mark.parametrize("junk", [
    "hello", "HTTPS://EVIL.EXAMPLE/V/AEAC5CAQ", "AEAC5CAQ", "0" * 600, "%00%01", "%E2%80%AE",
    "HTTPS:%2F%2FVERIFY.SHANGPIN.TEST%2FX%2FABC",
])
def test_malformed_input_is_an_answer(client: httpx.Client, junk: str) -> None:
    response = client.get(f"/api/v1/verify/{junk}")
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "malformed" and body["status"] == "malformed"
    assert body["mark"] is None and body["certificate"] is None and body["reason"]
    assert response.headers["Cache-Control"] == "no-store"


def test_post_verify(verifier: Verifier, client: httpx.Client) -> None:
    body = client.post("/api/v1/verify", json={"code": verifier.seeded.urls["revoked"]}).json()
    assert body["status"] == "revoked"
    assert body["certificate"]["number"] == verifier.seeded.numbers["revoked"]
    junk = client.post("/api/v1/verify", json={"code": "not a code"})
    assert junk.status_code == 200 and junk.json()["status"] == "malformed"
    assert junk.headers["Cache-Control"] == "no-store"
    nul = client.post("/api/v1/verify", json={"code": "AB\u0000CD"})
    assert nul.status_code == 200 and nul.json()["status"] == "malformed"
    assert problem_of(client.post("/api/v1/verify", content=b"{nope"), 400)
    assert problem_of(client.post("/api/v1/verify", json=["code"]), 400)
    missing = problem_of(client.post("/api/v1/verify", json={"kode": "x"}), 400)
    assert missing["invalid_params"][0]["name"] == "code"
    assert problem_of(client.post("/api/v1/verify", json={"code": 5}), 400)
    assert problem_of(client.post("/api/v1/verify", content=b" " * 20_000,
                                  headers={"Content-Type": "application/json"}), 413)


# --- certificates ---------------------------------------------------------------------


def test_certificate_record_and_etag(verifier: Verifier, client: httpx.Client) -> None:
    number = verifier.seeded.numbers["suspended"]
    response = client.get(f"/api/v1/certificates/{number}")
    assert response.status_code == 200
    record = response.json()
    assert record["number"] == number and record["status"] == "suspended"
    assert record["subject"]["uscc"] == verifier.seeded.holders["suspended"]["uscc"]
    assert record["status_reason"] and record["status_changed_at"]
    assert [e["to"] for e in record["history"]] == ["publicity", "valid", "suspended"]
    assert all("actor" not in e for e in record["history"])
    assert "demo-seed" not in response.text  # the seeding actor's name stays private
    assert record["history"][-1]["reason"] == record["status_reason"]
    assert response.headers["Cache-Control"] == "public, max-age=60"
    etag = response.headers["ETag"]
    again = client.get(f"/api/v1/certificates/{number.lower()}",
                       headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    weak = client.get(f"/api/v1/certificates/{number}", headers={"If-None-Match": "W/" + etag})
    assert weak.status_code == 304
    other = client.get(f"/api/v1/certificates/{number}", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.json() == record


def test_unknown_certificate_is_404(client: httpx.Client) -> None:
    problem_of(client.get("/api/v1/certificates/SP-2019-99999"), 404)
    problem_of(client.get("/api/v1/certificates/%3Cscript%3E"), 404)
    problem_of(client.get("/api/v1/certificates/" + "A" * 300), 404)


# --- registry -------------------------------------------------------------------------


def test_registry_search_and_filters(verifier: Verifier, client: httpx.Client) -> None:
    holder = verifier.seeded.holders["revoked"]
    found = client.get("/api/v1/registry", params={"q": holder["name"]}).json()
    assert [r["holder"]["name"] for r in found["results"]] == [holder["name"]]
    assert found["results"][0]["status"] == "revoked"
    by_code = client.get("/api/v1/registry", params={"q": holder["uscc"].lower()}).json()
    assert by_code["total"] == 1
    suspended = client.get("/api/v1/registry", params={"status": "suspended"}).json()
    assert suspended["total"] >= 1
    assert {r["status"] for r in suspended["results"]} == {"suspended"}
    assert verifier.seeded.numbers["suspended"] in {r["number"] for r in suspended["results"]}
    cultivation = client.get("/api/v1/registry", params={"scheme": "cultivation"}).json()
    assert cultivation["total"] >= 1
    assert {r["scheme"] for r in cultivation["results"]} == {"cultivation"}
    everything = client.get("/api/v1/registry").json()
    paged = client.get("/api/v1/registry", params={"page_size": 2, "page": 2}).json()
    assert paged["total"] == everything["total"] and paged["page"] == 2
    assert paged["pages"] == -(-everything["total"] // 2)
    assert [r["number"] for r in paged["results"]] == [
        r["number"] for r in everything["results"][2:4]]
    nothing = client.get("/api/v1/registry", params={"q": "没有这样的公司"}).json()
    assert nothing["total"] == 0 and nothing["results"] == []


def test_registry_etag(client: httpx.Client) -> None:
    first = client.get("/api/v1/registry", params={"status": "valid"})
    assert first.headers["Cache-Control"] == "public, max-age=30"
    again = client.get("/api/v1/registry", params={"status": "valid"},
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(("params", "name"), [
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page": "99999999999"}, "page"),
    ({"page_size": "101"}, "page_size"), ({"page_size": "-1"}, "page_size"),
    ({"scheme": "gold"}, "scheme"), ({"status": "forged"}, "status"),
    ({"q": "x" * 101}, "q"), ({"q": "a\u0000b"}, "q"),
])
def test_registry_bad_params(client: httpx.Client, params: dict[str, str], name: str) -> None:
    body = problem_of(client.get("/api/v1/registry", params=params), 400)
    assert body["invalid_params"][0]["name"] == name
    assert body["detail"].startswith(name + ":")


# --- reports --------------------------------------------------------------------------


def test_report_is_stored(verifier: Verifier, client: httpx.Client) -> None:
    response = client.post("/api/v1/reports", json={
        "description": "包装上的二维码扫出来是伪造", "code": verifier.seeded.urls["forged"],
        "where_bought": "某网店", "contact": "138-0000-0000",
    })
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in response.headers
    report_id = response.json()["id"]
    database = Database.open(verifier.database_url)
    try:
        with database.transaction() as session:
            row = session.scalars(
                select(ConsumerReport).where(ConsumerReport.id == report_id)).one()
            assert row.description == "包装上的二维码扫出来是伪造"
            assert row.verdict == "forged"
            assert row.certificate_number == verifier.seeded.numbers["valid"]
            assert row.where_bought == "某网店" and row.contact == "138-0000-0000"
            assert len(row.client_hash) == 32 and "127.0.0.1" not in row.client_hash
    finally:
        database.close()
    bare = client.post("/api/v1/reports", json={"description": "no code at hand"})
    assert bare.status_code == 201 and bare.json()["id"] > report_id


@pytest.mark.parametrize(("body", "name"), [
    ({}, "description"), ({"description": "   "}, "description"),
    ({"description": "x" * 2001}, "description"), ({"description": 7}, "description"),
    ({"description": "ok", "code": "C" * 300}, "code"),
    ({"description": "ok", "contact": "c" * 201}, "contact"),
    ({"description": "ok", "where_bought": ["list"]}, "where_bought"),
    ({"description": "a\u0000b"}, "description"),
])
def test_invalid_report_is_400(client: httpx.Client, body: dict[str, Any], name: str) -> None:
    problem = problem_of(client.post("/api/v1/reports", json=body), 400)
    assert problem["invalid_params"][0]["name"] == name


def test_report_needs_json(client: httpx.Client) -> None:
    problem_of(client.post("/api/v1/reports", content=b'{"description": "x"}',
                           headers={"Content-Type": "text/plain"}), 415)
    problem_of(client.post("/api/v1/reports", content=b"description=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
    problem_of(client.post("/api/v1/reports", content=b"[1",
                           headers={"Content-Type": "application/json"}), 400)


# --- keys and the status list ---------------------------------------------------------


def test_jwks_shape(verifier: Verifier, client: httpx.Client) -> None:
    response = client.get("/.well-known/shangpin/jwks.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert keys
    for jwk in keys:
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"  # RFC 8037
        assert jwk["use"] == "sig" and jwk["alg"] == "EdDSA"
        assert "d" not in jwk  # never the private half
        assert "=" not in jwk["x"]
        public = base64.urlsafe_b64decode(jwk["x"] + "=")
        assert len(public) == 32 and make_kid(public) == jwk["kid"]
    mark = client.get(f"/api/v1/verify/{code_of(verifier.seeded.urls['valid'])}").json()
    assert mark["mark"]["kid"] in {k["kid"] for k in keys}
    assert from_jwks(response.json())[mark["mark"]["kid"]].state is KeyState.ACTIVE
    again = client.get("/.well-known/shangpin/jwks.json",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_status_list_verifies_with_the_jwks(verifier: Verifier, client: httpx.Client) -> None:
    response = client.get("/api/v1/status-list")
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "public, max-age=60"
    document = response.json()
    jwks = client.get("/.well-known/shangpin/jwks.json").json()
    listed = verify_status_list(document, jwks)
    assert listed.next_update - listed.issued_at == dt.timedelta(hours=1)
    assert listed.is_current(utcnow())
    assert listed.date == status.today()
    for shown, number in verifier.seeded.numbers.items():
        assert listed.status_of(number) == shown
    assert listed.status_of("SP-2019-99999") is None
    # Cached: the same document (and ETag) until the registry changes.
    again = client.get("/api/v1/status-list", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_tampered_status_list_is_refused(client: httpx.Client) -> None:
    document = client.get("/api/v1/status-list").json()
    jwks = client.get("/.well-known/shangpin/jwks.json").json()
    original = statuslist.b64url_decode(document["payload"])
    rewritten = original.replace(b'"revoked"', b'"valid"', 1)  # one listed status
    assert rewritten != original
    for field, value in [
        ("payload", statuslist.b64url(rewritten)),
        ("payload", statuslist.b64url(original[:-1] + b" ")),
        ("signature", statuslist.b64url(bytes(64))),
        ("kid", "00000000"),
        ("alg", "none"),
        ("payload", document["payload"] + "="),
    ]:
        tampered = {**document, field: value}
        with pytest.raises(StatusListError):
            verify_status_list(tampered, jwks)
    compromised = copy.deepcopy(jwks)
    for jwk in compromised["keys"]:
        jwk["state"] = "compromised"
    with pytest.raises(StatusListError, match="compromised"):
        verify_status_list(document, compromised)


def test_status_list_format_round_trip() -> None:
    """Pure: sign with a fresh key, verify, and refuse every single flipped byte."""
    seed = ed25519.generate_seed()
    signer = ed25519.Signer(seed)
    kid = make_kid(signer.public_key)
    jwks = to_jwks({kid: PublicKey(kid, signer.public_key, KeyState.RETIRED)})
    issued = dt.datetime(2025, 3, 1, 8, 0, 30, 123, tzinfo=dt.UTC)
    payload = statuslist.make_payload({"SP-2025-00001": "valid", "SB-2025-00002": "revoked"},
                                      kid=kid, issued_at=issued, on=dt.date(2025, 3, 1))
    document = statuslist.sign(payload, kid, signer)
    listed = verify_status_list(document, jwks)  # a retired key still verifies
    assert listed.status_of("SB-2025-00002") == "revoked"
    assert listed.issued_at == issued.replace(microsecond=0)
    assert not listed.is_current(issued + dt.timedelta(hours=1))
    assert json.loads(payload)["next_update"] == "2025-03-01T09:00:30Z"
    for i in range(len(payload)):
        flipped = bytearray(payload)
        flipped[i] ^= 0x01
        with pytest.raises(StatusListError):
            verify_status_list({**document, "payload": statuslist.b64url(bytes(flipped))}, jwks)
    # A mark signature over the same bytes is not a status-list signature.
    forged = {**document, "signature": statuslist.b64url(signer.sign(payload))}
    with pytest.raises(StatusListError):
        verify_status_list(forged, jwks)


def test_status_list_without_passphrase_is_503(verifier: Verifier, tmp_path: Path) -> None:
    settings = make_settings(verifier.database_url, tmp_path, key_passphrase=None)
    with ServerThread(settings) as server, httpx.Client(base_url=server.url) as http:
        problem = problem_of(http.get("/api/v1/status-list"), 503)
        assert "signing" in problem["detail"].lower()
        assert http.get("/.well-known/shangpin/jwks.json").status_code == 200


# --- CORS -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", OPEN_PATHS)
def test_read_only_endpoints_are_cors_open(client: httpx.Client, path: str) -> None:
    origin = {"Origin": "https://shop.example"}
    response = client.get(path, headers=origin)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options(path, headers={
        **origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"]


def test_writing_endpoints_are_not_cors_open(client: httpx.Client) -> None:
    preflight = client.options("/api/v1/reports", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 405
    assert "Access-Control-Allow-Origin" not in preflight.headers
    post = client.post("/api/v1/reports", json={}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in post.headers


# --- live status ----------------------------------------------------------------------


def _next_status(client: httpx.Client, code: str) -> str:
    """The status the very next verify call reports (on both backends)."""
    return str(client.get(f"/api/v1/verify/{code}").json()["status"])


def test_status_change_shows_on_the_next_call(verifier: Verifier,
                                              client: httpx.Client) -> None:
    """Suspend (then reinstate) a valid certificate through the issuer, in its own
    transaction, and see every API answer follow at once."""
    database = Database.open(verifier.database_url)
    try:
        with database.transaction() as session:
            number, mark_code = session.execute(
                select(Certificate.number, Certificate.mark_code)
                .where(Certificate.state == CertificateState.VALID,
                       Certificate.valid_until >= status.today(),
                       Certificate.number != verifier.seeded.numbers["valid"])
                .order_by(Certificate.number).limit(1)).one()
        before = client.get(f"/api/v1/verify/{mark_code}").json()
        assert before["status"] == "valid"
        record = client.get(f"/api/v1/certificates/{number}")
        listed_before = client.get("/api/v1/status-list")
        with database.transaction() as session:
            registry.change_status(session, number, status.Action.SUSPEND, actor="api-test",
                                   reason="抽检待复核")
        try:
            assert _next_status(client, mark_code) == "suspended"
            after = client.get(f"/api/v1/verify/{mark_code}").json()
            assert after["certificate"]["status_reason"] == "抽检待复核"
            changed = client.get(f"/api/v1/certificates/{number}",
                                 headers={"If-None-Match": record.headers["ETag"]})
            assert changed.status_code == 200 and changed.json()["status"] == "suspended"
            assert "api-test" not in changed.text
            listed = client.get("/api/v1/status-list",
                                headers={"If-None-Match": listed_before.headers["ETag"]})
            assert listed.status_code == 200
            jwks = client.get("/.well-known/shangpin/jwks.json").json()
            assert verify_status_list(listed.json(), jwks).status_of(number) == "suspended"
            found = client.get("/api/v1/registry", params={"q": number}).json()
            assert found["results"][0]["status"] == "suspended"
        finally:
            with database.transaction() as session:
                registry.change_status(session, number, status.Action.REINSTATE,
                                       actor="api-test")
        assert _next_status(client, mark_code) == "valid"
        reinstated = client.get("/api/v1/status-list").json()
        assert verify_status_list(reinstated, jwks).status_of(number) == "valid"
    finally:
        database.close()

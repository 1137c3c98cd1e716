"""The OpenAPI document: valid, complete, true to real responses, and survives fuzzing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.verifier.conftest import Verifier, make_settings
from verifier.api import statuslist
from verifier.api.openapi import DOCUMENT

EXAMPLES_PER_OPERATION = 30
# Machine-readable routes: each must be in the document (pages for people need not be).
API = re.compile(r"^/(api/|\.well-known/|badge/)")


@pytest.fixture(scope="module")
def client(verifier: Verifier) -> Iterator[httpx.Client]:
    with verifier.client() as http:
        yield http


def schema_for(path: str, method: str, status: int, media: str) -> dict[str, Any]:
    response = DOCUMENT["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema: dict[str, Any] = response["content"][media]["schema"]
    # Resolve "#/components/..." against the whole document.
    return {**schema, "components": DOCUMENT["components"]}


def check(response: httpx.Response, path: str, method: str = "get") -> Any:
    """Validate a real response against the document's schema for its status."""
    media = response.headers["Content-Type"].split(";")[0]
    body = response.json()
    validator = Draft202012Validator(schema_for(path, method, response.status_code, media),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(body)]
    assert not errors, f"{method.upper()} {path} {response.status_code}: {errors}"
    return body


def test_document_is_valid_openapi_3_1() -> None:
    validate(DOCUMENT, cls=OpenAPIV31SpecValidator)
    # Round-trips as JSON (what is served) and names every operation uniquely.
    ids = [op["operationId"] for item in DOCUMENT["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    json.loads(json.dumps(DOCUMENT))


def test_every_api_route_is_documented(tmp_path: Any) -> None:
    from verifier.app import create_app

    app = create_app(make_settings(f"sqlite:///{tmp_path / 'x.db'}", tmp_path))
    documented = {re.sub(r"\{(\w+)[^}]*\}", r"{\1}", p) for p in DOCUMENT["paths"]}
    served = set()
    for resource in app.router.resources():
        path = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", resource.canonical)
        if API.match(path):
            served.add(path)
    assert served <= documented, f"undocumented routes: {sorted(served - documented)}"
    for path in ("/api/v1/verify/{code}", "/api/v1/verify", "/api/v1/verify/photo",
                 "/api/v1/certificates/{number}", "/api/v1/registry", "/api/v1/reports",
                 "/api/v1/status-list", "/api/v1/openapi.json", "/healthz",
                 "/badge/{number}.svg", "/.well-known/shangpin/jwks.json"):
        assert path in documented


def test_served_document_is_this_document(client: httpx.Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == DOCUMENT
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    check(response, "/api/v1/openapi.json")
    cached = client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304


def test_verify_responses_match(verifier: Verifier, client: httpx.Client) -> None:
    path = "/api/v1/verify/{code}"
    for url in [*verifier.seeded.urls.values(), verifier.seeded.unit_urls[0]]:
        check(client.get(f"/api/v1/verify/{url.rsplit('/', 1)[1]}"), path)
    check(client.get("/api/v1/verify/not-a-code"), path)
    check(client.get("/api/v1/verify/" + "Z" * 700), path)
    post = "/api/v1/verify"
    check(client.post(post, json={"code": verifier.seeded.urls["valid"]}), post, "post")
    check(client.post(post, json={"nope": 1}), post, "post")
    check(client.post(post, content=b"x" * 17_000, headers={"Content-Type": "application/json"}),
          post, "post")


def test_registry_and_certificate_responses_match(verifier: Verifier,
                                                  client: httpx.Client) -> None:
    path = "/api/v1/certificates/{number}"
    for number in verifier.seeded.numbers.values():
        check(client.get(f"/api/v1/certificates/{number}"), path)
    check(client.get("/api/v1/certificates/SP-1900-00000"), path)
    registry = "/api/v1/registry"
    for params in ({}, {"q": "上海", "page_size": "3"}, {"status": "revoked"},
                   {"scheme": "cultivation", "page": "9"}, {"page": "abc"}):
        check(client.get(registry, params=params), registry)


def test_reports_responses_match(verifier: Verifier, client: httpx.Client) -> None:
    path = "/api/v1/reports"
    check(client.post(path, json={"description": "看起来是假的",
                                  "code": verifier.seeded.urls["forged"]}), path, "post")
    check(client.post(path, json={"description": ""}), path, "post")
    check(client.post(path, content=b"{}", headers={"Content-Type": "text/plain"}), path, "post")


def test_keys_status_list_and_health_match(client: httpx.Client) -> None:
    jwks = check(client.get("/.well-known/shangpin/jwks.json"), "/.well-known/shangpin/jwks.json")
    signed = check(client.get("/api/v1/status-list"), "/api/v1/status-list")
    payload = json.loads(statuslist.b64url_decode(signed["payload"]))
    validator = Draft202012Validator({"$ref": "#/components/schemas/StatusListPayload",
                                      "components": DOCUMENT["components"]},
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(payload)
    assert statuslist.verify_status_list(signed, jwks).kid == payload["kid"]
    check(client.get("/healthz"), "/healthz")


def test_property_based_run_finds_no_server_error(verifier: Verifier) -> None:
    """A bounded schemathesis run over every documented operation, on loopback only.

    Valid and schema-violating inputs; fails on any 5xx and on any documented answer
    whose body does not match its schema.
    """
    assert verifier.url.startswith("http://127.0.0.1:")
    schema = schemathesis.openapi.from_url(f"{verifier.url}/api/v1/openapi.json")
    from schemathesis.checks import not_a_server_error, response_schema_conformance
    from schemathesis.core.result import Ok
    from schemathesis.generation import GenerationMode

    session = requests.Session()
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # every operation in the document loads
        operations.append(result.ok())
    # Every operation except the one serving the document (schemathesis leaves it out).
    assert len(operations) == len(DOCUMENT["paths"]) - 1

    def fuzz(operation: Any) -> None:
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  derandomize=True, suppress_health_check=list(HealthCheck),
                  print_blob=False)
        @given(case=st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                              operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)))
        def run(case: Any) -> None:
            case.call_and_validate(base_url=verifier.url, session=session, timeout=10,
                                   checks=[not_a_server_error, response_schema_conformance])

        run()

    try:
        for operation in operations:
            fuzz(operation)
    finally:
        session.close()

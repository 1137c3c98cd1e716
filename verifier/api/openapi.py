"""The OpenAPI 3.1 document of the public API, served at ``/api/v1/openapi.json``.

Written by hand beside the handlers; tests validate it and check real responses of
both backends against its schemas, so it cannot drift from what the server says.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from issuer.status import PublicStatus
from issuer.transparency.log import MAX_PAGE as LOG_PAGE
from issuer.verification import Verdict
from storage.enums import CertificateState, KeyState, Scheme, ScopeKind
from verifier.api.responses import conditional, dumps, etag_of
from verifier.reports import MAX_DESCRIPTION
from verifier.search import MAX_PAGE_SIZE, MAX_QUERY

CACHE_CONTROL = "public, max-age=300"
Schema = dict[str, Any]

SCAN_STATUSES = [s.value for s in PublicStatus] + [
    "forged", "unknown_certificate", "malformed", "compromised_key"]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema or "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    widened = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:  # an enum lists every allowed value, null included
        widened["enum"] = [*schema["enum"], None]
    return widened


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = (),
        description: str | None = None) -> Schema:
    """A closed object: every property required unless named optional, nothing else."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def enum(values: list[str], description: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "enum": values}
    if description:
        schema["description"] = description
    return schema


STRING: Schema = {"type": "string"}
DATE: Schema = {"type": "string", "format": "date"}
DATETIME: Schema = {"type": "string", "format": "date-time"}
URL: Schema = {"type": "string", "format": "uri"}
NUMBER: Schema = {"type": "string", "pattern": "^[A-Z0-9][A-Z0-9-]{2,31}$",
                  "description": "certificate number, e.g. SP-2024-00001"}
USCC: Schema = {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$",
                "description": "unified social credit code (GB 32100-2015)"}
SCHEME = enum([s.value for s in Scheme], "shangpin: 上品 certification; "
              "cultivation: 上海品牌 cultivation")
PUBLIC_STATUS = enum([s.value for s in PublicStatus],
                     "public status; expired is derived from valid_until (Shanghai date)")
STATE = enum([s.value for s in CertificateState], "stored state")
HASH: Schema = {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                "description": "a SHA-256 hash, unpadded base64url"}
LOG_KID: Schema = {"type": "string", "pattern": "^[0-9a-f]{8}$",
                   "description": "the log key's id"}
SCOPE_ITEM = obj({"kind": enum([k.value for k in ScopeKind]), "name": STRING,
                  "category": STRING})

SCHEMAS: dict[str, Schema] = {
    "Problem": obj({
        "type": STRING,
        "title": STRING,
        "status": {"type": "integer"},
        "detail": STRING,
        "invalid_params": {"type": "array", "items": obj({"name": STRING, "reason": STRING})},
    }, optional=("invalid_params",), description="RFC 9457 problem details"),
    "ScopeItem": SCOPE_ITEM,
    "MarkClaims": obj({
        "kid": {"type": "string", "pattern": "^[0-9a-f]{8}$"},
        "certificate_number": STRING,
        "valid_from": DATE,
        "valid_until": DATE,
        "unit_serial": nullable({"type": "integer", "minimum": 1}),
    }, description="what the mark's signed payload asserts (read before any status lookup)"),
    "CertificateSummary": obj({
        "number": NUMBER,
        "scheme": SCHEME,
        "status": PUBLIC_STATUS,
        "holder": obj({"name": STRING, "uscc": USCC}),
        "body": obj({"code": STRING, "name": STRING}),
        "standard": STRING,
        "scope": {"type": "array", "items": ref("ScopeItem")},
        "valid_from": DATE,
        "valid_until": DATE,
        "last_surveillance": nullable(DATE),
        "next_surveillance": nullable(DATE),
        "status_reason": nullable({"type": "string", "description":
                                   "published reason for suspended, terminated, revoked or "
                                   "publicity; null otherwise"}),
        "status_changed_at": nullable(DATETIME),
    }),
    "VerifyResult": obj({
        "verdict": enum([v.value for v in Verdict], "what the signature check found"),
        "status": enum(SCAN_STATUSES, "what to show: the certificate's live status, or why "
                       "there is none"),
        "reason": nullable(STRING),
        "checked_at": DATETIME,
        "mark": nullable(ref("MarkClaims")),
        "unit_serial": nullable({"type": "integer", "minimum": 1}),
        "certificate": nullable(ref("CertificateSummary")),
        "links": obj({"page": nullable(URL), "certificate": nullable(URL),
                      "certificate_api": nullable(URL), "badge": nullable(URL)}),
    }),
    "VerifyRequest": {
        "type": "object",
        "properties": {"code": {"type": "string", "description":
                                "the base32 code, or the whole mark URL"}},
        "required": ["code"],
    },
    "HistoryEntry": obj({
        "from": nullable(STATE),
        "to": STATE,
        "reason": nullable(STRING),
        "at": DATETIME,
        "date": {**DATE, "description": "Shanghai calendar date of the change"},
    }),
    "CertificateRecord": obj({
        "number": NUMBER,
        "scheme": SCHEME,
        "status": PUBLIC_STATUS,
        "stored_state": STATE,
        "subject": obj({"name": STRING, "uscc": USCC, "address": STRING}),
        "body": obj({"code": STRING, "name": STRING, "uscc": nullable(USCC),
                     "address": STRING}),
        "standard": STRING,
        "scope": {"type": "array", "items": ref("ScopeItem")},
        "publicity": obj({"start": nullable(DATE), "end": nullable(DATE)}),
        "valid_from": DATE,
        "valid_until": DATE,
        "last_surveillance": nullable(DATE),
        "next_surveillance": nullable(DATE),
        "mark_code": STRING,
        "mark_url": {"type": "string", "description": "the URL printed in the mark's QR code"},
        "status_reason": nullable(STRING),
        "status_changed_at": nullable(DATETIME),
        "history": {"type": "array", "items": ref("HistoryEntry"),
                    "description": "public status history, oldest first"},
        "links": obj({"page": URL, "badge": URL, "embed": URL}),
    }),
    "RegistryHit": obj({
        "number": NUMBER,
        "scheme": SCHEME,
        "status": PUBLIC_STATUS,
        "holder": obj({"name": STRING, "uscc": USCC}),
        "body": obj({"name": STRING}),
        "valid_until": DATE,
        "scope": {"type": "array", "items": STRING},
        "links": obj({"page": URL, "certificate_api": URL}),
    }),
    "RegistryPage": obj({
        "query": obj({"q": STRING, "scheme": nullable(SCHEME), "status": nullable(PUBLIC_STATUS)}),
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "results": {"type": "array", "items": ref("RegistryHit")},
    }),
    "ReportRequest": {
        "type": "object",
        "properties": {
            "description": {"type": "string", "minLength": 1, "maxLength": MAX_DESCRIPTION,
                            "description": "what looks wrong"},
            "code": {"type": ["string", "null"], "maxLength": 256,
                     "description": "the code or mark URL on the product, if any"},
            "where_bought": {"type": "string", "maxLength": 300},
            "contact": {"type": "string", "maxLength": 200,
                        "description": "for staff only; never published"},
        },
        "required": ["description"],
    },
    "ReportCreated": obj({"id": {"type": "integer"}}),
    "Jwk": obj({
        "kty": {"const": "OKP"},
        "crv": {"const": "Ed25519"},
        "x": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
              "description": "the 32-byte public key, unpadded base64url (RFC 8037)"},
        "kid": {"type": "string", "pattern": "^[0-9a-f]{8}$"},
        "use": {"const": "sig"},
        "alg": {"const": "EdDSA"},
        "state": enum([k.value for k in KeyState], "active signs; retired still verifies; "
                      "compromised: refuse what it signed"),
    }),
    "Jwks": obj({"keys": {"type": "array", "items": ref("Jwk")}},
                description="RFC 7517 key set"),
    "SignedStatusList": obj({
        "payload": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$",
                    "description": "unpadded base64url of the canonical JSON StatusListPayload"},
        "kid": {"type": "string", "pattern": "^[0-9a-f]{8}$"},
        "alg": {"const": "EdDSA"},
        "signature": {"type": "string", "pattern": "^[A-Za-z0-9_-]{86}$",
                      "description": "Ed25519 over b'shangpin/status-list/v1\\x00' + payload "
                                     "bytes, unpadded base64url"},
    }, description="see docs/api.md for how to check it offline"),
    "StatusListPayload": obj({
        "v": {"const": 1},
        "kid": {"type": "string", "pattern": "^[0-9a-f]{8}$"},
        "issued_at": DATETIME,
        "next_update": DATETIME,
        "date": {**DATE, "description": "the Shanghai date the statuses hold for"},
        "statuses": {"type": "object", "additionalProperties": PUBLIC_STATUS,
                     "description": "certificate number -> public status, every certificate"},
        "tree_head": nullable(obj({
            "tree_size": {"type": "integer", "minimum": 0},
            "timestamp_ms": {"type": "integer", "minimum": 0,
                             "description": "milliseconds since 1970-01-01T00:00:00Z"},
            "root_hash": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                          "description": "Merkle root, unpadded base64url of 32 bytes"},
            "signature": {"type": "string", "pattern": "^[A-Za-z0-9_-]{86}$",
                          "description": "the log key's Ed25519 signature over "
                                         "b'shangpin/log/tree-head/v1\\x00' + the 49-byte "
                                         "head (docs/transparency-log.md)"},
            "kid": {"type": "string", "pattern": "^[0-9a-f]{8}$",
                    "description": "the log key that signed the head "
                                   "(/.well-known/shangpin/log-key.json)"},
        }, description="the transparency log's newest signed tree head when the list was "
                       "made; null before the log has one")),
    }, optional=("tree_head",),
        description="the signed content of a SignedStatusList (decoded)"),
    # The transparency log (docs/transparency-log.md).
    "LogTreeHead": obj({
        "tree_size": {"type": "integer", "minimum": 0},
        "timestamp_ms": {"type": "integer", "minimum": 0,
                         "description": "milliseconds since 1970-01-01T00:00:00Z"},
        "time": DATETIME,
        "root_hash": HASH,
        "signature": {"type": "string", "pattern": "^[A-Za-z0-9_-]{86}$",
                      "description": "Ed25519 over b'shangpin/log/tree-head/v1\\x00' + the "
                                     "49-byte head, unpadded base64url"},
        "kid": LOG_KID,
        "public_key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                       "description": "the log's Ed25519 public key, unpadded base64url"},
    }, description="the newest signed tree head"),
    "LogKey": obj({
        "kty": {"const": "OKP"},
        "crv": {"const": "Ed25519"},
        "x": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
        "kid": LOG_KID,
        "use": {"const": "sig"},
        "alg": {"const": "EdDSA"},
    }, description="the log's own key as a JWK; it signs tree heads only"),
    "LogEntry": obj({
        "index": {"type": "integer", "minimum": 0},
        "leaf_hash": HASH,
        "entry": {"type": "string", "pattern": "^[A-Za-z0-9_-]*$",
                  "description": "the canonical entry bytes the leaf hash covers, unpadded "
                                 "base64url"},
        "type": enum(["certificate_status", "signing_key"]),
        "time": DATETIME,
        "certificate_number": NUMBER,
        "from": nullable(STATE),
        "to": STATE,
        "reason": nullable(STRING),
        "actor": STRING,
        "kid": {"type": "string", "pattern": "^[0-9a-f]{8}$"},
        "state": enum([k.value for k in KeyState]),
    }, optional=("certificate_number", "from", "to", "reason", "actor", "kid", "state"),
        description="one entry, with what its bytes say decoded beside them"),
    "LogEntries": obj({"entries": {"type": "array", "items": ref("LogEntry")}}),
    "InclusionProof": obj({
        "index": {"type": "integer", "minimum": 0},
        "tree_size": {"type": "integer", "minimum": 1},
        "leaf_hash": HASH,
        "audit_path": {"type": "array", "items": HASH,
                       "description": "RFC 9162 2.1.3 audit path, deepest first"},
    }),
    "ConsistencyProof": obj({
        "first": {"type": "integer", "minimum": 0},
        "second": {"type": "integer", "minimum": 0},
        "proof": {"type": "array", "items": HASH,
                  "description": "RFC 9162 2.1.4 consistency proof"},
    }),
    "Health": obj({"status": enum(["ok", "unavailable"]), "database": enum(["ok", "down"])}),
}
# The photo answer is a scan answer plus what was read from the picture.
SCHEMAS["PhotoResult"] = {
    **SCHEMAS["VerifyResult"],
    "properties": {
        **SCHEMAS["VerifyResult"]["properties"],
        "decoded": {
            "type": "object",
            "description": "what was read from the photo; the first mark URL found is "
                           "the one verified",
            "properties": {"texts": {"type": "array", "items": STRING},
                           "count": {"type": "integer", "minimum": 1}},
            "required": ["texts", "count"],
        },
    },
    "required": [*SCHEMAS["VerifyResult"]["required"], "decoded"],
}


def json_content(schema: Schema, media: str = "application/json") -> dict[str, Any]:
    return {media: {"schema": schema}}


def answer(description: str, schema: Schema, *, headers: tuple[str, ...] = (),
           media: str = "application/json") -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": json_content(schema, media)}
    if headers:
        response["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in headers}
    return response


def problem(description: str) -> dict[str, Any]:
    return answer(description, ref("Problem"), media="application/problem+json")


LOG_NUMBER: Schema = {"type": "integer", "minimum": 0, "maximum": 2**53 - 1}
TOO_MANY = {"$ref": "#/components/responses/TooManyRequests"}
NOT_MODIFIED = {"$ref": "#/components/responses/NotModified"}
IF_NONE_MATCH = {"$ref": "#/components/parameters/IfNoneMatch"}
CACHED = ("ETag", "Cache-Control")


def _get(operation_id: str, summary: str, responses: dict[str, Any], *,
         parameters: list[dict[str, Any]] | None = None, tag: str = "verification",
         description: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": operation_id, "summary": summary,
                                 "tags": [tag], "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if description:
        operation["description"] = description
    return operation


def _query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _path(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}


PATHS: dict[str, Any] = {
    "/api/v1/verify/{code}": {"get": _get(
        "verifyCode", "Verify a mark code",
        {"200": answer("The verdict. Malformed input is an answer too (status malformed). "
                       "Never cached: the status is live.", ref("VerifyResult"),
                       headers=("Cache-Control",)),
         "429": TOO_MANY},
        parameters=[_path("code", {"type": "string", "minLength": 1},
                          "the base32 code, or the whole mark URL percent-encoded")],
        description="Checks the signature, then looks the certificate's status up live. "
                    "Readable from any origin.")},
    "/api/v1/verify": {"post": {
        "operationId": "verifyCodePost", "summary": "Verify a mark code sent in a JSON body",
        "tags": ["verification"],
        "requestBody": {"required": True, "content": json_content(ref("VerifyRequest"))},
        "responses": {
            "200": answer("The verdict, as for GET.", ref("VerifyResult"),
                          headers=("Cache-Control",)),
            "400": problem("The body is not a JSON object with a string `code`."),
            "413": problem("The body is larger than 16 KiB."),
            "429": TOO_MANY,
        }}},
    "/api/v1/verify/photo": {"post": {
        "operationId": "verifyPhoto", "summary": "Verify the mark in a photo",
        "tags": ["verification"],
        "description": "Finds and decodes the QR code in an uploaded photo, then answers "
                       "as for a scan. Upload limits are in bytes and pixels "
                       "(SHANGPIN_MAX_UPLOAD_BYTES, SHANGPIN_MAX_UPLOAD_PIXELS).",
        "requestBody": {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object",
                       "properties": {"photo": {"type": "string", "format": "binary",
                                                "contentMediaType": "image/*"}},
                       "required": ["photo"]}}}},
        "responses": {
            "200": answer("The verdict, as for a scan, plus what was decoded.",
                          ref("PhotoResult"), headers=("Cache-Control",)),
            "400": problem("The form has no `photo` field."),
            "413": problem("The photo is too large (bytes or pixels)."),
            "415": problem("The upload is not an image this service reads."),
            "422": problem("No readable code was found in the photo."),
            "429": TOO_MANY,
        }}},
    "/api/v1/certificates/{number}": {"get": _get(
        "getCertificate", "The public record of a certificate",
        {"200": answer("The record with its public status history.", ref("CertificateRecord"),
                       headers=CACHED),
         "304": NOT_MODIFIED,
         "404": problem("No certificate has that number."),
         "429": TOO_MANY},
        parameters=[_path("number", {"type": "string", "minLength": 1}, "certificate number"),
                    IF_NONE_MATCH],
        tag="registry")},
    "/api/v1/registry": {"get": _get(
        "searchRegistry", "Search the public registry",
        {"200": answer("One page of results, ordered by holder name then number.",
                       ref("RegistryPage"), headers=CACHED),
         "304": NOT_MODIFIED,
         "400": problem("A parameter is invalid; `invalid_params` names it."),
         "429": TOO_MANY},
        parameters=[
            _query("q", {"type": "string", "maxLength": MAX_QUERY},
                   "free text: holder name, credit code, product or service, or number"),
            _query("scheme", SCHEME, "only this scheme"),
            _query("status", PUBLIC_STATUS, "only this public status"),
            _query("page", {"type": "integer", "minimum": 1, "maximum": 10_000,
                            "default": 1}, "page number, from 1"),
            _query("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE,
                                 "default": 20}, "results per page"),
            IF_NONE_MATCH,
        ],
        tag="registry")},
    "/api/v1/reports": {"post": {
        "operationId": "submitReport", "summary": "Report a suspected fake",
        "tags": ["reports"],
        "description": "Same-origin only (no CORS); the body must be application/json.",
        "requestBody": {"required": True, "content": json_content(ref("ReportRequest"))},
        "responses": {
            "201": answer("Stored.", ref("ReportCreated")),
            "400": problem("A field is invalid; `invalid_params` names it."),
            "413": problem("The body is larger than 16 KiB."),
            "415": problem("The body is not application/json."),
            "429": TOO_MANY,
        }}},
    "/api/v1/status-list": {"get": _get(
        "getStatusList", "Every certificate's status, signed, for offline verifiers",
        {"200": answer("The signed status list; its payload is a StatusListPayload.",
                       ref("SignedStatusList"), headers=CACHED),
         "304": NOT_MODIFIED,
         "429": TOO_MANY,
         "503": problem("Signing is unavailable (no passphrase or no active key).")},
        parameters=[IF_NONE_MATCH],
        description="Issued for one hour (next_update); re-issued at once when the "
                    "registry changes. Check it with the JWKS as docs/api.md describes.",
        tag="keys")},
    "/api/v1/log/sth": {"get": _get(
        "getLogTreeHead", "The transparency log's newest signed tree head",
        {"200": answer("The head; revalidate with its ETag.", ref("LogTreeHead"),
                       headers=CACHED),
         "304": NOT_MODIFIED,
         "404": problem("No tree head has been signed yet."),
         "429": TOO_MANY},
        parameters=[IF_NONE_MATCH], tag="log")},
    "/api/v1/log/entries": {"get": _get(
        "getLogEntries", "Log entries by index range",
        {"200": answer(f"Entries start to end inclusive, at most {LOG_PAGE}; immutable once "
                       "the whole range exists.", ref("LogEntries"), headers=CACHED),
         "304": NOT_MODIFIED,
         "400": problem("A bound is missing, malformed, out of order or beyond the log."),
         "429": TOO_MANY},
        parameters=[
            {**_query("start", LOG_NUMBER, "first index"), "required": True},
            {**_query("end", LOG_NUMBER, "last index (inclusive)"), "required": True},
            IF_NONE_MATCH],
        tag="log")},
    "/api/v1/log/proof/inclusion": {"get": _get(
        "getLogInclusionProof", "Inclusion proof of an entry, by index or by leaf hash",
        {"200": answer("The audit path against the tree of tree_size entries (immutable).",
                       ref("InclusionProof"), headers=CACHED),
         "304": NOT_MODIFIED,
         "400": problem("A parameter is missing or malformed, or the entry is not in that "
                        "tree."),
         "404": problem("No entry has that leaf hash."),
         "429": TOO_MANY},
        parameters=[
            {**_query("tree_size", LOG_NUMBER, "size of the tree to prove against"),
             "required": True},
            _query("index", LOG_NUMBER, "the entry's index (or give leaf_hash)"),
            _query("leaf_hash", STRING, "the entry's leaf hash, 64 hex digits or unpadded "
                                        "base64url (or give index)"),
            IF_NONE_MATCH],
        tag="log")},
    "/api/v1/log/proof/consistency": {"get": _get(
        "getLogConsistencyProof", "Consistency proof between two tree sizes",
        {"200": answer("Proof that the first tree is a prefix of the second (immutable).",
                       ref("ConsistencyProof"), headers=CACHED),
         "304": NOT_MODIFIED,
         "400": problem("A size is missing or malformed, out of order, or beyond the log."),
         "429": TOO_MANY},
        parameters=[
            {**_query("first", LOG_NUMBER, "the smaller tree size"), "required": True},
            {**_query("second", LOG_NUMBER, "the larger tree size"), "required": True},
            IF_NONE_MATCH],
        tag="log")},
    "/.well-known/shangpin/log-key.json": {"get": _get(
        "getLogKey", "The transparency log's public key",
        {"200": answer("The key that signs tree heads, as a JWK.", ref("LogKey"),
                       headers=CACHED),
         "304": NOT_MODIFIED,
         "404": problem("The log has no key yet."),
         "429": TOO_MANY},
        parameters=[IF_NONE_MATCH], tag="log")},
    "/api/v1/openapi.json": {"get": _get(
        "getOpenApi", "This document",
        {"200": answer("OpenAPI 3.1 document.", {"type": "object"}, headers=CACHED),
         "304": NOT_MODIFIED},
        parameters=[IF_NONE_MATCH], tag="meta")},
    "/.well-known/shangpin/jwks.json": {"get": _get(
        "getJwks", "The signing keys (JWKS)",
        {"200": answer("RFC 7517 key set of RFC 8037 OKP/Ed25519 keys.", ref("Jwks"),
                       headers=CACHED),
         "304": NOT_MODIFIED,
         "429": TOO_MANY},
        parameters=[IF_NONE_MATCH], tag="keys")},
    "/healthz": {"get": _get(
        "health", "Liveness and database readiness",
        {"200": answer("Up, database answering.", ref("Health")),
         "503": answer("Database not answering.", ref("Health"))}, tag="meta")},
    "/badge/{number}.svg": {"get": _get(
        "getBadge", "Live status badge for holders to embed",
        {"200": {"description": "An SVG badge showing the certificate's current status "
                                "(short cache).",
                 "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
         "404": {"description": "No certificate has that number.",
                 "content": {"image/svg+xml": {"schema": {"type": "string"}},
                             "application/problem+json": {"schema": ref("Problem")}}},
         "429": TOO_MANY},
        parameters=[_path("number", {"type": "string", "minLength": 1},
                          "certificate number")],
        tag="embed")},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "shangpin verifier API",
        "version": "1.0.0",
        "description": "Verify 上品 / 上海品牌 marks, look up certificates, search the "
                       "registry, report suspected fakes, and fetch the keys and the signed "
                       "status list for offline verification. JSON is UTF-8; errors are "
                       "RFC 9457 problem documents. See docs/api.md.",
    },
    "tags": [{"name": n} for n in ("verification", "registry", "reports", "keys", "log",
                                   "embed", "meta")],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "headers": {
            "ETag": {"description": "strong validator of the body; send it back in "
                                    "If-None-Match", "schema": STRING},
            "Cache-Control": {"description": "how long the answer may be reused",
                              "schema": STRING},
        },
        "parameters": {
            "IfNoneMatch": {"name": "If-None-Match", "in": "header", "required": False,
                            "schema": STRING,
                            "description": "an ETag from an earlier answer; 304 if unchanged"},
        },
        "responses": {
            "NotModified": {"description": "The body held by the client is still current.",
                            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}},
            "TooManyRequests": {
                "description": "Rate limited; see Retry-After.",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": json_content(ref("Problem"), "application/problem+json"),
            },
        },
    },
}

_BODY = dumps(DOCUMENT)
_ETAG = etag_of(_BODY)


async def serve(request: web.Request) -> web.Response:
    return conditional(request, _BODY, CACHE_CONTROL, etag=_ETAG)

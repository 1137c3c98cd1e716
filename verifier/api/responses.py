"""JSON bodies, conditional (ETag) answers, problem documents and request bodies for the API."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aiohttp import web

from verifier.errors import problem

JSON = "application/json"
PROBLEM = "application/problem+json"
NO_STORE = "no-store"
#: A JSON request body larger than this is refused before it is read: nothing the API
#: accepts as JSON comes close (a report is at most a few kilobytes).
MAX_JSON_BODY = 16 * 1024


def dumps(value: Any) -> bytes:
    """UTF-8 JSON, Chinese left readable (``ensure_ascii=False``)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(value: Any, *, status: int = 200, cache_control: str = NO_STORE,
                  content_type: str = JSON) -> web.Response:
    return web.Response(body=dumps(value), status=status, content_type=content_type,
                        charset="utf-8", headers={"Cache-Control": cache_control})


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def conditional(request: web.Request, body: bytes, cache_control: str, *,
                etag: str | None = None, content_type: str = JSON) -> web.Response:
    """200 with ``body``, or 304 when the client already holds this exact body."""
    etag = etag or etag_of(body)
    headers = {"Cache-Control": cache_control, "ETag": f'"{etag}"'}
    held = request.if_none_match
    # Weak comparison (RFC 9110 13.1.2): a W/ tag still names the same body here.
    if held and any(tag.value in (etag, "*") for tag in held):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type=content_type, charset="utf-8",
                        headers=headers)


def invalid_input(name: str, reason: str, *, status: int = 400) -> web.Response:
    """A problem document naming the offending parameter or field (RFC 9457 extension)."""
    document = {
        "type": "about:blank",
        "title": "Bad Request" if status == 400 else "Unprocessable Content",
        "status": status,
        "detail": f"{name}: {reason}",
        "invalid_params": [{"name": name, "reason": reason}],
    }
    return web.Response(body=dumps(document), status=status, content_type=PROBLEM,
                        charset="utf-8", headers={"Cache-Control": NO_STORE})


def not_found(request: web.Request, detail: str) -> web.Response:
    return problem(request, 404, "Not Found", detail)


class BadBody(Exception):
    """The request body cannot be used; ``response`` says why to the client."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def clean_text(value: object) -> str | None:
    """A string safe to store and echo: no NUL (PostgreSQL refuses it in text) and
    valid UTF-8 (a JSON ``\\ud800`` escape decodes to a lone surrogate). None otherwise."""
    if not isinstance(value, str) or "\x00" in value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


async def read_json_object(request: web.Request, *,
                           require_json_type: bool = False) -> dict[str, Any]:
    """The body as a JSON object, or ``BadBody`` with a 400/413/415 problem."""
    if require_json_type and request.content_type != JSON:
        raise BadBody(problem(request, 415, "Unsupported Media Type",
                              "send the body as application/json"))
    length = request.content_length
    if length is not None and length > MAX_JSON_BODY:
        raise BadBody(problem(request, 413, "Content Too Large",
                              f"a JSON body is at most {MAX_JSON_BODY} bytes"))
    raw = await request.content.read(MAX_JSON_BODY + 1)
    if len(raw) > MAX_JSON_BODY:
        raise BadBody(problem(request, 413, "Content Too Large",
                              f"a JSON body is at most {MAX_JSON_BODY} bytes"))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadBody(problem(request, 400, "Bad Request",
                              "the body is not a JSON document")) from None
    if not isinstance(data, dict):
        raise BadBody(problem(request, 400, "Bad Request", "the body must be a JSON object"))
    return data

"""JSON, not pickle, for requests kept in the shared Redis frontier.

scrapy-redis pickles requests by default. Anyone who can write to that Redis could then make
every crawler process run code of their choosing; JSON cannot carry code. Bytes (bodies,
headers) travel as ``{"$b64": ...}``. Used through ``SCHEDULER_SERIALIZER``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

_BYTES = "$b64"


def dumps(obj: Any) -> str:
    return json.dumps(_encode(obj), separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    return json.loads(text, object_hook=_decode)


def _encode(obj: Any) -> Any:
    if isinstance(obj, bytes):
        return {_BYTES: base64.b64encode(obj).decode("ascii")}
    if isinstance(obj, dict):
        return {_key(k): _encode(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_encode(v) for v in obj]
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise TypeError(f"a {type(obj).__name__} cannot go into the shared crawl frontier")


def _key(key: Any) -> str:
    if isinstance(key, bytes):  # header names
        return key.decode("latin-1")
    if isinstance(key, str):
        return key
    raise TypeError(f"a {type(key).__name__} key cannot go into the shared crawl frontier")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _BYTES in obj:
        return base64.b64decode(obj[_BYTES])
    return obj

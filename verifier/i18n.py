"""Simplified Chinese first, English too: language choice and the message catalogue.

The language comes from ``?lang=``, then the ``lang`` cookie, then Accept-Language;
Chinese is the default. Messages are looked up by key; a missing English text falls
back to Chinese rather than to a key name.
"""

from __future__ import annotations

from typing import Any

from aiohttp import hdrs, web

from verifier.public import credit_messages, log_messages, offline_messages
from verifier.public.messages import PUBLIC as _PUBLIC

LANGUAGES = ("zh", "en")
DEFAULT = "zh"

MESSAGES: dict[str, dict[str, str]] = {
    "site.title": {"zh": "上品标志验真", "en": "Shangpin mark verification"},
    "site.alliance": {
        "zh": "上海品牌国际认证联盟",
        "en": "Shanghai Brand International Certification Alliance",
    },
    "nav.registry": {"zh": "获证名录", "en": "Registry"},
    "nav.photo": {"zh": "拍照验真", "en": "Check a photo"},
    "nav.language": {"zh": "English", "en": "中文"},
    "error.title": {"zh": "出错了", "en": "Something went wrong"},
    "error.503": {
        "zh": "系统暂时无法访问，请稍后再试。",
        "en": "The registry is temporarily unavailable. Please try again shortly.",
    },
    "error.500": {
        "zh": "系统出现问题，请稍后再试。",
        "en": "Something went wrong on our side. Please try again.",
    },
    "error.404": {"zh": "找不到该页面。", "en": "This page does not exist."},
    "error.429": {
        "zh": "请求过于频繁，请稍后再试。",
        "en": "Too many requests. Please wait a moment.",
    },
    "error.413": {"zh": "上传的文件太大。", "en": "The upload is too large."},
    "error.back": {"zh": "返回首页", "en": "Back to the start page"},
    "error.400": {"zh": "请求有误，请检查后重试。", "en": "The request is not valid."},
    "error.403": {"zh": "该请求被拒绝。", "en": "This request was refused."},
    "error.405": {"zh": "不支持该操作。", "en": "This method is not allowed here."},
    "error.411": {"zh": "请求缺少长度信息。", "en": "The request must state its length."},
    **_PUBLIC,
    **credit_messages.MESSAGES,
    **log_messages.MESSAGES,
    **offline_messages.MESSAGES,
}


#: The language chosen for a request, kept on it: the scan log and the page both ask.
LANGUAGE = web.RequestKey("language", str)
#: Accept-Language values seen, and the language each picks (phones send a handful).
_ACCEPTED: dict[str, str] = {}
MAX_REMEMBERED = 10_000
MAX_REMEMBERED_HEADER = 256


def negotiate(request: web.Request) -> str:
    """Pick the page language for this request."""
    chosen = request.get(LANGUAGE)
    if chosen is None:
        chosen = _choose(request)
        request[LANGUAGE] = chosen
    return chosen


def _choose(request: web.Request) -> str:
    # Parsing the query and the cookies costs more than asking whether there are any.
    asked = request.query.get("lang") if request.query_string else None
    if not asked and hdrs.COOKIE in request.headers:
        asked = request.cookies.get("lang")
    if asked in LANGUAGES:
        return asked
    header = request.headers.get(hdrs.ACCEPT_LANGUAGE, "")
    language = _ACCEPTED.get(header)
    if language is None:
        language = accepted_language(header)
        if len(header) <= MAX_REMEMBERED_HEADER:
            if len(_ACCEPTED) >= MAX_REMEMBERED:
                _ACCEPTED.clear()
            _ACCEPTED[header] = language
    return language


def accepted_language(header: str) -> str:
    """The language an Accept-Language value prefers most (Chinese when none fits)."""
    best, best_q = DEFAULT, -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


_TRANSLATORS: dict[str, Any] = {}


def translator(language: str):  # type: ignore[no-untyped-def]
    """A ``t(key, **values)`` for templates (one per language, made once)."""
    try:
        return _TRANSLATORS[language]
    except KeyError:
        pass

    def t(key: str, **values: object) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        text = entry.get(language) or entry[DEFAULT]
        return text.format(**values) if values else text

    if language in LANGUAGES:
        _TRANSLATORS[language] = t
    return t


"""Photo check: find and decode the QR in an uploaded photo of a mark.

The upload is read as a stream against a byte cap, decoded on a small thread pool
of its own (decoding is CPU-bound and must not starve the database threads), and
the code found answers exactly as a scan of it would.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage

from issuer.errors import MalformedCode
from issuer.urls import extract_code
from issuer.verification import Verdict
from storage.base import utcnow
from verifier import scanlog
from verifier.api.responses import json_response
from verifier.api.verify import MAX_CODE, verification_body
from verifier.errors import problem
from verifier.i18n import MESSAGES, negotiate, translator
from verifier.keys import SCANS, SETTINGS
from verifier.qrdecode import PhotoError, decode_qr
from verifier.render import render
from verifier.scanning import MALFORMED, ScanOutcome

FIELD = "photo"
#: Room for the multipart envelope around the photo itself.
ENVELOPE = 64 * 1024
DECODE_THREADS = 2
#: At most this many decoded texts are echoed back.
MAX_TEXTS = 10
NO_STORE = {"Cache-Control": "no-store"}

DECODERS = web.AppKey("photo_decoders", ThreadPoolExecutor)

PHOTO_MESSAGES: dict[str, dict[str, str]] = {
    "photo.title": {"zh": "拍照验真", "en": "Check a photo of a mark"},
    "photo.intro": {
        "zh": "扫码不方便？拍一张“上品”标志的照片上传，我们会识别其中的二维码并核验证书状态。",
        "en": "Can't scan? Upload a photo of the Shangpin mark: we read its QR code and "
              "check the certificate behind it.",
    },
    "photo.field": {"zh": "标志照片", "en": "Photo of the mark"},
    "photo.hint": {
        "zh": "请正对标志拍摄，保持对焦清晰、光线充足。支持 JPEG、PNG、WebP，最大 {mb} MB。",
        "en": "Photograph the mark straight on, in focus and well lit. "
              "JPEG, PNG or WebP, up to {mb} MB.",
    },
    "photo.submit": {"zh": "上传并验真", "en": "Upload and check"},
    "photo.again": {"zh": "再拍一张", "en": "Check another photo"},
    "photo.result.title": {"zh": "验真结果", "en": "Verification result"},
    "photo.details": {"zh": "查看完整验真页面", "en": "Open the full verification page"},
    "photo.found": {"zh": "照片中识别出 {count} 个二维码。",
                    "en": "{count} QR code(s) read in the photo."},
    "photo.decoded": {"zh": "识别内容", "en": "Content read"},
    "photo.certificate": {"zh": "证书编号", "en": "Certificate number"},
    "photo.holder": {"zh": "获证主体", "en": "Holder"},
    "photo.uscc": {"zh": "统一社会信用代码", "en": "Unified social credit code"},
    "photo.scheme": {"zh": "类别", "en": "Scheme"},
    "photo.valid_until": {"zh": "有效期至", "en": "Valid until"},
    "photo.unit": {"zh": "单品序号", "en": "Unit serial"},
    "photo.state_reason": {"zh": "公告原因", "en": "Published reason"},
    "photo.status.valid": {"zh": "有效", "en": "Valid"},
    "photo.status.suspended": {"zh": "暂停", "en": "Suspended"},
    "photo.status.expired": {"zh": "过期", "en": "Expired"},
    "photo.status.terminated": {"zh": "终止", "en": "Terminated"},
    "photo.status.revoked": {"zh": "撤销", "en": "Revoked"},
    "photo.status.publicity": {"zh": "公示中", "en": "In publicity"},
    "photo.status.forged": {"zh": "伪造", "en": "Forged"},
    "photo.status.unknown_certificate": {"zh": "未知证书", "en": "Unknown certificate"},
    "photo.status.malformed": {"zh": "非上品标志码", "en": "Not a mark code"},
    "photo.status.compromised_key": {"zh": "签名密钥已泄露", "en": "Compromised key"},
    "photo.explain.valid": {
        "zh": "证书有效，持证方可以使用此标志。",
        "en": "The certificate stands: the holder may use this mark.",
    },
    "photo.explain.suspended": {
        "zh": "证书已暂停，持证方在恢复前不得使用此标志。",
        "en": "The certificate is suspended: the mark may not be used until it is reinstated.",
    },
    "photo.explain.expired": {
        "zh": "证书已过期，持证方不得继续使用此标志。",
        "en": "The certificate has expired: the mark may no longer be used.",
    },
    "photo.explain.terminated": {
        "zh": "证书已应持证方申请提前终止，不得继续使用此标志。",
        "en": "The certificate was ended early at the holder's request: "
              "the mark may no longer be used.",
    },
    "photo.explain.revoked": {
        "zh": "证书已被撤销，不得继续使用此标志。",
        "en": "The certificate has been revoked: the mark may no longer be used.",
    },
    "photo.explain.publicity": {
        "zh": "证书尚在公示期，尚未生效。",
        "en": "The certificate is still in its publicity period and not yet in force.",
    },
    "photo.explain.forged": {
        "zh": "此二维码并非认证联盟签发，标志可能是假冒的。",
        "en": "This code was not signed by the alliance: the mark is likely counterfeit.",
    },
    "photo.explain.unknown_certificate": {
        "zh": "名录中没有此证书。",
        "en": "The registry holds no such certificate.",
    },
    "photo.explain.malformed": {
        "zh": "照片中的二维码不是上品标志的验真码。",
        "en": "The QR code in the photo is not a Shangpin mark code.",
    },
    "photo.explain.compromised_key": {
        "zh": "此码使用已泄露的密钥签名，无法证明其真实性。",
        "en": "This code was signed with a key reported compromised; "
              "it cannot prove the mark genuine.",
    },
    "photo.error.title": {"zh": "无法完成验真", "en": "The photo could not be checked"},
    "photo.error.missing": {"zh": "请选择一张照片后再上传。",
                            "en": "Please choose a photo to upload."},
    "photo.error.request": {"zh": "上传请求无效，请重新上传。",
                            "en": "The upload was not understood; please try again."},
    "photo.error.bytes": {"zh": "照片文件太大，最大 {mb} MB。",
                          "en": "The photo file is too large: at most {mb} MB."},
    "photo.error.pixels": {
        "zh": "照片像素过多，无法安全打开（最多 {mp} 百万像素）。",
        "en": "The photo has too many pixels to open safely (at most {mp} megapixels).",
    },
    "photo.error.format": {"zh": "这不是 JPEG、PNG 或 WebP 图片。",
                           "en": "This is not a JPEG, PNG or WebP image."},
    "photo.error.heic": {
        "zh": "暂不支持 HEIC/HEIF 格式，请上传 JPEG、PNG 或 WebP"
              "（例如截图，或将相机格式设为“兼容性最佳”）。",
        "en": "HEIC/HEIF photos are not supported: please send a JPEG, PNG or WebP "
              "(a screenshot, or the camera set to 'most compatible').",
    },
    "photo.error.corrupt": {"zh": "图片已损坏或不完整，无法读取。",
                            "en": "The image is damaged or incomplete and cannot be read."},
    "photo.error.empty": {"zh": "上传的文件是空的。", "en": "The uploaded file is empty."},
    "photo.error.unreadable": {
        "zh": "照片中未能识别出二维码。请正对标志拍摄，保持对焦清晰、光线充足。",
        "en": "No QR code could be read in this photo; photograph the mark straight on, "
              "in focus and well lit.",
    },
}
MESSAGES.update(PHOTO_MESSAGES)

#: reason -> (HTTP status, problem title)
_STATUS: dict[str, tuple[int, str]] = {
    "missing": (400, "Bad Request"),
    "request": (400, "Bad Request"),
    "bytes": (413, "Photo Too Large"),
    "pixels": (413, "Photo Too Large"),
    "format": (415, "Not An Image"),
    "heic": (415, "Not An Image"),
    "corrupt": (415, "Not An Image"),
    "empty": (415, "Not An Image"),
    "unreadable": (422, "No Readable Code"),
}
_DETAIL = {
    "missing": "send the photo as multipart/form-data in a field named 'photo'",
    "request": "the multipart/form-data body could not be read",
    "unreadable": "no QR code could be read in this photo; photograph the mark straight on, "
                  "in focus and well lit",
}


class Refused(Exception):
    """The photo check cannot answer; ``reason`` picks status and message."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(detail or _DETAIL.get(reason, reason))
        self.reason = reason
        self.status, self.title = _STATUS[reason]


@dataclass(frozen=True)
class PhotoCheck:
    outcome: ScanOutcome
    texts: list[str]


async def read_upload(request: web.Request, limit: int) -> bytes:
    """The bytes of the ``photo`` field, read as a stream and cut off past ``limit``."""
    if request.content_type != "multipart/form-data":
        raise Refused("missing")
    length = request.content_length
    if length is not None and length > limit + ENVELOPE:
        raise Refused("bytes", _too_many_bytes(limit))
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name != FIELD:
                continue  # the reader drains skipped parts without keeping them
            data = bytearray()
            while chunk := await part.read_chunk(64 * 1024):
                data += chunk
                if len(data) > limit:
                    raise Refused("bytes", _too_many_bytes(limit))
            if not data:
                raise Refused("missing")  # a form sent with no file chosen
            return bytes(data)
    except web.HTTPRequestEntityTooLarge:
        raise Refused("bytes", _too_many_bytes(limit)) from None
    except (ValueError, RuntimeError, BadHttpMessage, ConnectionError):
        # A malformed body, or a client that went away mid-upload.
        raise Refused("request") from None
    raise Refused("missing")


def choose_text(texts: list[str], hosts: tuple[str, ...]) -> str:
    """The first text that is a mark URL (a photo may hold other QR codes too)."""
    for text in texts:
        try:
            extract_code(text, hosts)
        except MalformedCode:
            continue
        if "/" in text:
            return text
    return texts[0]


async def check_photo(request: web.Request) -> PhotoCheck:
    settings = request.app[SETTINGS]
    data = await read_upload(request, settings.max_upload_bytes)
    decode = functools.partial(decode_qr, data, max_pixels=settings.max_upload_pixels,
                               max_bytes=settings.max_upload_bytes)
    try:
        texts = await asyncio.get_running_loop().run_in_executor(request.app[DECODERS], decode)
    except PhotoError as exc:
        raise Refused(exc.reason, str(exc)) from None
    if not texts:
        raise Refused("unreadable")
    texts = texts[:MAX_TEXTS]
    text = choose_text(texts, settings.mark_hosts)
    if len(text) > MAX_CODE or not text.isprintable():
        # Any QR may be in the photo; junk is answered without entering the scan caches.
        outcome = ScanOutcome(text[:MAX_CODE], Verdict.MALFORMED, "not a mark code", None,
                              None, MALFORMED, utcnow())
    else:
        outcome = await request.app[SCANS].verify(text)
    scanlog.record(request, outcome, "photo")
    return PhotoCheck(outcome, texts)


def photo_body(check: PhotoCheck, public_url: str) -> dict[str, Any]:
    """The scan answer for the code found, plus what was read from the photo."""
    body = verification_body(check.outcome, public_url)
    body["decoded"] = {"texts": check.texts, "count": len(check.texts)}
    return body


async def api_verify_photo(request: web.Request) -> web.Response:
    """``POST /api/v1/verify/photo``: the scan answer for the code in a photo."""
    try:
        check = await check_photo(request)
    except Refused as refused:
        return problem(request, refused.status, refused.title, str(refused), headers=NO_STORE)
    return json_response(photo_body(check, request.app[SETTINGS].public_url))


async def photo_form(request: web.Request) -> web.Response:
    """``GET /photo``: the upload form."""
    return render(request, "photo.html", _limits(request), headers=NO_STORE)


async def photo_submit(request: web.Request) -> web.Response:
    """``POST /photo``: the verdict page, or the reason no verdict could be given."""
    context = _limits(request)
    try:
        check = await check_photo(request)
    except Refused as refused:
        t = translator(negotiate(request))
        message = t(f"photo.error.{refused.reason}", **context)
        return render(request, "photo_result.html",
                      {**context, "error": message, "outcome": None},
                      status=refused.status, headers=NO_STORE)
    outcome = check.outcome
    code = None
    if outcome.payload is not None:
        code = extract_code(outcome.code, request.app[SETTINGS].mark_hosts)
    return render(request, "photo_result.html", {
        **context, "error": None, "outcome": outcome, "status": outcome.status,
        "certificate": outcome.certificate, "code": code, "texts": check.texts,
    }, headers=NO_STORE)


def _limits(request: web.Request) -> dict[str, str]:
    settings = request.app[SETTINGS]
    return {"mb": _number(settings.max_upload_bytes / (1 << 20)),
            "mp": _number(settings.max_upload_pixels / 1_000_000)}


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _too_many_bytes(limit: int) -> str:
    return f"the photo is larger than the limit of {limit:,} bytes"


async def _decoders(app: web.Application) -> AsyncIterator[None]:
    pool = ThreadPoolExecutor(DECODE_THREADS, thread_name_prefix="photo-decode")
    app[DECODERS] = pool
    try:
        yield
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_decoders)
    app.router.add_post("/api/v1/verify/photo", api_verify_photo)
    app.router.add_get("/photo", photo_form)
    app.router.add_post("/photo", photo_submit)

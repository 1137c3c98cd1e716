"""decode_qr over phone-like photos, bad inputs and the byte and pixel limits.

The photos are simulated with OpenCV: the rendered mark on a cardboard box, seen at
an angle on a table, blurred, colour-cast, noisy and saved as a mediocre JPEG.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from issuer import ed25519
from issuer.artwork import render_mark_png, render_qr_png
from issuer.marks import sign_mark
from issuer.payload import make_kid
from issuer.urls import mark_url
from storage.enums import Scheme
from verifier import qrdecode
from verifier.qrdecode import NotAnImage, PhotoTooLarge, decode_qr

HOST = "VERIFY.SHANGPIN.TEST"
LIMIT = 40_000_000


def phone_photo(mark_png: bytes, *, seed: int = 1, size: tuple[int, int] = (1600, 1200),
                angle: float = 6.0, blur: float = 1.4, noise: float = 7.0,
                quality: int = 60, label_scale: float = 2.0, fmt: str = ".jpg") -> bytes:
    """A photo of a printed mark on a box, taken by hand at an angle."""
    rng = np.random.default_rng(seed)
    rgb = np.asarray(Image.open(io.BytesIO(mark_png)).convert("RGB"))
    mark = cv2.resize(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), None, fx=label_scale,
                      fy=label_scale, interpolation=cv2.INTER_NEAREST).astype(np.float32)
    mh, mw = mark.shape[:2]
    # The box face: corrugated cardboard with the mark printed on a white label.
    fh, fw = mh + 360, mw + 400
    face = np.empty((fh, fw, 3), np.float32)
    face[:] = (90, 140, 190)
    face += (np.sin(np.arange(fw, dtype=np.float32) / 7.0) * 6)[None, :, None]
    face += rng.standard_normal((fh, fw, 1), dtype=np.float32) * 10
    face[180:180 + mh, 200:200 + mw] = mark
    # The table behind: a dark, striped, noisy surface.
    width, height = size
    xs = np.arange(width, dtype=np.float32)
    ys = np.arange(height, dtype=np.float32)
    table = np.empty((height, width, 3), np.float32)
    table[..., 0] = 40 + 20 * np.sin(xs / 40.0)[None, :]
    table[..., 1] = 60 + 10 * np.sin(ys / 23.0)[:, None]
    table[..., 2] = 90
    # Corners of the face as seen from above and to the left, then a tilt of the hand.
    cx, cy, hw, hh = width / 2, height / 2, width * 0.36, height * 0.36
    seen = np.array([[cx - hw * 0.92, cy - hh], [cx + hw, cy - hh * 0.82],
                     [cx + hw * 1.05, cy + hh * 0.9], [cx - hw, cy + hh]], np.float32)
    tilt = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    seen = cv2.transform(seen[None], tilt)[0].astype(np.float32)
    corners = np.array([[0, 0], [fw, 0], [fw, fh], [0, fh]], np.float32)
    warp = cv2.getPerspectiveTransform(corners, seen)
    photo = cv2.warpPerspective(face, warp, (width, height), dst=table,
                                borderMode=cv2.BORDER_TRANSPARENT)
    photo = cv2.GaussianBlur(photo, (0, 0), blur)
    # Warm light falling off to the left, sensor noise, then the camera's JPEG.
    light = (0.75 + 0.35 * xs / width)[None, :, None] * np.array([0.85, 0.95, 1.1], np.float32)
    photo = photo * light + 12
    photo += rng.standard_normal(photo.shape, dtype=np.float32) * noise
    pixels = np.clip(photo, 0, 255).astype(np.uint8)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if fmt == ".jpg" else []
    ok, encoded = cv2.imencode(fmt, pixels, params)
    assert ok
    return encoded.tobytes()


@functools.cache
def sample_url() -> str:
    """A real signed mark URL (any key will do: decoding does not verify)."""
    seed = bytes(range(32))
    kid = make_kid(ed25519.public_key_for(seed))
    code = sign_mark((kid, seed), "SP-2025-00001", dt.date(2025, 1, 1), dt.date(2028, 1, 1))
    return mark_url(HOST, code)


@functools.cache
def sample_photo(**options: object) -> bytes:
    png = render_mark_png(sample_url(), "SP-2025-00001", Scheme.SHANGPIN, dpi=300)
    return phone_photo(png, **options)  # type: ignore[arg-type]


def qr_gray() -> np.ndarray:
    png = render_qr_png(sample_url(), dpi=300)
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def encode(pixels: np.ndarray, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt, **options)
    return out.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid 1-bit PNG of huge dimensions: ~110 KB on disk, ~900 megapixels opened."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    row = bytes(1 + (width + 7) // 8)  # filter byte + packed zero pixels
    deflate = zlib.compressobj(9)
    rows_at_once = 256
    parts = [deflate.compress(row * rows_at_once) for _ in range(height // rows_at_once)]
    parts += [deflate.compress(row * (height % rows_at_once)), deflate.flush()]
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


@functools.cache
def decompression_bomb() -> bytes:
    return png_bomb()


@pytest.mark.parametrize("options", [
    {},
    {"seed": 2, "angle": -12.0, "blur": 2.0, "quality": 45},
    {"seed": 3, "angle": 90.0},  # the phone held sideways, no EXIF to say so
    {"seed": 4, "size": (3264, 2448), "label_scale": 3.5, "noise": 10.0},  # an 8 MP photo
    {"seed": 5, "fmt": ".webp"},
    {"seed": 6, "fmt": ".png", "blur": 1.0},
], ids=["phone", "blurred-tilted", "sideways", "8mp", "webp", "png"])
def test_reads_the_mark_in_a_phone_photo(options: dict[str, object]) -> None:
    assert decode_qr(sample_photo(**options), max_pixels=LIMIT) == [sample_url()]


def test_a_very_large_jpeg_is_reduced_while_decoding() -> None:
    upright = Image.open(io.BytesIO(sample_photo()))
    huge = upright.resize((4800, 3600), Image.Resampling.BILINEAR)  # 17 MP
    jpeg = encode(np.asarray(huge), "JPEG", quality=85)
    gray = qrdecode.load_gray(jpeg, max_pixels=LIMIT)
    assert max(gray.shape) <= qrdecode.WORKING_SIZE
    assert decode_qr(jpeg, max_pixels=LIMIT) == [sample_url()]


def test_exif_orientation_is_applied() -> None:
    upright = Image.open(io.BytesIO(sample_photo()))
    # What a phone writes: pixels as the sensor saw them, plus "rotate 90° clockwise".
    sensor = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    sensor.save(out, "JPEG", quality=90, exif=exif)
    gray = qrdecode.load_gray(out.getvalue(), max_pixels=LIMIT)
    assert gray.shape == (1200, 1600)  # upright again: landscape, as photographed
    reference = np.asarray(upright.convert("L"), dtype=np.float32)
    assert np.abs(gray.astype(np.float32) - reference).mean() < 8
    assert decode_qr(out.getvalue(), max_pixels=LIMIT) == [sample_url()]


def test_opencv_fallback_reads_what_zxing_cannot() -> None:
    # A low-contrast print under a strong shadow gradient: zxing's binariser gives up.
    qr = qr_gray().astype(np.float32)
    shadowed = (128 + (qr - 128) * 0.15) * np.linspace(0.4, 1.3, qr.shape[1])[None, :]
    png = encode(np.clip(shadowed, 0, 255).astype(np.uint8))
    gray = qrdecode.load_gray(png, max_pixels=LIMIT)
    assert qrdecode.decode_zxing(gray) == []
    assert qrdecode.decode_opencv(gray) == [sample_url()]
    assert decode_qr(png, max_pixels=LIMIT) == [sample_url()]


def test_opencv_fallback_reads_a_phone_photo() -> None:
    gray = qrdecode.load_gray(sample_photo(), max_pixels=LIMIT)
    assert qrdecode.decode_opencv(gray) == [sample_url()]


def test_qr_on_a_transparent_png_is_read() -> None:
    qr = qr_gray()
    rgba = np.zeros((*qr.shape, 4), np.uint8)
    rgba[..., 3] = 255 - qr  # dark modules opaque black, the rest transparent
    assert decode_qr(encode(rgba), max_pixels=LIMIT) == [sample_url()]


@pytest.mark.parametrize("pixels", [
    np.random.default_rng(7).integers(0, 256, (1200, 1600, 3), dtype=np.uint8),
    np.full((1200, 1600, 3), (200, 180, 150), np.uint8),
], ids=["noise", "plain"])
def test_a_photo_without_a_code_gives_an_empty_list(pixels: np.ndarray) -> None:
    assert decode_qr(encode(pixels, "JPEG", quality=80), max_pixels=LIMIT) == []


def test_byte_limit() -> None:
    photo = sample_photo()
    with pytest.raises(PhotoTooLarge) as refused:
        decode_qr(photo, max_pixels=LIMIT, max_bytes=len(photo) - 1)
    assert refused.value.reason == "bytes"
    assert decode_qr(photo, max_pixels=LIMIT, max_bytes=len(photo)) == [sample_url()]


def test_pixel_limit_is_checked_before_decoding() -> None:
    with pytest.raises(PhotoTooLarge, match="1600×1200 pixels") as refused:
        decode_qr(sample_photo(), max_pixels=1600 * 1200 - 1)
    assert refused.value.reason == "pixels"


@pytest.mark.parametrize("size", [(30_000, 30_000), (10_000, 10_000), (8_000, 8_000)],
                         ids=["pillow-error", "pillow-warning", "our-limit"])
def test_decompression_bombs_are_refused(size: tuple[int, int]) -> None:
    bomb = decompression_bomb() if size == (30_000, 30_000) else png_bomb(*size)
    assert len(bomb) < 200_000
    with pytest.raises(PhotoTooLarge) as refused:
        decode_qr(bomb, max_pixels=LIMIT)
    assert refused.value.reason == "pixels"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"this is a text file, not a photo\n" * 20, "format"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), "heic"),
    (b"GIF89a" + bytes(64), "format"),
], ids=["empty", "text", "heic", "gif"])
def test_non_images_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(NotAnImage) as refused:
        decode_qr(data, max_pixels=LIMIT)
    assert refused.value.reason == reason
    assert str(refused.value)


def test_a_truncated_jpeg_is_refused() -> None:
    photo = sample_photo()
    with pytest.raises(NotAnImage) as refused:
        decode_qr(photo[: len(photo) // 2], max_pixels=LIMIT)
    assert refused.value.reason == "corrupt"

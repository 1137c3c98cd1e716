"""Listing photos for the sample marketplace, drawn on demand from an ``ImageSpec``.

A photo is a product box on a photo-like background: scikit-image's bundled sample photos
when that package is installed (located on disk, not imported), else a procedural texture.
The box carries whatever the spec says (the emblem alone, the full mark with its QR code, a
bare QR label, a decoy or nothing), turned by a small angle, with a soft shadow, a slight
colour cast and sensor noise, saved as JPEG at quality 75-92.

Placements are deliberately moderate (emblems at 9-28 % of the width, full marks and QR
labels large enough for about four pixels per QR module, rotations within 12 degrees):
the marketplace tests the rules and the crawl, not the detector's limits, so every mark
it places must be found (``tests/market`` checks each one with ``crawler.detector``).

Everything random comes from the spec's own seed, so an image is the same bytes whichever
order images are requested in.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import math
import random
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import segno
from PIL import Image, ImageDraw, ImageFont

from issuer.artwork import (
    QUIET_ZONE,
    Artwork,
    mark_layout,
    qr_matrix,
    render_mark_png,
    render_qr_png,
)
from shangpin.market.catalogue import ImageSpec
from storage.enums import Scheme

SIZE = 800
JPEG = "image/jpeg"
PNG = "image/png"
ASSETS = Path(__file__).resolve().parent / "assets"
TEXT_ASSETS = ("text-tea", "text-flagship", "text-scan", "text-local", "text-weight",
               "text-quality")
#: Sample photos used as backgrounds (colour ones whole; grey ones get a tint).
PHOTOS = ("coffee.png", "chelsea.png", "astronaut.png", "rocket.jpg", "motorcycle_left.png",
          "motorcycle_right.png", "brick.png", "grass.png", "gravel.png", "camera.png")
#: Light packaging colours (RGB): the emblems are printed on light card.
FACES = ((248, 247, 242), (250, 244, 228), (232, 226, 214), (236, 236, 236), (226, 236, 244),
         (244, 232, 236), (238, 242, 228), (255, 255, 255))
#: Colours of the harmless graphics on plain boxes: neither the emblems' red nor their blue.
GRAPHIC_COLOURS = ((40, 140, 80), (230, 150, 30), (120, 80, 160), (60, 60, 60), (150, 110, 70))
LATIN_WORDS = ("PREMIUM", "NET WT 500g", "MADE IN SHANGHAI", "GIFT BOX", "SINCE 1932",
               "HANDMADE", "NO. 8", "CLASSIC")
#: The header of a PNG claiming this many pixels a side, and nothing behind it.
BOMB_SIDE = 30_000
FloatImage = npt.NDArray[np.float32]
Rgba = npt.NDArray[np.uint8]


def render(spec: ImageSpec, artwork: Artwork | None = None) -> tuple[bytes, str]:
    """The image's bytes and content type."""
    if spec.recipe == "empty":
        return b"", JPEG
    if spec.recipe == "bomb":
        return decompression_bomb(), PNG
    rng = random.Random(spec.seed)
    art = artwork or Artwork.default()
    if spec.recipe == "corrupt":
        whole = _photo_jpeg(rng, None)
        return whole[: len(whole) * 45 // 100], JPEG  # cut mid-scan: no end-of-image marker
    item: Rgba | None = None
    if spec.recipe == "emblem":
        assert spec.scheme is not None
        item = _emblem(art, spec.scheme.value, rng.uniform(0.09, 0.28) * SIZE)
        angle = rng.uniform(-12, 12)
    elif spec.recipe == "mark":
        assert spec.scheme is not None and spec.qr_text and spec.number
        item = _full_mark(spec.qr_text, spec.number, spec.scheme.value, art,
                          rng.uniform(0.22, 0.28) * SIZE)
        angle = rng.uniform(-6, 6)
    elif spec.recipe == "qr":
        assert spec.qr_text
        item = _qr_label(spec.qr_text, rng.uniform(0.22, 0.28) * SIZE)
        angle = rng.uniform(-6, 6)
    elif spec.recipe == "decoy":
        item, angle = _decoy(spec, rng)
    elif spec.recipe == "photo":
        angle = rng.uniform(-12, 12)
    else:
        raise ValueError(f"unknown image recipe {spec.recipe!r}")
    return _photo_jpeg(rng, item, angle), JPEG


def decompression_bomb() -> bytes:
    """A PNG whose header claims 30000 x 30000 pixels: tiny on the wire, 2.7 GB if decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * BOMB_SIDE) * 4, 9)  # four rows; the rest missing
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(
        b"IEND", b"")


# ---------------------------------------------------------------- what is printed on the box


def _resize(rgba: Rgba, width: float) -> Rgba:
    w = max(2, round(width))
    h = max(2, round(rgba.shape[0] * w / rgba.shape[1]))
    return np.asarray(cv2.resize(rgba, (w, h), interpolation=cv2.INTER_AREA), np.uint8)


@functools.lru_cache(maxsize=4)
def _emblem_rgba(art: Artwork, scheme: str) -> Rgba:
    return np.asarray(art.emblem(Scheme(scheme)).image)


def _emblem(art: Artwork, scheme: str, width: float) -> Rgba:
    return _resize(_emblem_rgba(art, scheme), width)


def _full_mark(url: str, number: str, scheme: str, art: Artwork, emblem_width: float) -> Rgba:
    """The whole mark (emblem, QR, number, caption) sized so the emblem spans the width given.

    In the mark the emblem and the QR symbol are the same number of modules across, so the
    QR gets the same pixels per module as the emblem's width allows.
    """
    png = render_mark_png(url, number, Scheme(scheme), dpi=385, artwork=art)  # 5 px a module
    with Image.open(io.BytesIO(png)) as im:
        rgba = np.asarray(im.convert("RGBA"))
    layout = mark_layout(len(qr_matrix(url)))
    return _resize(rgba, emblem_width * layout.width / layout.emblem.w)


def _qr_label(text: str, symbol_width: float) -> Rgba:
    """A mark's bare QR code as a printed label (white, with its quiet zone)."""
    png = render_qr_png(text, dpi=600)
    with Image.open(io.BytesIO(png)) as im:
        rgba = np.asarray(im.convert("RGBA"))
    modules = len(qr_matrix(text))
    return _resize(rgba, symbol_width * (modules + 2 * QUIET_ZONE) / modules)


def _plain_qr(text: str, symbol_width: float) -> Rgba:
    """Any other QR code (a shop link), drawn from its module matrix."""
    qr = segno.make(text, error="m")
    matrix = np.pad(np.array([[bool(v) for v in row] for row in qr.matrix]), 4)
    grey = np.where(matrix, 0, 255).astype(np.uint8)
    big = np.repeat(np.repeat(grey, 8, axis=0), 8, axis=1)  # crisp modules before scaling
    rgba = np.dstack([big, big, big, np.full_like(big, 255)])
    return _resize(rgba, symbol_width)


@functools.lru_cache(maxsize=32)
def _asset(name: str) -> Rgba:
    with Image.open(ASSETS / f"{name}.png") as im:
        return np.asarray(im.convert("RGBA"))


def _decoy(spec: ImageSpec, rng: random.Random) -> tuple[Rgba, float]:
    angle = rng.uniform(-12, 12)
    if spec.decoy == "shop-qr":
        assert spec.qr_text
        return _plain_qr(spec.qr_text, rng.uniform(0.2, 0.26) * SIZE), rng.uniform(-6, 6)
    if spec.decoy == "text":
        lines = [_ink(_asset(rng.choice(TEXT_ASSETS)), rng) for _ in range(rng.randint(1, 3))]
        height = rng.uniform(0.045, 0.075) * SIZE
        scaled = [_resize(line, height * line.shape[1] / line.shape[0]) for line in lines]
        width = max(s.shape[1] for s in scaled)
        block = np.zeros((sum(s.shape[0] for s in scaled) + 10 * len(scaled), width, 4),
                         np.uint8)
        y = 0
        for s in scaled:
            block[y : y + s.shape[0], : s.shape[1]] = s
            y += s.shape[0] + 10
        return block, angle
    assert spec.decoy is not None
    return _resize(_asset(spec.decoy), rng.uniform(0.12, 0.28) * SIZE), angle


def _ink(strip: Rgba, rng: random.Random) -> Rgba:
    """A black text strip printed in one of the usual inks (including the emblem's red)."""
    out = strip.copy()
    out[..., :3] = rng.choice(((25, 25, 25), (180, 20, 40), (20, 60, 120)))
    return out


# ---------------------------------------------------------------- the box and the photo


def _photo_jpeg(rng: random.Random, item: Rgba | None, angle: float = 0.0) -> bytes:
    scene, tint = _background(rng)
    _place(scene, _box(item, rng), angle, rng)
    # A colour cast (and a grey photo's tinted light) as one lookup per channel, then grain.
    gains = [tint[c] * rng.uniform(0.94, 1.06) for c in range(3)]
    levels = np.arange(256, dtype=np.float32)
    lut = np.stack([np.clip(levels * g, 0, 255) for g in gains], axis=1).astype(np.uint8)
    scene = np.asarray(cv2.LUT(scene, lut.reshape(256, 1, 3)), np.uint8)
    oy, ox = rng.randrange(GRAIN_SIDE - SIZE), rng.randrange(GRAIN_SIDE - SIZE)
    grained = scene.astype(np.int16) + _grain()[oy : oy + SIZE, ox : ox + SIZE]
    rgb = np.clip(grained, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, rng.randint(75, 92)])
    if not ok:  # pragma: no cover - OpenCV always encodes an 8-bit image
        raise RuntimeError("JPEG encoding failed")
    return jpeg.tobytes()


GRAIN_SIDE = 1024


@functools.cache
def _grain() -> npt.NDArray[np.int16]:
    """Sensor noise (sigma 2 grey levels), made once; each photo takes a shifted window."""
    field = np.random.default_rng(20_240_601).normal(0, 2.0, (GRAIN_SIDE, GRAIN_SIDE, 3))
    return np.round(field).astype(np.int16)


@functools.cache
def _photo_dir() -> Path | None:
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data"
    return path if path.is_dir() else None


@functools.lru_cache(maxsize=len(PHOTOS))
def _sample_photo(name: str) -> tuple[npt.NDArray[np.uint8], bool] | None:
    """The photo as RGB, and whether it is a grey one."""
    base = _photo_dir()
    if base is None or not (base / name).is_file():
        return None
    with Image.open(base / name) as im:
        grey = im.mode in ("L", "LA", "I", "I;16")
        return np.asarray(im.convert("RGB")), grey


def _background(rng: random.Random) -> tuple[npt.NDArray[np.uint8], tuple[float, float, float]]:
    """A crop of a sample photo (or a procedural table top), and the light's tint."""
    found = _sample_photo(rng.choice(PHOTOS))
    if found is None:
        return _procedural(rng), (1.0, 1.0, 1.0)
    photo, grey = found
    h, w = photo.shape[:2]
    side = int(min(h, w) * rng.uniform(0.55, 1.0))
    y, x = rng.randint(0, h - side), rng.randint(0, w - side)
    crop = photo[y : y + side, x : x + side]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    scene = np.asarray(
        cv2.resize(np.ascontiguousarray(crop), (SIZE, SIZE), interpolation=cv2.INTER_LINEAR),
        np.uint8)
    if grey:  # tint it like a room's light
        r, g, b = rng.uniform(0.85, 1.05), rng.uniform(0.85, 1.05), rng.uniform(0.85, 1.05)
        return scene, (r, g, b)
    return scene, (1.0, 1.0, 1.0)


def _procedural(rng: random.Random) -> npt.NDArray[np.uint8]:
    """A table top, roughly: a gradient between two muted colours, blotches and grain."""
    noise = np.random.default_rng(rng.getrandbits(64))
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / SIZE
    a = np.array([rng.uniform(60, 200) for _ in range(3)], np.float32)
    b = np.array([rng.uniform(60, 200) for _ in range(3)], np.float32)
    t = (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))[..., None]
    t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
    blotches = cv2.resize(noise.normal(0, 20, (6, 6, 3)).astype(np.float32), (SIZE, SIZE))
    out = a + (b - a) * t + blotches + noise.normal(0, 6, (SIZE, SIZE, 3)).astype(np.float32)
    return np.asarray(np.clip(out, 0, 255), np.uint8)


def _box(item: Rgba | None, rng: random.Random) -> Rgba:
    """A light box face with the item printed on it, a line or two of text and some graphics."""
    unit = item.shape[1] if item is not None else rng.uniform(0.15, 0.3) * SIZE
    margin = unit * rng.uniform(0.18, 0.35) if item is not None else unit * 0.3
    item_w = item.shape[1] if item is not None else int(unit)
    item_h = item.shape[0] if item is not None else int(unit)
    band = max(24, int(unit * 0.3))
    w = int(min(item_w + 2 * margin + rng.uniform(0, 0.5) * unit, SIZE * 0.84))
    w = max(w, item_w + 8)
    h = int(min(item_h + 2 * margin + band, SIZE * 0.84))
    h = max(h, item_h + 8)
    colour = np.array(rng.choice(FACES), np.float32)
    shade = np.linspace(rng.uniform(0.9, 1.0), rng.uniform(0.95, 1.03), w, dtype=np.float32)
    face = np.empty((h, w, 3), np.float32)
    face[:] = colour * shade[None, :, None]
    x0 = int(min(margin, w - item_w))
    y0 = int(min(margin, h - item_h))
    if item is None:
        _graphic(face, x0, y0, item_w, item_h, rng)
    else:
        _composite(face, item, x0, y0)
    _print_text(face, x0, y0 + item_h + 4, rng)
    return np.dstack([np.clip(face, 0, 255).astype(np.uint8), np.full((h, w), 255, np.uint8)])


def _graphic(face: FloatImage, x: int, y: int, w: int, h: int, rng: random.Random) -> None:
    """What a plain box shows where a mark could be: a product drawing in harmless colours."""
    pil = Image.fromarray(np.clip(face, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pil)
    colour = rng.choice(GRAPHIC_COLOURS)
    kind = rng.randrange(3)
    if kind == 0:
        draw.rounded_rectangle((x, y + h * 0.2, x + w * 0.8, y + h * 0.9), radius=int(w * 0.08),
                               fill=colour)
    elif kind == 1:
        draw.ellipse((x, y, x + w * 0.8, y + h * 0.8), outline=colour, width=max(3, w // 20))
    else:
        for i in range(4):
            draw.line((x, y + h * (0.2 + 0.2 * i), x + w * 0.9, y + h * (0.1 + 0.2 * i)),
                      fill=colour, width=max(3, w // 25))
    face[:] = np.asarray(pil, np.float32)


def _print_text(face: FloatImage, x: int, y: int, rng: random.Random) -> None:
    """A Chinese line (sometimes) and a Latin word under the item, inside the face."""
    h, w = face.shape[:2]
    room = h - y - 4
    if room < 12:
        return
    if rng.random() < 0.6:
        strip = _ink(_asset(rng.choice(TEXT_ASSETS)), rng)
        line_h = min(room, max(12, int(w * rng.uniform(0.045, 0.07))))
        scaled = _resize(strip, line_h * strip.shape[1] / strip.shape[0])
        if scaled.shape[1] > w - x - 4:
            scaled = _resize(strip, max(8, w - x - 4))
        if scaled.shape[0] <= room:
            _composite(face, scaled, x, y)
            y += scaled.shape[0] + 2
            room = h - y - 4
    if room >= 10:
        pil = Image.fromarray(np.clip(face, 0, 255).astype(np.uint8))
        size = max(9, min(room, int(w * 0.04)))
        ImageDraw.Draw(pil).text((x, y), rng.choice(LATIN_WORDS), fill=(40, 40, 40),
                                 font=_latin_font(size))
        face[:] = np.asarray(pil, np.float32)


@functools.lru_cache(maxsize=64)
def _latin_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _composite(face: FloatImage, item: Rgba, x: int, y: int) -> None:
    h = min(item.shape[0], face.shape[0] - y)
    w = min(item.shape[1], face.shape[1] - x)
    if h <= 0 or w <= 0:
        return
    part = item[:h, :w].astype(np.float32)
    alpha = part[..., 3:4] / 255.0
    face[y : y + h, x : x + w] = face[y : y + h, x : x + w] * (1 - alpha) + part[..., :3] * alpha


def _place(scene: npt.NDArray[np.uint8], box: Rgba, angle: float, rng: random.Random) -> None:
    """Turn the box by ``angle`` degrees and set it down, whole, with a soft shadow.

    Only the region around the box is touched, in floating point: most of a photo is
    background, and converting all of it would double the cost of an image.
    """
    h, w = box.shape[:2]
    rad = math.radians(angle)
    bw = abs(w * math.cos(rad)) + abs(h * math.sin(rad))
    bh = abs(w * math.sin(rad)) + abs(h * math.cos(rad))
    cx = rng.uniform(bw / 2 + 4, max(bw / 2 + 4, SIZE - bw / 2 - 4))
    cy = rng.uniform(bh / 2 + 4, max(bh / 2 + 4, SIZE - bh / 2 - 4))
    pad = 28  # room for the shadow's offset and blur
    x0, y0 = max(0, int(cx - bw / 2) - pad), max(0, int(cy - bh / 2) - pad)
    x1, y1 = min(SIZE, int(cx + bw / 2) + pad + 1), min(SIZE, int(cy + bh / 2) + pad + 1)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    matrix[:, 2] += (cx - w / 2 - x0, cy - h / 2 - y0)
    warped = cv2.warpAffine(box, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3].astype(np.float32) / 255.0
    shadow = np.zeros_like(alpha)
    shadow[10:, 6:] = alpha[:-10, :-6]
    shadow = cv2.GaussianBlur(shadow, (0, 0), 7)
    roi = scene[y0:y1, x0:x1].astype(np.float32)
    roi *= (1 - 0.4 * shadow)[..., None]
    a = alpha[..., None]
    roi = roi * (1 - a) + warped[..., :3].astype(np.float32) * a
    scene[y0:y1, x0:x1] = np.clip(roi, 0, 255).astype(np.uint8)

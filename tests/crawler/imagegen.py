"""Synthetic listing photos for the detector's tests and benchmark, deterministic from a seed.

A scene is a photo-like background with one or two product boxes photographed at an angle.
A box face may carry the emblem (alone, or inside the full mark with its QR code), decoys
(look-alike seals, other badges, other QR codes, lines of Chinese text) and is then put
through what a listing photo does: scale, rotation, perspective, occlusion, colour and
brightness shifts, noise, blur and JPEG compression.

Every choice is written into a ``Spec`` first, so a test can pin one transformation
(``Spec(mark="shangpin", rotation=30)``) and the bench can draw them all at random
(``random_spec(rng, positive=True)``). The truth (which mark, where, which QR text) comes
back with the image.

Backgrounds are scikit-image's bundled sample photos when it is installed, else procedural
textures. Decoy artwork and text are PNGs in ``assets/`` (made once by
``assets/make_assets.py``), so no CJK font is needed here.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import segno
from PIL import Image, ImageDraw, ImageFont

from issuer import ed25519
from issuer.artwork import ASSET_DIR, mark_layout, qr_matrix, render_mark_png
from issuer.marks import sign_payload
from issuer.payload import MarkPayload, make_kid
from issuer.urls import mark_url
from issuer.verification import PublicKey
from storage.enums import KeyState, Scheme

ASSETS = Path(__file__).resolve().parent / "assets"
HOST = "SHANGPIN.EXAMPLE"
MARKS = ("shangpin", "cultivation")
_EMBLEM_FILES = {"shangpin": "emblem-shangpin.png", "cultivation": "emblem-cultivation.png"}

#: Colour photos used whole as backgrounds; grey ones get a tint.
_PHOTOS = (
    "astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "hubble_deep_field.jpg",
    "motorcycle_left.png", "motorcycle_right.png", "retina.jpg", "ihc.png", "color.png",
    "brick.png", "camera.png", "grass.png", "gravel.png", "coins.png", "moon.png", "cell.png",
)
#: Box face colours (RGB): packaging is often white or kraft, sometimes strongly coloured.
_FACES = (
    (245, 245, 240), (250, 246, 232), (196, 160, 118), (220, 220, 220), (40, 40, 44),
    (30, 70, 50), (200, 30, 40), (20, 60, 130), (250, 220, 120), (235, 190, 200),
    (170, 210, 230), (120, 40, 90), (255, 255, 255), (90, 60, 40),
)
DECOY_KINDS = ("lookalike", "seal", "badge", "logo", "text", "qr", "blob")


@dataclass(frozen=True)
class Spec:
    """Everything that decides one image; ``None`` where a feature is absent."""

    mark: str | None = None  # "shangpin", "cultivation" or None (a negative)
    full_mark: bool = False  # the whole mark (emblem + QR + number + caption)
    scale: float = 0.2  # emblem width as a fraction of the image width
    rotation: float = 0.0  # degrees, in the image plane
    tilt: tuple[float, float] = (0.0, 0.0)  # degrees about the x and y axes (perspective)
    jpeg_quality: int = 90
    blur: float = 0.0  # Gaussian sigma, pixels
    noise: float = 2.0  # Gaussian sigma, grey levels
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)  # per-channel colour shift
    gamma: float = 1.0  # brightness: < 1 brighter, > 1 darker
    occlusion: float = 0.0  # share of the emblem's area covered
    occluder: str = "finger"  # "finger", "sticker", "product"
    background: int = 0  # index into the background list
    face: int = 0  # index into _FACES
    decoys: tuple[str, ...] = ()  # names from DECOY_KINDS or decoy files (without .png)
    decoy_scale: float = 0.2
    text_lines: int = 2
    size: int = 800


@dataclass
class Truth:
    mark: str
    quad: np.ndarray  # 4 x 2 float, the emblem's corners TL, TR, BR, BL in image pixels
    full_mark: bool = False


@dataclass
class Sample:
    spec: Spec
    jpeg: bytes
    rgb: np.ndarray = field(repr=False)
    marks: list[Truth] = field(default_factory=list)
    qr_texts: list[str] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)

    @property
    def positive(self) -> bool:
        return bool(self.marks)


# ---------------------------------------------------------------- random specs


def random_spec(rng: np.random.Generator, *, positive: bool, size: int = 800) -> Spec:
    """A spec drawn over the whole range the detector must handle."""
    decoys: list[str] = []
    if positive:
        if rng.random() < 0.25:
            decoys.append(str(rng.choice(DECOY_KINDS)))
    else:
        decoys.append(str(rng.choice(DECOY_KINDS)))
        if rng.random() < 0.5:
            decoys.append(str(rng.choice(DECOY_KINDS)))
    occluded = rng.random() < 0.25
    return Spec(
        mark=str(rng.choice(MARKS)) if positive else None,
        full_mark=bool(rng.random() < 0.4),
        scale=float(rng.uniform(0.05, 0.40)),
        rotation=float(rng.uniform(-30, 30)),
        tilt=(float(rng.uniform(-35, 35)), float(rng.uniform(-35, 35))),
        jpeg_quality=int(rng.integers(35, 96)),
        blur=float(rng.choice([0.0, rng.uniform(0.3, 1.5)])),
        noise=float(rng.uniform(0, 6)),
        gains=tuple(float(g) for g in rng.uniform(0.8, 1.2, 3)),  # type: ignore[arg-type]
        gamma=float(np.exp(rng.uniform(-0.4, 0.4))),
        occlusion=float(rng.uniform(0.05, 0.25)) if occluded else 0.0,
        occluder=str(rng.choice(["finger", "sticker", "product"])),
        background=int(rng.integers(0, 1000)),
        face=int(rng.integers(0, len(_FACES))),
        decoys=tuple(decoys),
        decoy_scale=float(rng.uniform(0.05, 0.40)),
        text_lines=int(rng.integers(0, 4)),
        size=size,
    )


def generate(seed: int, count: int, *, positive: bool, size: int = 800) -> list[Sample]:
    """``count`` images from one seed: the same seed gives the same images, byte for byte."""
    out = []
    for i in range(count):
        rng = np.random.default_rng([seed, i, int(positive)])
        out.append(render(random_spec(rng, positive=positive, size=size), rng))
    return out


# ---------------------------------------------------------------- assets


@functools.cache
def _rgba(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA"))


def emblem_rgba(mark: str) -> np.ndarray:
    return _rgba(ASSET_DIR / _EMBLEM_FILES[mark])


@functools.cache
def decoy_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (ASSETS / "decoys").glob("*.png")))


@functools.cache
def text_strips() -> tuple[np.ndarray, ...]:
    return tuple(_rgba(p) for p in sorted((ASSETS / "text").glob("*.png")))


@functools.cache
def _photo_dir() -> Path | None:
    try:
        import skimage.data
    except ImportError:
        return None
    return Path(skimage.data.data_dir)


@functools.cache
def _photo(name: str) -> np.ndarray | None:
    base = _photo_dir()
    if base is None or not (base / name).is_file():
        return None
    with Image.open(base / name) as im:
        return np.asarray(im.convert("RGB"))


@functools.cache
def signing_key() -> tuple[ed25519.Signer, str]:
    """A fixed test key: the same codes in every run, so generated sets are reproducible."""
    seed = bytes(range(32))
    signer = ed25519.Signer(seed)
    return signer, make_kid(signer.public_key)


def public_keys() -> dict[str, PublicKey]:
    signer, kid = signing_key()
    return {kid: PublicKey(kid, signer.public_key, KeyState.ACTIVE)}


def mark_code_url(number: str) -> str:
    signer, kid = signing_key()
    payload = MarkPayload(kid, number, dt.date(2026, 1, 1), dt.date(2028, 12, 31), None)
    return mark_url(HOST, sign_payload(signer, payload))


@functools.lru_cache(maxsize=16)
def full_mark(mark: str, number: str) -> tuple[np.ndarray, tuple[int, int, int, int], str]:
    """The rendered mark (RGBA), the emblem's box in it (x, y, w, h) and its QR text."""
    url = mark_code_url(number)
    png = render_mark_png(url, number, Scheme(mark), dpi=300)
    with Image.open(io.BytesIO(png)) as im:
        rgba = np.asarray(im.convert("RGBA"))
    layout = mark_layout(len(qr_matrix(url)))
    ppm = rgba.shape[1] // layout.width
    e = layout.emblem
    return rgba, (e.x * ppm, e.y * ppm, e.w * ppm, e.h * ppm), url


# ---------------------------------------------------------------- drawing helpers


def _paste(dst: np.ndarray, src: np.ndarray, x: int, y: int, w: int, h: int) -> None:
    """Alpha-composite ``src`` (RGBA) resized to w x h at (x, y) onto ``dst`` (RGB float)."""
    if w < 2 or h < 2:
        return
    small = cv2.resize(src, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, dst.shape[1]), min(y + h, dst.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    part = small[y0 - y : y1 - y, x0 - x : x1 - x]
    a = part[..., 3:4] / 255.0
    dst[y0:y1, x0:x1] = dst[y0:y1, x0:x1] * (1 - a) + part[..., :3] * a


def _background(spec: Spec, rng: np.random.Generator) -> np.ndarray:
    n = spec.size
    photo = _photo(_PHOTOS[spec.background % len(_PHOTOS)])
    if photo is None:
        return _procedural(n, rng)
    h, w = photo.shape[:2]
    side = int(min(h, w) * rng.uniform(0.5, 1.0))
    y = int(rng.integers(0, h - side + 1))
    x = int(rng.integers(0, w - side + 1))
    crop = photo[y : y + side, x : x + side]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    out = cv2.resize(crop, (n, n), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    if np.allclose(out[..., 0], out[..., 1]):  # a grey photo: tint it like a room's light
        out *= rng.uniform(0.7, 1.1, 3).astype(np.float32)
    return out


def _procedural(n: int, rng: np.random.Generator) -> np.ndarray:
    """Gradient, blotches and fine noise: a table top or a wall, roughly."""
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n
    a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    t = (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))[..., None]
    out = a + (b - a) * (t - t.min()) / max(float(np.ptp(t)), 1e-6)
    low = cv2.resize(rng.normal(0, 30, (8, 8, 3)).astype(np.float32), (n, n))
    return (out + low + rng.normal(0, 8, (n, n, 3))).astype(np.float32)


def _latin(draw: ImageDraw.ImageDraw, rng: np.random.Generator, w: int, h: int,
           ink: tuple[int, int, int], keep_clear: tuple[float, float, float, float]) -> None:
    """A few Latin words anywhere on the face except over the mark (occlusion is separate)."""
    words = ["PREMIUM", "ORGANIC", "NET WT 500g", "MADE IN SHANGHAI", "BEST BEFORE", "TEA",
             "COTTON", "GIFT BOX", "NO. 8", "SINCE 1925"]
    kx0, ky0, kx1, ky1 = keep_clear
    for _ in range(int(rng.integers(1, 4))):
        size = int(max(8, h * rng.uniform(0.04, 0.09)))
        font = ImageFont.load_default(size=size)
        word = str(rng.choice(words))
        for _try in range(6):
            x, y = float(rng.uniform(0, w * 0.7)), float(rng.uniform(0, h * 0.9))
            x0, y0, x1, y1 = draw.textbbox((x, y), word, font=font)
            if x1 < kx0 or x0 > kx1 or y1 < ky0 or y0 > ky1:
                draw.text((x, y), word, fill=ink, font=font)
                break


def _near(c1: Sequence[int], c2: Sequence[int]) -> bool:
    hsv = cv2.cvtColor(np.array([[c1, c2]], dtype=np.uint8), cv2.COLOR_RGB2HSV)[0].astype(int)
    dh = min(abs(hsv[0, 0] - hsv[1, 0]), 180 - abs(hsv[0, 0] - hsv[1, 0]))
    return bool(dh < 15 and hsv[0, 1] > 90 and hsv[1, 1] > 90)


def _other_qr(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A QR code that is not a mark: a shop link, a WeChat-like URL or plain text."""
    texts = ["https://shop.example.com/item/", "HTTPS://WX.EXAMPLE/Q/", "TEL:021-", "SN-"]
    text = str(rng.choice(texts)) + "".join(str(d) for d in rng.integers(0, 10, 12))
    qr = segno.make(text, error="m")
    matrix = np.array([[bool(v) for v in row] for row in qr.matrix], dtype=bool)
    matrix = np.pad(matrix, 4)
    img = np.where(matrix, 0, 255).astype(np.uint8)
    rgba = np.dstack([img, img, img, np.full_like(img, 255)])
    return cv2.resize(rgba, (rgba.shape[1] * 8, rgba.shape[0] * 8),
                      interpolation=cv2.INTER_NEAREST), text


def _logo(rng: np.random.Generator) -> np.ndarray:
    """A procedural logo: discs, rings, stars and bars in saturated colours, incl. red/blue."""
    n = 256
    im = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    colours = [(200, 16, 46), (10, 74, 140), (230, 120, 0), (20, 140, 60), (0, 0, 0)]
    c = colours[int(rng.integers(0, len(colours)))]
    kind = int(rng.integers(0, 4))
    if kind == 0:  # target: concentric rings
        for i, r in enumerate(range(124, 10, -24)):
            d.ellipse((128 - r, 128 - r, 128 + r, 128 + r), fill=c if i % 2 == 0 else "white")
    elif kind == 1:  # disc with a white star
        d.ellipse((4, 4, 252, 252), fill=c)
        pts = [(128 + 90 * math.sin(math.pi * i / 5) * (1 if i % 2 == 0 else 0.4),
                128 - 90 * math.cos(math.pi * i / 5) * (1 if i % 2 == 0 else 0.4))
               for i in range(10)]
        d.polygon(pts, fill="white")
    elif kind == 2:  # rounded square with white bars
        d.rounded_rectangle((4, 4, 252, 252), radius=34, fill=c)
        for i in range(3):
            d.rectangle((50, 60 + 50 * i, 206, 84 + 50 * i), fill="white")
    else:  # disc with a white ring and a white letter-like block
        d.ellipse((4, 4, 252, 252), fill=c)
        d.ellipse((24, 24, 232, 232), outline="white", width=8)
        d.rectangle((90, 70, 166, 100), fill="white")
        d.rectangle((113, 70, 143, 190), fill="white")
    return np.asarray(im)


@functools.cache
def _skimage_logo() -> np.ndarray | None:
    base = _photo_dir()
    if base is None or not (base / "logo.png").is_file():
        return None
    with Image.open(base / "logo.png") as im:
        return np.asarray(im.convert("RGBA"))


def _decoy_art(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, str, str | None]:
    """(RGBA artwork, its name, QR text if it is a QR code) for a decoy kind or file name."""
    names = decoy_names()
    if kind in names:
        return _rgba(ASSETS / "decoys" / f"{kind}.png"), kind, None
    if kind == "lookalike":
        pick = [n for n in names if n.startswith("lookalike")]
        name = str(rng.choice(pick))
        return _rgba(ASSETS / "decoys" / f"{name}.png"), name, None
    if kind == "seal":
        pick = [n for n in names if n.startswith("seal")]
        name = str(rng.choice(pick))
        return _rgba(ASSETS / "decoys" / f"{name}.png"), name, None
    if kind == "badge":
        pick = [n for n in names if n.startswith(("badge", "square"))]
        name = str(rng.choice(pick))
        return _rgba(ASSETS / "decoys" / f"{name}.png"), name, None
    if kind == "logo":
        sk = _skimage_logo()
        if sk is not None and rng.random() < 0.3:
            return sk, "skimage-logo", None
        return _logo(rng), "procedural-logo", None
    if kind == "qr":
        art, text = _other_qr(rng)
        return art, "other-qr", text
    if kind == "blob":  # a plain red or blue disc or rounded square: colour without content
        n = 256
        im = Image.new("RGBA", (n, n), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        colour = (200, 16, 46) if rng.random() < 0.5 else (10, 74, 140)
        if rng.random() < 0.5:
            d.ellipse((2, 2, n - 2, n - 2), fill=colour)
            d.ellipse((20, 20, n - 20, n - 20), outline="white", width=5)
        else:
            d.rounded_rectangle((2, 2, n - 2, n - 2), radius=32, fill=colour)
            d.rounded_rectangle((14, 14, n - 14, n - 14), radius=26, outline="white", width=4)
        return np.asarray(im), "blob", None
    if kind == "text":
        strips = text_strips()
        i = int(rng.integers(0, len(strips)))
        return strips[i], f"text-{i:02d}", None
    raise ValueError(f"unknown decoy kind {kind!r}")


# ---------------------------------------------------------------- geometry


def _camera(spec: Spec, face_w: float, face_h: float, anchor: tuple[float, float],
            target_w: float, ref_w: float, rng: np.random.Generator) -> np.ndarray:
    """Homography from face pixels to image pixels: rotate the face plane in 3-D, project,
    then scale and move it so that ``ref_w`` face pixels span ``target_w`` image pixels and the
    face point ``anchor`` lands at a random place where the emblem stays in the picture."""
    ax, ay = math.radians(spec.tilt[0]), math.radians(spec.tilt[1])
    rz = math.radians(spec.rotation)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    r = ry @ rx
    f = 1.2 * max(face_w, face_h)  # a normal lens, the box filling a good part of the view
    dist = 1.6 * max(face_w, face_h)
    # Face point (u, v) -> 3-D (u - cx, v - cy, 0) -> rotated -> camera at z = dist.
    cx, cy = anchor
    t = np.array([0.0, 0.0, dist])
    k = np.array([[f, 0, 0], [0, f, 0], [0, 0, 1.0]])
    m = k @ np.column_stack([r[:, 0], r[:, 1], t]) @ np.array(
        [[1, 0, -cx], [0, 1, -cy], [0, 0, 1.0]]
    )
    # Scale so the emblem's projected width matches the target, rotate in-plane, place.
    probe = np.array([[cx - ref_w / 2, cy], [cx + ref_w / 2, cy]], dtype=np.float64)
    p = cv2.perspectiveTransform(probe[None], m)[0]
    s = target_w / max(float(np.linalg.norm(p[1] - p[0])), 1e-6)
    cos, sin = math.cos(rz) * s, math.sin(rz) * s
    n = spec.size
    half = target_w * 0.55
    px = float(rng.uniform(half, n - half)) if n - 2 * half > 0 else n / 2
    py = float(rng.uniform(half, n - half)) if n - 2 * half > 0 else n / 2
    sim = np.array([[cos, -sin, px], [sin, cos, py], [0, 0, 1.0]])
    return sim @ m


def _warp_face(scene: np.ndarray, face: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Composite an RGBA face into the scene through homography ``h``; returns the mask."""
    n = scene.shape[0]
    # Pre-blur by the local shrink factor so downscaling does not alias (as a lens would not).
    scale = math.sqrt(abs(np.linalg.det(h[:2, :2] / h[2, 2]))) if h[2, 2] else 1.0
    if scale < 0.8:
        sigma = 0.45 / max(scale, 0.05)
        face = cv2.GaussianBlur(face, (0, 0), sigma)
    warped = cv2.warpPerspective(face, h, (n, n), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    a = warped[..., 3:4].astype(np.float32) / 255.0
    scene[:] = scene * (1 - a) + warped[..., :3].astype(np.float32) * a
    return warped[..., 3]


# ---------------------------------------------------------------- scene


def render(spec: Spec, rng: np.random.Generator | None = None) -> Sample:
    """Draw one listing image as ``spec`` says; ``rng`` decides the rest (placement, text)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    scene = _background(spec, rng)
    truths: list[Truth] = []
    qr_texts: list[str] = []
    decoy_names_used: list[str] = []

    decoys = list(spec.decoys)
    beside: list[str] = []
    if spec.mark is not None and decoys and rng.random() < 0.5:
        beside, decoys = decoys[:1], decoys[1:]  # printed on the same box as the mark
    # Decoy boxes first, so that they never hide the mark: its box is photographed last.
    decoy_scale = spec.decoy_scale
    for kind in decoys:
        sub = replace(spec, scale=decoy_scale, occlusion=0.0,
                      face=int(rng.integers(0, len(_FACES))))
        _, texts, names = _product(scene, sub, rng, mark=None, extra=[kind])
        qr_texts += texts
        decoy_names_used += names
        decoy_scale = float(rng.uniform(0.05, 0.4))
    if spec.mark is not None:
        truth, texts, names = _product(scene, spec, rng, mark=spec.mark, extra=beside)
        truths += truth
        qr_texts += texts
        decoy_names_used += names

    rgb = _photometric(scene, spec, rng)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, int(spec.jpeg_quality)])
    assert ok
    return Sample(spec, buf.tobytes(), rgb, truths, qr_texts, decoy_names_used)


def _product(scene: np.ndarray, spec: Spec, rng: np.random.Generator, *, mark: str | None,
             extra: list[str]) -> tuple[list[Truth], list[str], list[str]]:
    """One box face with the mark and/or decoys, photographed into the scene."""
    n = spec.size
    target_w = spec.scale * n
    # The face is drawn about 1.5 times its size in the photo, so text and edges stay crisp.
    unit = max(64, int(target_w * 1.5))  # face pixels per emblem width
    qr_texts: list[str] = []
    names: list[str] = []
    face_rgb = np.array(_FACES[spec.face % len(_FACES)], dtype=np.float32)

    if mark is not None and spec.full_mark:
        art, (ex, ey, ew, eh), url = full_mark(mark, f"SP-2026-{int(rng.integers(1, 13)):05d}")
        k = unit / ew
        art_w, art_h = int(art.shape[1] * k), int(art.shape[0] * k)
        emblem_box = (ex * k, ey * k, ew * k, eh * k)
        qr_texts.append(url)
    elif mark is not None:
        art = emblem_rgba(mark)
        art_w = art_h = unit
        emblem_box = (0.0, 0.0, float(unit), float(unit))
    else:
        art, art_w, art_h, emblem_box = None, unit, unit, (0.0, 0.0, float(unit), float(unit))

    margin = unit * rng.uniform(0.25, 0.8)
    face_w = int(art_w + 2 * margin + (unit * rng.uniform(0, 1.2) if extra else 0))
    face_h = int(art_h + 2 * margin + unit * rng.uniform(0.3, 1.0))
    face = np.empty((face_h, face_w, 3), np.float32)
    shade = np.linspace(rng.uniform(0.85, 1.0), rng.uniform(0.9, 1.1), face_w, dtype=np.float32)
    face[:] = face_rgb * shade[None, :, None]
    face += rng.standard_normal(face.shape, dtype=np.float32) * 3

    ax, ay = float(margin), float(margin + unit * rng.uniform(0, 0.3))
    if art is not None:
        emblem_colour = (200, 16, 46) if mark == "shangpin" else (10, 74, 140)
        if not spec.full_mark and _near(tuple(int(v) for v in face_rgb), emblem_colour):
            # Printers put the emblem on a light patch when the box is of its own colour.
            pad = int(unit * rng.uniform(0.12, 0.25))
            face[int(ay) - pad : int(ay) + art_h + pad, int(ax) - pad : int(ax) + art_w + pad] = 245
        _paste(face, art, int(ax), int(ay), art_w, art_h)
    ex0, ey0 = int(ax + emblem_box[0]), int(ay + emblem_box[1])

    # Decoys beside the mark (or alone on a face of their own).
    dx = int(ax + art_w + margin * 0.5) if art is not None else int(ax)
    for kind in extra:
        darts, name, text = _decoy_art(kind, rng)
        names.append(name)
        if text:
            qr_texts.append(text)
        dh_w = unit if art is None else int(unit * rng.uniform(0.5, 1.0))
        dh_h = int(dh_w * darts.shape[0] / darts.shape[1])
        if kind == "text" or name.startswith("text"):
            dh_w = int(unit * rng.uniform(0.8, 2.0))
            dh_h = int(dh_w * darts.shape[0] / darts.shape[1])
            if art is None:
                face_w2 = max(face.shape[1], dh_w + int(2 * margin))
                if face_w2 > face.shape[1]:
                    face = np.concatenate([face, np.repeat(face[:, -1:], face_w2 - face.shape[1],
                                                           axis=1)], axis=1)
        x = min(dx, max(0, face.shape[1] - dh_w))
        _paste(face, darts, x, int(ay), dh_w, dh_h)

    # Other print on the box: lines of Chinese text and Latin words.
    strips = text_strips()
    base_y = int(ay + art_h + margin * 0.3)
    for i in range(spec.text_lines):
        strip = strips[int(rng.integers(0, len(strips)))]
        th = int(unit * rng.uniform(0.08, 0.2))
        tw = int(th * strip.shape[1] / strip.shape[0])
        ink = np.array(rng.choice([[20, 20, 20], [250, 250, 250], [160, 20, 30]]), np.float32)
        coloured = strip.copy()
        coloured[..., :3] = ink
        _paste(face, coloured, int(rng.uniform(0, max(1, face.shape[1] - tw))),
               base_y + i * int(th * 1.3), tw, th)
    pil = Image.fromarray(np.clip(face, 0, 255).astype(np.uint8))
    ink = (20, 20, 20) if face_rgb.mean() > 120 else (240, 240, 240)
    _latin(ImageDraw.Draw(pil), rng, face.shape[1], face.shape[0], ink,
           (ax - 4, ay - 4, ax + art_w + 4, ay + art_h + 4))
    face = np.asarray(pil).astype(np.float32)

    rgba = np.dstack([np.clip(face, 0, 255).astype(np.uint8),
                      np.full(face.shape[:2], 255, np.uint8)])
    anchor = (ex0 + unit / 2, ey0 + unit / 2)
    h = _camera(spec, face.shape[1], face.shape[0], anchor, target_w, unit, rng)
    _shadow(scene, h, face.shape[1], face.shape[0])
    _side(scene, h, face.shape[1], face.shape[0], face_rgb, rng)
    _warp_face(scene, rgba, h)

    truths = []
    if mark is not None:
        corners = np.array([[ex0, ey0], [ex0 + unit, ey0], [ex0 + unit, ey0 + unit],
                            [ex0, ey0 + unit]], dtype=np.float64)
        quad = cv2.perspectiveTransform(corners[None], h)[0]
        truths.append(Truth(mark, quad, spec.full_mark))
        if spec.occlusion > 0:
            _occlude(scene, spec, quad, rng)
    return truths, qr_texts, names


def _shadow(scene: np.ndarray, h: np.ndarray, w: int, hh: int) -> None:
    n = scene.shape[0]
    corners = np.array([[[0, 0], [w, 0], [w, hh], [0, hh]]], dtype=np.float64)
    quad = cv2.perspectiveTransform(corners, h)[0]
    mask = np.zeros((n, n), np.float32)
    cv2.fillConvexPoly(mask, np.round(quad + [6, 10]).astype(np.int32), 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), 8)
    scene *= (1 - 0.45 * mask)[..., None]


def _side(scene: np.ndarray, h: np.ndarray, w: int, hh: int, colour: np.ndarray,
          rng: np.random.Generator) -> None:
    """A darker side of the box along one edge, so the face reads as a box, not a card."""
    depth = hh * rng.uniform(0.15, 0.4)
    corners = np.array([[[w, 0], [w + depth, -depth * 0.5], [w + depth, hh - depth * 0.5],
                         [w, hh]]], dtype=np.float64)
    quad = cv2.perspectiveTransform(corners, h)[0]
    if not np.all(np.isfinite(quad)):
        return
    mask = np.zeros(scene.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad).astype(np.int32), 1)
    scene[mask > 0] = colour * rng.uniform(0.5, 0.75)


def _occlude(scene: np.ndarray, spec: Spec, quad: np.ndarray, rng: np.random.Generator) -> None:
    """Cover about ``spec.occlusion`` of the emblem: a finger, a price sticker or another box,
    coming in from a random side."""
    n = scene.shape[0]
    emblem = np.zeros((n, n), np.uint8)
    cv2.fillConvexPoly(emblem, np.round(quad).astype(np.int32), 1)
    area = max(int(emblem.sum()), 1)
    centre = quad.mean(axis=0)
    size = float(np.linalg.norm(quad[1] - quad[0]))
    angle = rng.uniform(0, 2 * math.pi)
    direction = np.array([math.cos(angle), math.sin(angle)])
    if spec.occluder == "finger":
        colour = np.array([224, 172, 140], np.float32) * rng.uniform(0.7, 1.1)
    elif spec.occluder == "sticker":
        colour = np.array(rng.choice([[250, 200, 40], [250, 120, 30], [40, 180, 90]]),
                          np.float32)
    else:
        colour = np.array(rng.uniform(30, 220, 3), np.float32)

    def shape(depth: float) -> np.ndarray:
        m = np.zeros((n, n), np.uint8)
        tip = centre + direction * (size * 0.75 - depth)
        if spec.occluder == "finger":
            far = tip + direction * size * 3
            cv2.line(m, tuple(int(v) for v in tip), tuple(int(v) for v in far), 1,
                     thickness=max(3, int(size * 0.35)))
            cv2.circle(m, tuple(int(v) for v in tip), max(2, int(size * 0.175)), 1, -1)
        elif spec.occluder == "sticker":
            cv2.circle(m, tuple(int(v) for v in tip + direction * size * 0.2),
                       max(2, int(size * 0.25)), 1, -1)
        else:  # the edge of another box: a half-plane
            normal = direction
            yy, xx = np.mgrid[0:n, 0:n]
            m[((xx - tip[0]) * normal[0] + (yy - tip[1]) * normal[1]) > 0] = 1
        return m

    lo, hi = 0.0, size * 1.5
    for _ in range(12):  # bisect the depth that covers the wanted share
        mid = (lo + hi) / 2
        covered = float((shape(mid) & emblem).sum()) / area
        if covered < spec.occlusion:
            lo = mid
        else:
            hi = mid
    m = shape(hi).astype(np.float32)
    m = cv2.GaussianBlur(m, (0, 0), 0.8)[..., None]
    shade = np.linspace(0.85, 1.05, n, dtype=np.float32)[None, :, None]
    scene[:] = scene * (1 - m) + colour * shade * m


def _photometric(scene: np.ndarray, spec: Spec, rng: np.random.Generator) -> np.ndarray:
    base = np.clip(scene, 0, 255).astype(np.uint8)
    levels = np.arange(256, dtype=np.float32)
    # Colour gains and gamma as one lookup table per channel.
    luts = [255.0 * np.power(np.clip(levels * g, 0, 255) / 255.0, spec.gamma) for g in spec.gains]
    img = np.dstack([cv2.LUT(base[..., c], np.clip(luts[c], 0, 255).astype(np.uint8))
                     for c in range(3)]).astype(np.float32)
    if spec.noise > 0:
        img += rng.standard_normal(img.shape, dtype=np.float32) * spec.noise
    if spec.blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), spec.blur)
    return np.clip(img, 0, 255).astype(np.uint8)

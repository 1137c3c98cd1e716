"""Generate the stand-in mark artwork in ``issuer/assets/`` from Noto CJK glyph outlines.

Run by hand when the designs change; the outputs are committed, so neither the font nor this
script is needed at run time. The emblems are our own stand-ins, not the official logos.

    python tools/make_emblems.py [--font /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc]

Every shape is built once as vector outlines; the SVG is written from them (paths only, so it
renders without fonts) and the PNG is rasterised from the same outlines (even-odd fill,
supersampled), so the two never drift apart and no cairo is needed.
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image

DEFAULT_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
ASSETS = Path(__file__).resolve().parent.parent / "issuer" / "assets"

SHANGPIN_RED = "#C8102E"
CULTIVATION_BLUE = "#0A4A8C"
WHITE = "#FFFFFF"
CAPTION_INK = "#1A1A1A"

Point = tuple[float, float]


class Segment(NamedTuple):
    """One path command: M or L (one point), Q (two), C (three), Z (none)."""

    op: str
    pts: tuple[Point, ...] = ()


def seg(op: str, *pts: Point) -> Segment:
    return Segment(op, pts)


Contour = list[Segment]
# Affine map (a, b, c, d, e, f): x' = a*x + c*y + e, y' = b*x + d*y + f
Affine = tuple[float, float, float, float, float, float]


# ---------------------------------------------------------------- outlines


class _OutlinePen(BasePen):  # type: ignore[misc]
    """Collects a glyph's contours, mapped into drawing coordinates by an affine transform."""

    def __init__(self, glyph_set: object, transform: Affine) -> None:
        super().__init__(glyph_set)
        self.transform = transform
        self.contours: list[Contour] = []

    def _map(self, p: Point) -> Point:
        a, b, c, d, e, f = self.transform
        return (a * p[0] + c * p[1] + e, b * p[0] + d * p[1] + f)

    def _moveTo(self, pt: Point) -> None:
        self.contours.append([seg("M", self._map(pt))])

    def _lineTo(self, pt: Point) -> None:
        self.contours[-1].append(seg("L", self._map(pt)))

    def _curveToOne(self, p1: Point, p2: Point, p3: Point) -> None:
        self.contours[-1].append(seg("C", self._map(p1), self._map(p2), self._map(p3)))

    def _qCurveToOne(self, p1: Point, p2: Point) -> None:
        self.contours[-1].append(seg("Q", self._map(p1), self._map(p2)))

    def _closePath(self) -> None:
        self.contours[-1].append(seg("Z"))

    def _endPath(self) -> None:
        self.contours[-1].append(seg("Z"))


@dataclass
class Font:
    """One face of a font collection: glyph lookup, advances and outlines."""

    tt: TTFont
    glyph_set: object = field(init=False)
    cmap: dict[int, str] = field(init=False)
    upem: int = field(init=False)

    def __post_init__(self) -> None:
        self.glyph_set = self.tt.getGlyphSet()
        self.cmap = self.tt.getBestCmap()
        self.upem = self.tt["head"].unitsPerEm

    @classmethod
    def open(cls, path: Path) -> Font:
        """Open the Simplified Chinese face (the marks are used in mainland China)."""
        if path.suffix.lower() in {".ttc", ".otc"}:
            collection = TTCollection(str(path), lazy=True)
            for tt in collection.fonts:
                name = tt["name"].getDebugName(4) or ""
                if " SC" in name and "Mono" not in name:
                    return cls(tt)
            raise SystemExit(f"{path}: no Simplified Chinese (SC) face in this collection")
        return cls(TTFont(str(path), lazy=True))

    def glyph(self, char: str) -> str:
        try:
            return self.cmap[ord(char)]
        except KeyError:
            raise SystemExit(f"font has no glyph for {char!r}") from None

    def advance(self, char: str) -> int:
        return int(self.tt["hmtx"][self.glyph(char)][0])

    def outline(self, char: str, transform: Affine) -> list[Contour]:
        pen = _OutlinePen(self.glyph_set, transform)
        self.glyph_set[self.glyph(char)].draw(pen)  # type: ignore[index]
        return pen.contours


def _rotation(angle: float, scale: float, origin: Point, offset_x: float) -> Affine:
    """Font units -> drawing units: shift by offset_x, scale, flip y, rotate clockwise, move."""
    cos, sin = math.cos(angle), math.sin(angle)
    s = scale
    # Flip first (font y is up, SVG y is down), then rotate on screen.
    a, b = cos * s, sin * s
    c, d = sin * s, -cos * s
    e = origin[0] + a * offset_x
    f = origin[1] + b * offset_x
    return (a, b, c, d, e, f)


def text_line(
    font: Font,
    text: str,
    size: float,
    centre: Point,
    tracking: float = 0.0,
    max_width: float | None = None,
) -> list[Contour]:
    """A horizontal line of glyphs centred on ``centre`` (x centre, y of the em box middle),
    shrunk if needed so it fits ``max_width``."""
    natural = sum(font.advance(ch) for ch in text) * size / font.upem + tracking * (len(text) - 1)
    if max_width is not None and natural > max_width:
        size *= max_width / natural
        tracking *= max_width / natural
    scale = size / font.upem
    advances = [font.advance(ch) * scale + tracking for ch in text]
    width = sum(advances) - tracking
    x = centre[0] - width / 2
    # Noto CJK's ideographic em box runs from -120 to 880 units; centre on its middle.
    baseline = centre[1] + (font.upem * 0.38) * scale
    contours: list[Contour] = []
    for ch, adv in zip(text, advances, strict=True):
        contours += font.outline(ch, (scale, 0.0, 0.0, -scale, x, baseline))
        x += adv
    return contours


def arc_text(
    font: Font, text: str, size: float, centre: Point, radius: float, *, top: bool, tracking: float
) -> list[Contour]:
    """Glyphs set along a circle, upright to a reader: clockwise over the top, or
    anticlockwise under the bottom with tops towards the centre."""
    scale = size / font.upem
    advances = [font.advance(ch) * scale + tracking for ch in text]
    total = (sum(advances) - tracking) / radius
    contours: list[Contour] = []
    # Compass angle, clockwise from 12 o'clock; the top run starts left of 12, the bottom run
    # starts right of 6 (left as the reader sees it) and moves anticlockwise.
    theta = -total / 2 if top else math.pi + total / 2
    for ch, adv in zip(text, advances, strict=True):
        step = (adv - tracking) / radius
        mid = theta + step / 2 if top else theta - step / 2
        point = (centre[0] + radius * math.sin(mid), centre[1] - radius * math.cos(mid))
        rotation = mid if top else mid - math.pi
        glyph_half = font.advance(ch) / 2
        contours += font.outline(ch, _rotation(rotation, scale, point, -glyph_half))
        theta += adv / radius if top else -adv / radius
    return contours


def circle(cx: float, cy: float, r: float) -> Contour:
    k = 0.5522847498 * r  # cubic Bezier handle length for a quarter circle
    return [
        seg("M", (cx, cy - r)),
        seg("C", (cx + k, cy - r), (cx + r, cy - k), (cx + r, cy)),
        seg("C", (cx + r, cy + k), (cx + k, cy + r), (cx, cy + r)),
        seg("C", (cx - k, cy + r), (cx - r, cy + k), (cx - r, cy)),
        seg("C", (cx - r, cy - k), (cx - k, cy - r), (cx, cy - r)),
        seg("Z"),
    ]


def rounded_rect(x: float, y: float, w: float, h: float, r: float) -> Contour:
    k = 0.5522847498 * r
    return [
        seg("M", (x + r, y)),
        seg("L", (x + w - r, y)),
        seg("C", (x + w - r + k, y), (x + w, y + r - k), (x + w, y + r)),
        seg("L", (x + w, y + h - r)),
        seg("C", (x + w, y + h - r + k), (x + w - r + k, y + h), (x + w - r, y + h)),
        seg("L", (x + r, y + h)),
        seg("C", (x + r - k, y + h), (x, y + h - r + k), (x, y + h - r)),
        seg("L", (x, y + r)),
        seg("C", (x, y + r - k), (x + r - k, y), (x + r, y)),
        seg("Z"),
    ]


def star(cx: float, cy: float, outer: float, inner: float) -> Contour:
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = math.pi * i / 5
        points.append(seg("M" if i == 0 else "L", (cx + r * math.sin(a), cy - r * math.cos(a))))
    return [*points, seg("Z")]


def bbox(contours: Iterable[Contour]) -> tuple[float, float, float, float]:
    points = [p for contour in contours for segment in contour for p in segment.pts]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def translate(contours: Iterable[Contour], dx: float, dy: float) -> list[Contour]:
    return [
        [Segment(s.op, tuple((p[0] + dx, p[1] + dy) for p in s.pts)) for s in contour]
        for contour in contours
    ]


# ---------------------------------------------------------------- artwork


@dataclass
class Drawing:
    """Filled layers, painted in order, each one even-odd path of one colour."""

    width: float
    height: float
    layers: list[tuple[str, list[Contour]]] = field(default_factory=list)

    def fill(self, colour: str, contours: Sequence[Contour]) -> None:
        self.layers.append((colour, list(contours)))


def shangpin_emblem(font: Font) -> Drawing:
    """Round red seal: "上品" inside a white ring, the Latin name around the rim."""
    d = Drawing(1000, 1000)
    c = (500.0, 500.0)
    d.fill(SHANGPIN_RED, [circle(*c, 496)])
    rim = [circle(*c, 478), circle(*c, 466), circle(*c, 352), circle(*c, 340)]
    latin = arc_text(font, "SHANGHAI BRAND", 84, c, 382, top=True, tracking=10)
    latin += arc_text(font, "CERTIFIED", 84, c, 440, top=False, tracking=14)
    stars = [star(c[0] - 410, c[1], 30, 12), star(c[0] + 410, c[1], 30, 12)]
    chars = text_line(font, "上品", 290, (c[0], c[1] + 4), tracking=6)
    d.fill(WHITE, rim + latin + stars + chars)
    return d


def cultivation_emblem(font: Font) -> Drawing:
    """Blue rounded square: "上海品牌" in a 2x2 grid, a white band with "培育" knocked out."""
    d = Drawing(1000, 1000)
    d.fill(CULTIVATION_BLUE, [rounded_rect(4, 4, 992, 992, 130)])
    frame = [rounded_rect(34, 34, 932, 932, 104), rounded_rect(48, 48, 904, 904, 92)]
    top = text_line(font, "上海", 300, (500, 240), tracking=20)
    bottom = text_line(font, "品牌", 300, (500, 560), tracking=20)
    # The band and its letters are one even-odd path, so the letters show the blue through it.
    band = [rounded_rect(96, 752, 808, 160, 36)]
    band_text = text_line(font, "培育 CULTIVATION", 92, (500, 832), tracking=6, max_width=730)
    d.fill(WHITE, frame + top + bottom + band + band_text)
    return d


def caption(font: Font) -> Drawing:
    """The "扫码验真" (scan to verify) caption, cropped tight with a small margin."""
    glyphs = text_line(font, "扫码验真", 200, (0, 0), tracking=24)
    x0, y0, x1, y1 = bbox(glyphs)
    pad = 12
    glyphs = translate(glyphs, pad - x0, pad - y0)
    d = Drawing(math.ceil(x1 - x0 + 2 * pad), math.ceil(y1 - y0 + 2 * pad))
    d.fill(CAPTION_INK, glyphs)
    return d


# ---------------------------------------------------------------- output


def _num(v: float) -> str:
    text = f"{v:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def svg_path_data(contours: Iterable[Contour]) -> str:
    parts: list[str] = []
    for contour in contours:
        for segment in contour:
            coords = " ".join(f"{_num(p[0])} {_num(p[1])}" for p in segment.pts)
            parts.append(segment.op + coords)
    return "".join(parts)


def to_svg(drawing: Drawing, note: str) -> str:
    w, h = _num(drawing.width), _num(drawing.height)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}">',
        f"<!-- {note} -->",
    ]
    for colour, contours in drawing.layers:
        d = svg_path_data(contours)
        lines.append(f'<path fill="{colour}" fill-rule="evenodd" d="{d}"/>')
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def _flatten(contour: Contour, scale: float, step: float) -> np.ndarray:
    """Polyline through a contour, curves cut so each piece spans about ``step`` pixels."""
    pts: list[Point] = []
    cur: Point = (0.0, 0.0)
    for segment in contour:
        if segment.op in ("M", "L"):
            cur = segment.pts[0]
            pts.append(cur)
        elif segment.op in ("Q", "C"):
            ctrl = [cur, *segment.pts]
            length = sum(math.dist(a, b) for a, b in itertools.pairwise(ctrl)) * scale
            n = max(2, math.ceil(length / step))
            t = np.linspace(0.0, 1.0, n + 1)[1:, None]
            p = np.array(ctrl, dtype=np.float64)
            if segment.op == "Q":
                curve = (1 - t) ** 2 * p[0] + 2 * (1 - t) * t * p[1] + t**2 * p[2]
            else:
                curve = (
                    (1 - t) ** 3 * p[0]
                    + 3 * (1 - t) ** 2 * t * p[1]
                    + 3 * (1 - t) * t**2 * p[2]
                    + t**3 * p[3]
                )
            pts.extend((float(x), float(y)) for x, y in curve)
            cur = segment.pts[-1]
    return np.array(pts, dtype=np.float64)


def to_png(drawing: Drawing, width_px: int, supersample: int = 4) -> bytes:
    """Rasterise every layer with an even-odd fill and composite them over transparency."""
    scale = width_px / drawing.width
    height_px = math.ceil(drawing.height * scale)
    big = (height_px * supersample, width_px * supersample)
    shift = 4  # cv2 sub-pixel bits, so supersampled edges land between pixels
    colour_acc: np.ndarray = np.zeros((height_px, width_px, 3), dtype=np.float64)  # premult.
    alpha_acc: np.ndarray = np.zeros((height_px, width_px), dtype=np.float64)
    for colour, contours in drawing.layers:
        mask = np.zeros(big, dtype=np.uint8)
        polys = [
            np.round(_flatten(c, scale * supersample, 1.5) * scale * supersample * (1 << shift))
            .astype(np.int32)
            .reshape(-1, 1, 2)
            for c in contours
        ]
        cv2.fillPoly(mask, polys, 255, lineType=cv2.LINE_8, shift=shift)
        cover = cv2.resize(mask, (width_px, height_px), interpolation=cv2.INTER_AREA) / 255.0
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
        colour_acc = colour_acc * (1 - cover[..., None]) + rgb * cover[..., None]
        alpha_acc = alpha_acc * (1 - cover) + cover
    safe = np.where(alpha_acc > 0, alpha_acc, 1)[..., None]
    rgba = np.dstack([colour_acc / safe, alpha_acc * 255])
    image = Image.fromarray(np.clip(np.round(rgba), 0, 255).astype(np.uint8), "RGBA")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--font", type=Path, default=DEFAULT_FONT, help="Noto CJK font (.ttc/.otf)")
    parser.add_argument("--out", type=Path, default=ASSETS, help="output directory")
    parser.add_argument("--emblem-px", type=int, default=1200, help="emblem PNG width")
    parser.add_argument("--caption-px", type=int, default=1200, help="caption PNG width")
    args = parser.parse_args(argv)
    if not args.font.is_file():
        parser.error(f"font not found: {args.font} (install fonts-noto-cjk or pass --font)")
    font = Font.open(args.font)
    family = font.tt["name"].getDebugName(4)
    note = f"Stand-in artwork, not the official mark. Outlines from {family} (SIL OFL 1.1)."
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("emblem-shangpin", shangpin_emblem(font), args.emblem_px),
        ("emblem-cultivation", cultivation_emblem(font), args.emblem_px),
        ("caption-scan-to-verify", caption(font), args.caption_px),
    ]
    for name, drawing, px in jobs:
        svg_path = args.out / f"{name}.svg"
        png_path = args.out / f"{name}.png"
        svg_path.write_text(to_svg(drawing, note), encoding="utf-8")
        png_path.write_bytes(to_png(drawing, px))
        kb = [p.stat().st_size / 1024 for p in (svg_path, png_path)]
        print(f"{name}: {kb[0]:.1f} KB svg, {kb[1]:.1f} KB png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

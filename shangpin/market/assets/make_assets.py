"""Draw the sample marketplace's decoy artwork and lines of Chinese packaging text.

Run by hand when the decoys change; the PNGs are committed beside this script, so the
marketplace needs no CJK font at run time (and renders the same images on every machine).

    python shangpin/market/assets/make_assets.py [--font PATH-TO-A-CJK-TTF]

Decoys are what a listing photo shows and the detector must stay quiet on: a company's
contract seal (a red ring, not a filled disc), round and square badges of other schemes in
the emblems' own colours, and plain lines of Chinese text that name the scheme.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
DEFAULT_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
SIDE = 480  # badges are drawn at this size and scaled down when placed
SUPERSAMPLE = 3

RED = (200, 16, 46)
SEAL_RED = (214, 40, 40)
BLUE = (10, 74, 140)
GREEN = (24, 130, 70)
WHITE = (255, 255, 255)

#: Printed on packaging; several name the scheme on purpose, since text is not a mark.
TEXT_LINES = {
    "text-tea": "上品好茶 特级",
    "text-flagship": "上海品牌 官方旗舰店",
    "text-scan": "扫码验真 假一赔十",
    "text-local": "上海特产 手工制作",
    "text-weight": "净含量 五百克",
    "text-quality": "品质保证 正品行货",
}


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _latin(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's own font, for Latin words: CJK fallback fonts often lack Latin glyphs."""
    return ImageFont.load_default(size=size)


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw, int]:
    n = SIDE * SUPERSAMPLE
    image = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image), n


def _finish(image: Image.Image) -> Image.Image:
    return image.resize((SIDE, SIDE), Image.Resampling.LANCZOS)


def _centred(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str,
             font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
             fill: tuple[int, int, int]) -> None:
    draw.text(xy, text, font=font, fill=fill, anchor="mm")


def _arc_text(image: Image.Image, text: str, font: ImageFont.FreeTypeFont, radius: float,
              start: float, end: float, fill: tuple[int, int, int]) -> None:
    """Characters upright along an arc, from ``start`` to ``end`` degrees (0 = top, clockwise)."""
    n = image.width
    c = n / 2
    size = int(font.size * 1.6)
    step = (end - start) / max(len(text) - 1, 1)
    for i, ch in enumerate(text):
        angle = start + i * step
        glyph = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((size / 2, size / 2), ch, font=font, fill=fill, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = c + radius * math.sin(math.radians(angle)) - size / 2
        y = c - radius * math.cos(math.radians(angle)) - size / 2
        image.alpha_composite(glyph, (int(x), int(y)))


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float,
          fill: tuple[int, int, int]) -> None:
    points = [
        (cx + r * (1 if i % 2 == 0 else 0.4) * math.sin(math.pi * i / 5),
         cy - r * (1 if i % 2 == 0 else 0.4) * math.cos(math.pi * i / 5))
        for i in range(10)
    ]
    draw.polygon(points, fill=fill)


def contract_seal(font: Path) -> Image.Image:
    """A company's contract seal: a red ring, a star, the name round the top."""
    image, draw, n = _canvas()
    k = SUPERSAMPLE
    draw.ellipse((6 * k, 6 * k, n - 6 * k, n - 6 * k), outline=SEAL_RED, width=16 * k)
    _star(draw, n / 2, n / 2, 70 * k, SEAL_RED)
    _arc_text(image, "上海示例贸易有限公司", _font(font, 50 * k), 170 * k, -115, 115, SEAL_RED)
    _centred(draw, (n / 2, n / 2 + 125 * k), "合同专用章", _font(font, 44 * k), SEAL_RED)
    return _finish(image)


def genuine_badge(font: Path) -> Image.Image:
    """A red round "正品" badge: the emblem's colour and outline, other words."""
    image, draw, n = _canvas()
    k = SUPERSAMPLE
    draw.ellipse((4 * k, 4 * k, n - 4 * k, n - 4 * k), fill=RED)
    draw.ellipse((40 * k, 40 * k, n - 40 * k, n - 40 * k), outline=WHITE, width=8 * k)
    _centred(draw, (n / 2, n / 2 - 10 * k), "正品", _font(font, 150 * k), WHITE)
    _centred(draw, (n / 2, n / 2 + 120 * k), "GENUINE", _latin(46 * k), WHITE)
    return _finish(image)


def selected_badge(font: Path) -> Image.Image:
    """A blue rounded-square "优选" badge: the cultivation emblem's colour and outline."""
    image, draw, n = _canvas()
    k = SUPERSAMPLE
    draw.rounded_rectangle((4 * k, 4 * k, n - 4 * k, n - 4 * k), radius=60 * k, fill=BLUE)
    draw.rounded_rectangle((28 * k, 28 * k, n - 28 * k, n - 28 * k), radius=44 * k,
                           outline=WHITE, width=6 * k)
    _centred(draw, (n / 2, n / 2 - 50 * k), "优选", _font(font, 170 * k), WHITE)
    draw.rounded_rectangle((70 * k, 330 * k, n - 70 * k, 410 * k), radius=24 * k, fill=WHITE)
    _centred(draw, (n / 2, 370 * k), "SELECTED", _latin(50 * k), BLUE)
    return _finish(image)


def organic_badge(font: Path) -> Image.Image:
    """A green round "有机" badge."""
    image, draw, n = _canvas()
    k = SUPERSAMPLE
    draw.ellipse((4 * k, 4 * k, n - 4 * k, n - 4 * k), fill=GREEN)
    draw.ellipse((30 * k, 30 * k, n - 30 * k, n - 30 * k), outline=WHITE, width=6 * k)
    _centred(draw, (n / 2, n / 2 - 20 * k), "有机", _font(font, 140 * k), WHITE)
    _centred(draw, (n / 2, n / 2 + 110 * k), "ORGANIC", _latin(48 * k), WHITE)
    return _finish(image)


def text_line(font: Path, text: str) -> Image.Image:
    """One line of black text on transparency; recoloured when placed."""
    face = _font(font, 96)
    left, top, right, bottom = face.getbbox(text)
    size = (int(right - left) + 16, int(bottom - top) + 16)
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).text((8 - left, 8 - top), text, font=face, fill=(0, 0, 0, 255))
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", type=Path, default=DEFAULT_FONT,
                        help="a TrueType font with CJK glyphs")
    font = parser.parse_args().font
    badges = {
        "seal-contract": contract_seal,
        "badge-genuine": genuine_badge,
        "badge-selected": selected_badge,
        "badge-organic": organic_badge,
    }
    for name, draw in badges.items():
        draw(font).save(HERE / f"{name}.png", optimize=True)
    for name, text in TEXT_LINES.items():
        text_line(font, text).save(HERE / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main()

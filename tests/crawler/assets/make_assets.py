"""Generate the decoy artwork and text strips in this folder from Noto CJK glyph outlines.

Run by hand when the decoys change; the PNGs are committed, so tests need no CJK font.
Decoys are what the detector must stay quiet on: look-alike seals ("上晶", "止品" ...) in the
exact layout of the stand-in emblems, other seals and badges, and lines of Chinese text.

    python tests/crawler/assets/make_assets.py \
        [--font /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def _emblem_tools():  # type: ignore[no-untyped-def]
    path = ROOT / "tools" / "make_emblems.py"
    spec = importlib.util.spec_from_file_location("make_emblems", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_emblems"] = module
    spec.loader.exec_module(module)
    return module


me = _emblem_tools()

RED = me.SHANGPIN_RED
BLUE = me.CULTIVATION_BLUE
WHITE = me.WHITE

#: Text printed on the packaging of the generated products (plain, not emblems).
TEXT_LINES = [
    "上品好茶", "上品茗茶 特级", "纯棉毛巾", "有机绿茶", "上海特产", "品质保证", "正品行货",
    "限时特价 包邮", "上海品牌 官方旗舰店", "扫码验真", "精选好物", "净含量 500克",
    "生产日期 见包装", "上晶食品", "品牌直营", "老上海风味",
]


def red_seal(font, chars: str, top: str, bottom: str, colour: str = RED):  # type: ignore[no-untyped-def]
    """The stand-in "上品" layout with other characters or rim text."""
    d = me.Drawing(1000, 1000)
    c = (500.0, 500.0)
    d.fill(colour, [me.circle(*c, 496)])
    rim = [me.circle(*c, 478), me.circle(*c, 466), me.circle(*c, 352), me.circle(*c, 340)]
    latin = me.arc_text(font, top, 84, c, 382, top=True, tracking=10)
    latin += me.arc_text(font, bottom, 84, c, 440, top=False, tracking=14)
    stars = [me.star(c[0] - 410, c[1], 30, 12), me.star(c[0] + 410, c[1], 30, 12)]
    size = 290 if len(chars) <= 2 else 580 / len(chars)
    glyphs = me.text_line(font, chars, size, (c[0], c[1] + 4), tracking=6)
    d.fill(WHITE, rim + latin + stars + glyphs)
    return d


def company_seal(font, name: str, line: str):  # type: ignore[no-untyped-def]
    """A Chinese company seal (公章): red ring, star in the middle, name around the top."""
    d = me.Drawing(1000, 1000)
    c = (500.0, 500.0)
    ring = [me.circle(*c, 490), me.circle(*c, 440)]
    name_arc = []
    # Arc text for CJK: reuse arc_text with a large radius so the glyphs follow the ring.
    name_arc = me.arc_text(font, name, 120, c, 340, top=True, tracking=4)
    star = [me.star(c[0], c[1] - 10, 140, 56)]
    text = me.text_line(font, line, 80, (c[0], c[1] + 250), tracking=4)
    d.fill(RED, ring + name_arc + star + text)
    return d


def blue_square(font, top: str, bottom: str, band: str, colour: str = BLUE):  # type: ignore[no-untyped-def]
    """The stand-in "上海品牌" layout with other characters or band text."""
    d = me.Drawing(1000, 1000)
    d.fill(colour, [me.rounded_rect(4, 4, 992, 992, 130)])
    frame = [me.rounded_rect(34, 34, 932, 932, 104), me.rounded_rect(48, 48, 904, 904, 92)]
    t = me.text_line(font, top, 300, (500, 240), tracking=20)
    b = me.text_line(font, bottom, 300, (500, 560), tracking=20)
    band_box = [me.rounded_rect(96, 752, 808, 160, 36)]
    band_text = me.text_line(font, band, 92, (500, 832), tracking=6, max_width=730)
    d.fill(WHITE, frame + t + b + band_box + band_text)
    return d


def round_badge(font, chars: str, colour: str):  # type: ignore[no-untyped-def]
    """A plain round badge: coloured disc, white ring, characters in the middle."""
    d = me.Drawing(1000, 1000)
    c = (500.0, 500.0)
    d.fill(colour, [me.circle(*c, 496)])
    glyphs = me.text_line(font, chars, 560 / max(2, len(chars)), c, tracking=4)
    d.fill(WHITE, [me.circle(*c, 440), me.circle(*c, 420)] + glyphs)
    return d


def decoys(font):  # type: ignore[no-untyped-def]
    """name -> drawing; the name says what kind of decoy it is."""
    sb, cf = "SHANGHAI BRAND", "CERTIFIED"
    return {
        "lookalike-seal-shangjing": red_seal(font, "上晶", sb, cf),
        "lookalike-seal-zhipin": red_seal(font, "止品", sb, cf),
        "lookalike-seal-shanglv": red_seal(font, "上吕", sb, cf),
        "lookalike-seal-tupin": red_seal(font, "土品", sb, cf),
        "seal-zhengpin": red_seal(font, "正品", sb, cf),
        "seal-jingpin": red_seal(font, "精品", "QUALITY SELECT", "GUARANTEED"),
        "seal-mingpin": red_seal(font, "名品", "FAMOUS PRODUCT", "SHANGHAI"),
        "seal-company": company_seal(font, "上海优选商贸有限公司", "合同专用章"),
        "lookalike-square-mingpai": blue_square(font, "上海", "名牌", "认证 CERTIFIED"),
        "lookalike-square-zhongguo": blue_square(font, "中国", "品牌", "培育 CULTIVATION"),
        "square-zhizao": blue_square(font, "上海", "制造", "精选 SELECTED"),
        "square-pinzhi": blue_square(font, "优质", "产品", "推荐 RECOMMENDED"),
        "badge-green-food": round_badge(font, "绿色食品", "#1E8C3A"),
        "badge-laozihao": blue_square(font, "中华", "老号", "传承 HERITAGE", colour="#B5441A"),
        "badge-red-hot": round_badge(font, "热销", "#D81E1E"),
    }


def text_strip(font, text: str):  # type: ignore[no-untyped-def]
    """One line of text, black on transparent, cropped tight."""
    glyphs = me.text_line(font, text, 100, (0, 0), tracking=6)
    x0, y0, x1, y1 = me.bbox(glyphs)
    pad = 6
    glyphs = me.translate(glyphs, pad - x0, pad - y0)
    d = me.Drawing(int(x1 - x0 + 2 * pad) + 1, int(y1 - y0 + 2 * pad) + 1)
    d.fill("#000000", glyphs)
    return d


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--font", type=Path, default=me.DEFAULT_FONT)
    parser.add_argument("--px", type=int, default=320, help="decoy PNG width")
    args = parser.parse_args(argv)
    font = me.Font.open(args.font)
    (HERE / "decoys").mkdir(exist_ok=True)
    (HERE / "text").mkdir(exist_ok=True)
    for name, drawing in decoys(font).items():
        (HERE / "decoys" / f"{name}.png").write_bytes(me.to_png(drawing, args.px))
    for i, line in enumerate(TEXT_LINES):
        drawing = text_strip(font, line)
        (HERE / "text" / f"line-{i:02d}.png").write_bytes(
            me.to_png(drawing, int(drawing.width * 0.6))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Mark artwork: the scheme's emblem, the verification QR, the certificate number and the
"扫码验真" caption, rendered as PNG (for proofs and raster printing) or SVG (vector print).

Pure rendering: values in, bytes or text out; no database and no environment. Everything is
sized in QR modules so a mark scales with the module size, and the PNG uses a whole number of
pixels per module so every module has identical, sharp edges.
"""

from __future__ import annotations

import base64
import functools
import io
import itertools
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

import segno
from PIL import Image, ImageDraw, ImageFont

from issuer.errors import IssuerError
from storage.enums import Scheme

__all__ = [
    "ASSET_DIR",
    "ASSET_NAMES",
    "Artwork",
    "ArtworkError",
    "Box",
    "Graphic",
    "MarkLayout",
    "QrPlacement",
    "mark_layout",
    "proofed_placement",
    "qr_mask",
    "qr_matrix",
    "qr_version",
    "render_mark_png",
    "render_mark_svg",
    "render_qr_png",
]

ASSET_DIR = Path(__file__).resolve().parent / "assets"
_EMBLEM_STEMS: Mapping[Scheme, str] = {
    Scheme.SHANGPIN: "emblem-shangpin",
    Scheme.CULTIVATION: "emblem-cultivation",
}
_CAPTION_STEM = "caption-scan-to-verify"
ASSET_NAMES: tuple[str, ...] = tuple(
    f"{stem}.{ext}" for stem in (*_EMBLEM_STEMS.values(), _CAPTION_STEM) for ext in ("png", "svg")
)

MAX_VERSION = 10  # beyond this the code no longer prints legibly at mark size
QUIET_ZONE = 4  # modules; ISO/IEC 18004 requires four
_MARGIN = 2  # modules of white around the whole mark, beyond the quiet zone
DPI_RANGE = (72, 2400)
MAX_CERT_NUMBER = 40
MODULE_MM_RANGE = (0.1, 10.0)
_MAX_ASSET_PIXELS = 6000 * 6000  # a replacement emblem larger than this is a mistake

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", _XLINK_NS)

_INK = (0x1A, 0x1A, 0x1A)  # certificate number; matches the caption asset
_NUMBER_EM = 6.0  # certificate number font size, modules
_CAP_HEIGHT = 0.72  # of the em, for the default font's capitals and digits


class ArtworkError(IssuerError, ValueError):
    """Artwork cannot be loaded or a mark cannot be rendered; the message says why."""


class Box(NamedTuple):
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class MarkLayout:
    """Where each part of a mark sits, in modules (the QR's own unit)."""

    width: int
    height: int
    qr: Box  # the symbol including its quiet zone
    emblem: Box
    number: Box
    caption: Box


def mark_layout(symbol_modules: int) -> MarkLayout:
    """Emblem left, QR right (same height as the emblem), number and caption underneath.

    A white margin of ``_MARGIN`` modules surrounds the whole mark, so the QR keeps more than
    its quiet zone even when the mark is cropped tight or set against a busy background (OpenCV's
    detector misses codes whose quiet zone ends at the image edge once blurred). The emblem sits
    seven modules from the symbol and the text row starts below the quiet zone, so nothing
    printed intrudes on it. The symbol's origin is kept at even module coordinates, so a scan
    at 2.5 pixels per module puts its top-left edges on whole pixels: on half pixels OpenCV
    decoded none of 12 test codes, which it otherwise reads.
    """
    n = symbol_modules
    m = _MARGIN
    emblem = Box(m + QUIET_ZONE, m + QUIET_ZONE, n, n)
    qr_x = emblem.x + n + 3  # n is odd, so the symbol at qr_x + 4 lands on an even column
    qr = Box(qr_x, m, n + 2 * QUIET_ZONE, n + 2 * QUIET_ZONE)
    text_y = qr.y + qr.h
    return MarkLayout(
        width=qr.x + qr.w + m,
        height=text_y + 7 + m + 1,
        qr=qr,
        emblem=emblem,
        number=Box(emblem.x, text_y, n, 7),
        caption=Box(qr.x + QUIET_ZONE, text_y, n, 7),
    )


# ---------------------------------------------------------------- QR symbol


def _make_qr(url: str, mask: int | None = None) -> segno.QRCode:
    try:
        qr = segno.make_qr(url, error="q", boost_error=False, mode="alphanumeric", mask=mask)
    except (ValueError, segno.DataOverflowError) as exc:
        raise ArtworkError(
            f"mark URL cannot be encoded as an alphanumeric QR code "
            f"(upper-case letters, digits and ' $%*+-./:' only): {exc}"
        ) from None
    version = qr.version
    if not isinstance(version, int) or version > MAX_VERSION:
        raise ArtworkError(
            f"mark URL of {len(url)} characters needs QR version {version}, "
            f"more than {MAX_VERSION}: shorten the host or payload"
        )
    return qr


@functools.lru_cache(maxsize=128)
def _symbol(url: str) -> segno.QRCode:
    """The QR symbol for a mark URL; cached because a mark is often rendered as PNG and SVG.

    The mask is the standard's choice unless that leaves a finder-pattern lookalike in the
    data: OpenCV's detector then finds four "finders" and gives up. Only then are the other
    masks tried, in order of ISO penalty, and the first without a lookalike wins (or else the
    least finder-like), so most codes cost one encoding.
    """
    chosen = _make_qr(url)
    closeness = _finder_lookalike(chosen.matrix)
    if closeness >= _LOOKALIKE_LIMIT:
        return chosen
    others = [_make_qr(url, mask) for mask in range(8) if mask != chosen.mask]
    others.sort(key=lambda qr: (_penalty(qr.matrix), qr.mask))
    for qr in others:
        c = _finder_lookalike(qr.matrix)
        if c >= _LOOKALIKE_LIMIT:
            return qr
        if c > closeness:
            chosen, closeness = qr, c
    return chosen


# Finder-lookalike test, mirroring how OpenCV finds finder patterns: a row whose dark-light
# runs are within 0.2 of 1:1:3:1:1 (its horizontal tolerance), checked down the column through
# the centre of the 3-run, where its tolerance starts tight and widens until three clusters
# emerge. A lookalike whose vertical profile is closer than this limit is found together with
# the real finders: in a sample of 200 codes, 61 % of those with one failed to decode in
# OpenCV after some damage, against 9 % of the rest.
_LOOKALIKE_LIMIT = 0.1


def _finder_lookalike(matrix: tuple[bytearray, ...]) -> float:
    """How closely (0 = exactly) anything outside the finders looks like a finder pattern."""
    rows = [bytes(r) for r in matrix]
    cols = [bytes(c) for c in zip(*rows, strict=True)]
    # Both orientations: a phone may hold the code sideways.
    return min(_lookalike_scan(rows, cols), _lookalike_scan(cols, rows))


def _lookalike_scan(lines: list[bytes], across: list[bytes]) -> float:
    n = len(lines)
    best = 9.0
    for y, line in enumerate(lines):
        lengths = _run_lengths(line)
        starts = [0, *itertools.accumulate(lengths)]
        # Runs alternate, so dark runs are every other one from the first dark run.
        for i in range(0 if line[0] else 1, len(lengths) - 4, 2):
            a, b, c, d, e = lengths[i : i + 5]
            t = a + b + c + d + e
            # sum |run/t - 1/7| (3/7 for the centre) < 0.2, in integers
            if (
                abs(7 * c - 3 * t)
                + abs(7 * a - t)
                + abs(7 * b - t)
                + abs(7 * d - t)
                + abs(7 * e - t)
            ) >= 1.4 * t:
                continue
            centre2 = 2 * starts[i] + t  # twice the centre, to stay in integers
            columns = (centre2 // 2 - 1, centre2 // 2) if centre2 % 2 == 0 else (centre2 // 2,)
            for x in columns:
                if 0 <= x < n and lines[y][x] and not _in_finder(x, y, n):
                    best = min(best, _vertical_closeness(across[x], y))
    return best


def _run_lengths(line: bytes) -> list[int]:
    lengths = []
    prev, count = line[0], 0
    for v in line:
        if v == prev:
            count += 1
        else:
            lengths.append(count)
            prev, count = v, 1
    lengths.append(count)
    return lengths


def _in_finder(x: int, y: int, n: int) -> bool:
    return (x < 8 and y < 8) or (x >= n - 8 and y < 8) or (x < 8 and y >= n - 8)


def _vertical_closeness(col: bytes, y: int) -> float:
    """Distance of the column through (x, y) from a finder's 1:1:3:1:1, as OpenCV measures it."""
    n = len(col)
    y0, y1 = y, y
    while y0 > 0 and col[y0 - 1]:
        y0 -= 1
    while y1 < n - 1 and col[y1 + 1]:
        y1 += 1

    def light_then_dark(i: int, step: int) -> tuple[int, int]:
        light = dark = 0
        while 0 <= i < n and not col[i]:
            light, i = light + 1, i + step
        while 0 <= i < n and col[i]:
            dark, i = dark + 1, i + step
        return light, dark

    ld, dd = light_then_dark(y1 + 1, 1)
    lu, du = light_then_dark(y0 - 1, -1)
    if not (ld and dd and lu and du):
        return 9.0  # runs into the quiet zone: no second dark run, no candidate
    total = (y1 - y0 + 1) + ld + dd + lu + du
    best = 9.0
    for f in (0.2, 0.5, 0.8):  # where in the module row the scan line falls
        down, up = y1 + 1 - (y + f), (y + f) - y0
        w = abs(down / total - 3 / 14) + abs(up / total - 3 / 14)
        w += sum(abs(r / total - 1 / 7) for r in (ld, dd, lu, du))
        best = min(best, w)
    return best


_FINDERISH = re.compile(
    rb"(?=\x01\x00\x01\x01\x01\x00\x01\x00{4}|\x00{4}\x01\x00\x01\x01\x01\x00\x01)"
)
_LONG_RUN = re.compile(rb"\x00{5,}|\x01{5,}")


def _penalty(matrix: tuple[bytearray, ...]) -> int:
    """ISO/IEC 18004 mask penalty (N1-N4), to rank the fallback masks."""
    rows = [bytes(r) for r in matrix]
    cols = [bytes(c) for c in zip(*rows, strict=True)]
    n = len(rows)
    score = 0
    for line in (*rows, *cols):
        score += sum(len(m.group()) - 2 for m in _LONG_RUN.finditer(line))
        score += 40 * len(_FINDERISH.findall(b"\x00" * 4 + line + b"\x00" * 4))
    bits = [int(r.translate(_BIT_DIGITS), 2) for r in rows]
    full = (1 << (n - 1)) - 1
    for a, b in zip(bits, bits[1:], strict=False):
        dark = a & (a >> 1) & b & (b >> 1)
        light = ~a & ~(a >> 1) & ~b & ~(b >> 1)
        score += 3 * ((dark & full).bit_count() + (light & full).bit_count())
    dark_share = sum(r.count(1) for r in rows) * 100 // (n * n)
    return score + abs(dark_share - 50) // 5 * 10


_BIT_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


@functools.lru_cache(maxsize=256)
def _masked_symbol(url: str, mask: int) -> segno.QRCode:
    return _make_qr(url, mask)


def _matrix(url: str, mask: int | None) -> tuple[bytearray, ...]:
    """The modules of the standard's symbol (``mask=None``) or of the one with ``mask``."""
    chosen = _symbol(url)
    if mask is None or mask == chosen.mask:
        return chosen.matrix
    if mask not in range(8):
        raise ArtworkError(f"QR mask must be 0-7, not {mask!r}")
    return _masked_symbol(url, mask).matrix


def qr_version(url: str) -> int:
    """The QR version (size) a mark URL needs; at most ``MAX_VERSION``."""
    version = _symbol(url).version
    assert isinstance(version, int)
    return version


def qr_matrix(url: str, mask: int | None = None) -> list[list[bool]]:
    """The symbol's modules (True = dark), without the quiet zone.

    ``mask`` picks one of the eight equally valid symbols; by default the one the
    standard's penalty rules (and the finder-lookalike check above) choose.
    """
    return [[bool(v) for v in row] for row in _matrix(url, mask)]


def qr_mask(url: str) -> int:
    """The mask of the standard's symbol for ``url``, as ``qr_matrix`` draws it by default."""
    mask = _symbol(url).mask
    assert isinstance(mask, int)
    return mask


# ---------------------------------------------------------------- artwork


@dataclass(frozen=True)
class SvgFragment:
    """Artwork for SVG output: markup to place inside a nested ``<svg>`` with this viewBox."""

    view_box: tuple[float, float, float, float]
    body: str


@dataclass(frozen=True, eq=False)
class Graphic:
    """One piece of artwork: a raster for PNG output and a fragment for SVG output."""

    name: str
    image: Image.Image  # RGBA
    svg: SvgFragment


@dataclass(frozen=True, eq=False)  # identity hash: renderers cache scaled copies per artwork
class Artwork:
    """The emblem for each scheme and the caption, from the shipped assets or a replacement."""

    emblems: Mapping[Scheme, Graphic]
    caption: Graphic
    source: Path

    @classmethod
    def default(cls) -> Artwork:
        return _default_artwork()

    @classmethod
    def from_dir(cls, path: Path | None) -> Artwork:
        """Shipped assets overridden by whichever of ``ASSET_NAMES`` exist in ``path``."""
        if path is None:
            return cls.default()
        path = Path(path)
        if not path.is_dir():
            raise ArtworkError(f"artwork directory {path} does not exist or is not a directory")
        present = {name for name in ASSET_NAMES if (path / name).is_file()}
        if not present:
            raise ArtworkError(
                f"artwork directory {path} contains none of {', '.join(ASSET_NAMES)}"
            )
        default = cls.default()

        def pick(stem: str, fallback: Graphic) -> Graphic:
            png, svg = f"{stem}.png", f"{stem}.svg"
            if svg in present and png not in present:
                # PNG output would silently fall back to the stand-in: refuse the mix.
                raise ArtworkError(
                    f"{path / svg} has no {png} beside it: PNG marks need a raster "
                    f"of the same artwork"
                )
            if png not in present:
                return fallback
            image = _load_png(path / png)
            fragment = _load_svg(path / svg) if svg in present else _png_as_svg(path / png, image)
            return Graphic(stem, image, fragment)

        return cls(
            emblems={s: pick(_EMBLEM_STEMS[s], default.emblems[s]) for s in Scheme},
            caption=pick(_CAPTION_STEM, default.caption),
            source=path,
        )

    def emblem(self, scheme: Scheme) -> Graphic:
        return self.emblems[Scheme(scheme)]


@functools.cache
def _default_artwork() -> Artwork:
    def load(stem: str) -> Graphic:
        return Graphic(
            stem, _load_png(ASSET_DIR / f"{stem}.png"), _load_svg(ASSET_DIR / f"{stem}.svg")
        )

    return Artwork(
        emblems={s: load(_EMBLEM_STEMS[s]) for s in Scheme},
        caption=load(_CAPTION_STEM),
        source=ASSET_DIR,
    )


def _load_png(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=["PNG"]) as im:
                if im.width * im.height > _MAX_ASSET_PIXELS:
                    raise ArtworkError(f"{path}: {im.width}x{im.height} pixels is too large")
                im.load()
                return im.convert("RGBA")
    except ArtworkError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise ArtworkError(f"{path}: not a readable PNG image ({exc})") from None


_FORBIDDEN_SVG = {"script", "foreignObject", "iframe"}


def _load_svg(path: Path) -> SvgFragment:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ArtworkError(f"{path}: not a readable SVG file ({exc})") from None
    if root.tag != f"{{{_SVG_NS}}}svg":
        raise ArtworkError(f"{path}: root element is {root.tag}, not an SVG <svg>")
    for el in root.iter():
        local = str(el.tag).rpartition("}")[2]
        if local in _FORBIDDEN_SVG or any(a.lower().startswith("on") for a in el.attrib):
            raise ArtworkError(f"{path}: scripts and embedded HTML are not allowed in artwork")
    view_box = _view_box(root, path)
    body = "".join(ET.tostring(child, encoding="unicode") for child in root)
    # Each child repeats the SVG namespace; the mark's root declares it once for all.
    body = body.replace(f' xmlns="{_SVG_NS}"', "")
    return SvgFragment(view_box, body)


def _view_box(root: ET.Element, path: Path) -> tuple[float, float, float, float]:
    try:
        if "viewBox" in root.attrib:
            x, y, w, h = (float(v) for v in re.split(r"[\s,]+", root.attrib["viewBox"].strip()))
        else:
            x, y = 0.0, 0.0
            w = float(re.sub(r"px$", "", root.attrib["width"].strip()))
            h = float(re.sub(r"px$", "", root.attrib["height"].strip()))
    except (KeyError, ValueError):
        raise ArtworkError(f"{path}: needs a viewBox (or width and height in px)") from None
    if w <= 0 or h <= 0:
        raise ArtworkError(f"{path}: viewBox has no area")
    return (x, y, w, h)


def _png_as_svg(path: Path, image: Image.Image) -> SvgFragment:
    """A raster-only replacement still works in SVG output, embedded as a data: URI."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    w, h = image.size
    body = f'<image width="{w}" height="{h}" xlink:href="data:image/png;base64,{data}"/>'
    return SvgFragment((0.0, 0.0, float(w), float(h)), body)


# ---------------------------------------------------------------- validation


def _check(url: str, cert_number: str | None, dpi: int | None, module_mm: float) -> None:
    if dpi is not None and not (isinstance(dpi, int) and DPI_RANGE[0] <= dpi <= DPI_RANGE[1]):
        raise ArtworkError(f"dpi must be a whole number from {DPI_RANGE[0]} to {DPI_RANGE[1]}")
    if not MODULE_MM_RANGE[0] <= module_mm <= MODULE_MM_RANGE[1]:
        raise ArtworkError(
            f"module size must be {MODULE_MM_RANGE[0]}-{MODULE_MM_RANGE[1]} mm, not {module_mm}"
        )
    if cert_number is not None and not (
        0 < len(cert_number) <= MAX_CERT_NUMBER
        and cert_number.strip()
        and all(" " <= ch <= "~" for ch in cert_number)
    ):
        raise ArtworkError(
            f"certificate number must be 1-{MAX_CERT_NUMBER} printable ASCII characters, "
            f"got {cert_number!r}"
        )
    if not url:
        raise ArtworkError("mark URL is empty")


def _pixels_per_module(dpi: int, module_mm: float) -> int:
    return max(1, round(dpi * module_mm / 25.4))


# ---------------------------------------------------------------- PNG

# The mark PNG is palette-based: at 600 dpi it encodes in ~2.4 ms to ~54 KB, against 12-20 ms
# and 111-129 KB as RGB (zlib level 1-6); level 3 is where more effort stops paying. The last
# palette entries are reserved so the QR and the text can be pasted as indices.
_RESERVED = 2 + 16
_BLACK = 256 - _RESERVED
_WHITE = _BLACK + 1
_RAMP = _WHITE + 1  # 16 steps from white to ink, for anti-aliased text
_QR_INDEX = bytes([_WHITE, _BLACK]) + bytes(254)  # module value 0/1 -> palette index
_TEXT_LUT = [_RAMP + round(c * 15 / 255) for c in range(256)]


def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return _font_cached(max(1, size_px))


@functools.lru_cache(maxsize=16)
def _font_cached(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size_px)


@functools.lru_cache(maxsize=256)
def _number_em(cert_number: str, box_w: float) -> float:
    """Font size (modules) for the number: the default size, or smaller if it is too wide."""
    per_em = _font(100).getlength(cert_number) / 100
    return min(_NUMBER_EM, 0.96 * box_w / per_em) if per_em > 0 else _NUMBER_EM


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    scale = min(box[0] / size[0], box[1] / size[1])
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _paste_centred(canvas: Image.Image, image: Image.Image, box: Box, ppm: int) -> None:
    w, h = _fit(image.size, (box.w * ppm, box.h * ppm))
    scaled = image.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
    x = box.x * ppm + (box.w * ppm - w) // 2
    y = box.y * ppm + (box.h * ppm - h) // 2
    canvas.paste(scaled, (x, y), scaled)


@functools.lru_cache(maxsize=8)  # ~0.6 MB each at 600 dpi, ~9 MB at 2400 dpi
def _png_base(artwork: Artwork, scheme: Scheme, n: int, ppm: int) -> Image.Image:
    """Everything but the QR and the number, quantised once to a palette with reserved entries."""
    lay = mark_layout(n)
    rgb = Image.new("RGB", (lay.width * ppm, lay.height * ppm), "white")
    _paste_centred(rgb, artwork.emblem(scheme).image, lay.emblem, ppm)
    _paste_centred(rgb, artwork.caption.image, lay.caption, ppm)
    base = rgb.quantize(colors=_BLACK, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette = base.getpalette() or []
    palette = (palette + [0] * (3 * _BLACK))[: 3 * _BLACK]
    # The background is the commonest colour; make it exactly white, like the quiet zone.
    counts = base.getcolors(256) or []
    background = max(counts)[1] if counts else 0
    assert isinstance(background, int)
    palette[3 * background : 3 * background + 3] = [255, 255, 255]
    palette += [0, 0, 0, 255, 255, 255]
    for step in range(16):
        t = step / 15
        palette += [round(255 + (c - 255) * t) for c in _INK]
    base.putpalette(palette)
    return base


def _qr_image(matrix: tuple[bytearray, ...], ppm: int, index: bytes) -> Image.Image:
    """The symbol, one palette index per module, scaled up by pixel replication."""
    n = len(matrix)
    small = Image.frombytes("P", (n, n), b"".join(matrix).translate(index))
    return small.resize((n * ppm, n * ppm), Image.Resampling.NEAREST)


def _png_unsymbolled(
    artwork: Artwork, scheme: Scheme, n: int, ppm: int, cert_number: str
) -> Image.Image:
    """The mark without its QR symbol: artwork, quiet zone and certificate number."""
    lay = mark_layout(n)
    canvas = _png_base(artwork, scheme, n, ppm).copy()
    box = lay.number
    em = _number_em(cert_number, box.w)
    mask = Image.new("L", (box.w * ppm, box.h * ppm), 0)
    baseline = (box.h + em * _CAP_HEIGHT) / 2 * ppm
    ImageDraw.Draw(mask).text(
        (box.w * ppm / 2, baseline), cert_number, fill=255, font=_font(round(em * ppm)), anchor="ms"
    )
    text = Image.frombytes("P", mask.size, mask.point(_TEXT_LUT).tobytes())
    canvas.paste(text, (box.x * ppm, box.y * ppm))
    return canvas


def _place_symbol(
    canvas: Image.Image, matrix: tuple[bytearray, ...], ppm: int, shift: tuple[int, int]
) -> None:
    lay = mark_layout(len(matrix))
    x = (lay.qr.x + QUIET_ZONE) * ppm + shift[0]
    y = (lay.qr.y + QUIET_ZONE) * ppm + shift[1]
    canvas.paste(_qr_image(matrix, ppm, _QR_INDEX), (x, y))


# ---------------------------------------------------------------- proof scans


@dataclass(frozen=True)
class QrPlacement:
    """Which of the eight equally valid symbols of a URL a PNG mark prints, and where.

    ``shift`` moves the symbol by whole pixels (right, down), less than a module and never
    down, so its quiet zone stays at least four modules on every side. ``proofed`` says the
    mark passed every simulated capture of ``issuer.scanproof``.
    """

    mask: int
    shift: tuple[int, int] = (0, 0)
    proofed: bool = False


# Symbol shifts tried by a proof, in eighths of a module (right, down), most promising
# first. Which codes OpenCV misses at a given downscale depends on where the module edges
# fall on the new pixel grid; scanning shifts over 2.40-2.60 px/module in steps of 0.01,
# 2/8 right and 5/8 up left the fewest downscales that fail for most codes (only OpenCV's
# nearest-neighbour ones), and a proof keeps it for nearly every code.
_PROOF_SHIFTS = ((2, -5), (-5, -3), (2, -3), (5, -5), (-5, -5), (2, 0), (-5, 0), (5, 0), (0, 0))


def proofed_placement(
    url: str,
    cert_number: str,
    scheme: Scheme,
    *,
    dpi: int = 600,
    artwork: Artwork | None = None,
    module_mm: float = 0.33,
) -> QrPlacement:
    """The first mask and shift whose PNG mark survives every simulated capture.

    The mark is rendered as ``render_mark_png`` would and run through
    ``issuer.scanproof``: each candidate costs one OpenCV and zxing-cpp decode per
    capture until one fails, so a proof takes about a second. The standard's own mask
    is tried first at every shift. If no candidate passes, the one that went furthest
    is returned with ``proofed=False``.
    """
    _check(url, cert_number, dpi, module_mm)
    ppm = _pixels_per_module(dpi, module_mm)
    return _proof(url, cert_number, Scheme(scheme), artwork or Artwork.default(), ppm)


@functools.lru_cache(maxsize=64)  # a mark is often rendered as PNG and SVG in one go
def _proof(url: str, cert_number: str, scheme: Scheme, art: Artwork, ppm: int) -> QrPlacement:
    from issuer import scanproof  # OpenCV and zxing-cpp load only when a proof is asked for

    n = len(_matrix(url, None))
    unsymbolled = _png_unsymbolled(art, scheme, n, ppm, cert_number)
    captures = [c for c in scanproof.CAPTURES if c.scale is None or c.scale < ppm]
    standard = qr_mask(url)

    def rank(mask: int) -> tuple[bool, int, int]:
        # A finder lookalike makes OpenCV fail even at full size: try those masks last.
        matrix = _matrix(url, mask)
        return _finder_lookalike(matrix) < _LOOKALIKE_LIMIT, _penalty(matrix), mask

    others = sorted(set(range(8)) - {standard}, key=rank)
    eighths = ((round(x * ppm / 8), round(y * ppm / 8)) for x, y in _PROOF_SHIFTS)
    shifts = dict.fromkeys(s for s in eighths if max(map(abs, s)) < ppm)  # within a module
    best, depth = QrPlacement(standard), -1
    for shift in shifts:
        for mask in (standard, *others):
            canvas = unsymbolled.copy()
            _place_symbol(canvas, _matrix(url, mask), ppm, shift)
            failed = scanproof.first_failure(canvas, url, ppm, captures)
            if failed is None:
                return QrPlacement(mask, shift, proofed=True)
            if failed > depth:
                best, depth = QrPlacement(mask, shift), failed
    return best


# ---------------------------------------------------------------- PNG output


def render_mark_png(
    url: str,
    cert_number: str,
    scheme: Scheme,
    *,
    dpi: int = 600,
    artwork: Artwork | None = None,
    module_mm: float = 0.33,
    proof_scan: bool = False,
) -> bytes:
    """The full mark as a palette PNG with its dpi recorded, ready to place at 100 %.

    With ``proof_scan`` the symbol's mask and sub-module position come from
    ``proofed_placement`` (about a second); otherwise the standard's symbol sits on the
    module grid (milliseconds).
    """
    _check(url, cert_number, dpi, module_mm)
    art = artwork or Artwork.default()
    ppm = _pixels_per_module(dpi, module_mm)
    placement = (
        _proof(url, cert_number, Scheme(scheme), art, ppm)
        if proof_scan
        else QrPlacement(qr_mask(url))
    )
    matrix = _matrix(url, placement.mask)
    canvas = _png_unsymbolled(art, Scheme(scheme), len(matrix), ppm, cert_number)
    _place_symbol(canvas, matrix, ppm, placement.shift)
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=3, dpi=(dpi, dpi))
    return out.getvalue()


def render_qr_png(url: str, *, dpi: int = 600, module_mm: float = 0.33) -> bytes:
    """The bare symbol with its quiet zone, 1 bit per pixel, for variable-data printing."""
    _check(url, None, dpi, module_mm)
    ppm = _pixels_per_module(dpi, module_mm)
    matrix = _symbol(url).matrix
    n = len(matrix)
    # 1-bit PNG: 0 is black, 1 is white.
    symbol = _qr_image(matrix, ppm, bytes([1, 0]) + bytes(254))
    side = (n + 2 * QUIET_ZONE) * ppm
    image = Image.new("P", (side, side), 1)
    image.putpalette([0, 0, 0, 255, 255, 255])
    image.paste(symbol, (QUIET_ZONE * ppm, QUIET_ZONE * ppm))
    out = io.BytesIO()
    image.save(out, format="PNG", bits=1, compress_level=6, dpi=(dpi, dpi))
    return out.getvalue()


# ---------------------------------------------------------------- SVG


def _num(v: float) -> str:
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _qr_path(matrix: tuple[bytearray, ...], x0: int, y0: int) -> str:
    """Each horizontal run of dark modules as one closed rectangle, moved to relatively."""
    parts = [f"M{x0} {y0}"]
    px, py = x0, y0  # start of the previous subpath (where ``z`` leaves the pen)
    for y, row in enumerate(matrix):
        x = 0
        n = len(row)
        while x < n:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < n and row[x]:
                x += 1
            ax, ay = x0 + start, y0 + y
            parts.append(f"m{ax - px} {ay - py}h{x - start}v1h-{x - start}z")
            px, py = ax, ay
    return "".join(parts)


@functools.lru_cache(maxsize=64)
def _svg_graphic(graphic: Graphic, box: Box, element_id: str) -> str:
    vx, vy, vw, vh = graphic.svg.view_box
    return (
        f'<svg id="{element_id}" x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" '
        f'viewBox="{_num(vx)} {_num(vy)} {_num(vw)} {_num(vh)}">{graphic.svg.body}</svg>'
    )


def render_mark_svg(
    url: str,
    cert_number: str,
    scheme: Scheme,
    *,
    artwork: Artwork | None = None,
    module_mm: float = 0.33,
    proof_scan: bool = False,
) -> str:
    """The full mark as SVG: physical size in mm, coordinates in modules.

    With ``proof_scan`` the symbol is the one ``proofed_placement`` picks for the 600 dpi
    PNG, so both files of a mark print the same code (the PNG's sub-module shift has no
    meaning in vector art and is not applied).
    """
    _check(url, cert_number, None, module_mm)
    art = artwork or Artwork.default()
    mask = None
    if proof_scan:
        ppm = _pixels_per_module(600, module_mm)
        mask = _proof(url, cert_number, Scheme(scheme), art, ppm).mask
    matrix = _matrix(url, mask)
    lay = mark_layout(len(matrix))
    box = lay.number
    em = _number_em(cert_number, box.w)
    text_w = _font(100).getlength(cert_number) / 100 * em
    baseline = box.y + (box.h + em * _CAP_HEIGHT) / 2
    ink = "#{:02X}{:02X}{:02X}".format(*_INK)
    qr_d = _qr_path(matrix, lay.qr.x + QUIET_ZONE, lay.qr.y + QUIET_ZONE)
    return "".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            f'<svg xmlns="{_SVG_NS}" xmlns:xlink="{_XLINK_NS}" version="1.1" ',
            f'width="{_num(lay.width * module_mm)}mm" height="{_num(lay.height * module_mm)}mm" ',
            f'viewBox="0 0 {lay.width} {lay.height}">\n',
            f'<rect width="{lay.width}" height="{lay.height}" fill="#FFFFFF"/>\n',
            _svg_graphic(art.emblem(Scheme(scheme)), lay.emblem, "emblem"),
            "\n",
            f'<path id="qr" fill="#000000" shape-rendering="crispEdges" d="{qr_d}"/>\n',
            f'<text id="cert-number" x="{_num(box.x + box.w / 2)}" y="{_num(baseline)}" ',
            f'font-family="sans-serif" font-size="{_num(em)}" text-anchor="middle" ',
            f'textLength="{_num(text_w)}" lengthAdjust="spacingAndGlyphs" fill="{ink}">',
            escape(cert_number),
            "</text>\n",
            _svg_graphic(art.caption, lay.caption, "caption"),
            "\n</svg>\n",
        ]
    )

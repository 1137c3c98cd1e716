"""Reference emblems for the detector, prepared once from artwork files.

The detector knows a mark only through its reference image: its dominant colour (for the
colour pre-filter), its outline (a disc or a four-sided badge, for alignment) and its picture
(for the final comparison). So the official artwork replaces the stand-ins by pointing at a
directory, with no code change: the file names are those of the artwork directory
(``SHANGPIN_ARTWORK_DIR``), and each file present there replaces the shipped one.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from crawler.detection.features import Features, reference_features
from issuer.artwork import ASSET_DIR

__all__ = ["fit_quads", "MARK_FILES", "Reference", "ReferenceError", "References", "TEMPLATE"]

#: mark name -> file name of its reference image (the artwork directory's names).
MARK_FILES: Mapping[str, str] = {
    "shangpin": "emblem-shangpin.png",
    "cultivation": "emblem-cultivation.png",
}
#: Side of the square the detector compares candidates in, pixels. Small on purpose: the
#: marks it must find are often no bigger than this in the photo.
TEMPLATE = 64
#: Side of the fine template large finds are checked in as well: a look-alike's different
#: stroke ("上晶" for "上品") is a pixel wide at TEMPLATE and two at FINE.
FINE = 2 * TEMPLATE
#: Canonical frame: the reference's fitted ellipse is the unit circle, and the frame spans
#: +-UNIT_SPAN of it, so corners of a square badge stay inside.
UNIT_SPAN = 1.25
#: Effective sizes (pixels across) the template is also prepared at, to compare a small find
#: against the reference as blurred as the find itself is.
_LOOK_SIZES = (20, 26, 32, 40, 50, 64)
#: Look-alikes of the shipped stand-in emblems in their exact layout ("上晶" for "上品"), which
#: small finds are also compared with. Tied to the shipped artwork: a reference replaced from
#: an artwork directory has none unless that directory holds one under the same name.
LOOKALIKE_FILES: Mapping[str, str] = {"shangpin": "lookalike-shangpin.png"}
_LOOKALIKE_DIR = Path(__file__).resolve().parent / "detection" / "assets"
_MAX_PIXELS = 6000 * 6000

Float = npt.NDArray[np.float32]


class ReferenceError(ValueError):
    """A reference image cannot be used; the message names the file and why."""


@dataclass(frozen=True, eq=False)
class Reference:
    """One mark's reference, prepared for the detector. Coordinates are template pixels."""

    mark: str
    source: Path
    size: tuple[int, int]  # the artwork's width and height, pixels
    hue: float  # dominant hue, OpenCV units (0-180)
    saturation: float  # its median saturation, 0-255
    value: float  # its median value (brightness), 0-255
    shape: str  # "ellipse" or "quad": how a candidate's outline is aligned to it
    #: Affine 2x3 from the canonical frame (unit circle = fitted outline) to template pixels.
    to_template: npt.NDArray[np.float64] = field(repr=False)
    #: For "quad" shapes: the outline's four corners in the canonical frame, clockwise.
    corners: npt.NDArray[np.float64] = field(repr=False)
    #: For "quad" shapes: each side's neighbours' length over its own (1 for a square).
    side_ratios: tuple[float, ...]
    box: npt.NDArray[np.float64] = field(repr=False)  # the artwork's corners, template px
    template: Float = field(repr=False)  # grey, TEMPLATE x TEMPLATE, the artwork as drawn
    mask: npt.NDArray[np.bool_] = field(repr=False)  # inside the artwork's silhouette
    inner: npt.NDArray[np.bool_] = field(repr=False)  # ...two pixels in from its edge
    #: 9 x (mask pixels): the whole emblem, then the emblem less each two neighbouring
    #: eighths around its centre, and their pixel counts (for a correlation that can leave
    #: out the side something hides).
    quarters: Float = field(repr=False)
    quarter_sizes: npt.NDArray[np.float64] = field(repr=False)
    #: Template pixels surely of the emblem's ground colour (dark, eroded) and of its ink
    #: (light lettering): where a find's own two colours are read from.
    ground: npt.NDArray[np.bool_] = field(repr=False)
    ink: npt.NDArray[np.bool_] = field(repr=False)
    looks: Mapping[int, Float] = field(repr=False)  # template as seen at a few small sizes
    #: The template at twice the size, for the fine check of large finds, and the part of it
    #: compared (inside the silhouette, four pixels in from its edge).
    fine: Float = field(repr=False)
    fine_inner: npt.NDArray[np.bool_] = field(repr=False)
    canonical: Float = field(repr=False)  # the template in the canonical frame
    polar: Float = field(repr=False)  # ...and unrolled around its centre (angle x radius)
    #: SIFT features of the artwork, for aligning a find by its lettering when its outline
    #: is cut or merged with something of its colour.
    features: Features = field(repr=False)
    #: A look-alike in the same layout, as seen at the same sizes (and at TEMPLATE under the
    #: key 0), or None: small finds must resemble the reference more than it.
    rival: Mapping[int, Float] | None = field(default=None, repr=False)
    #: Figures the detector derives from the fields above, kept once computed (keyed by
    #: what they are and the ``id`` of the look they come from: the looks live as long as
    #: the reference).
    memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    def look(self, pixels: float) -> Float:
        """The template as a find ``pixels`` across would show it: blurred when small."""
        return _look_at(self.looks, self.template, pixels)

    def rival_look(self, pixels: float) -> Float | None:
        """The look-alike as a find ``pixels`` across would show it, or None."""
        if self.rival is None:
            return None
        return _look_at(self.rival, self.rival[0], pixels)


def _look_at(looks: Mapping[int, Float], template: Float, pixels: float) -> Float:
    for size in _LOOK_SIZES:
        if pixels <= size * 1.12:
            return looks[size]
    return template


@dataclass(frozen=True, eq=False)
class References:
    """The marks the detector looks for, by name."""

    marks: Mapping[str, Reference]
    source: Path

    def __iter__(self) -> Iterator[Reference]:
        return iter(self.marks.values())

    def __len__(self) -> int:
        return len(self.marks)

    @classmethod
    def default(cls) -> References:
        return _default()

    @classmethod
    def from_dir(cls, path: Path | str | None) -> References:
        """The shipped emblems, each replaced by a file of the same name found in ``path``."""
        if path is None:
            return cls.default()
        path = Path(path)
        if not path.is_dir():
            raise ReferenceError(
                f"reference directory {path} does not exist or is not a directory"
            )
        present = {
            mark: path / name for mark, name in MARK_FILES.items() if (path / name).is_file()
        }
        if not present:
            raise ReferenceError(
                f"reference directory {path} contains none of {', '.join(MARK_FILES.values())}"
            )
        default = cls.default()
        marks = {
            mark: prepare(mark, present[mark], _lookalike(path, mark)) if mark in present
            else default.marks[mark]
            for mark in MARK_FILES
        }
        return cls(marks, path)


@functools.cache
def _default() -> References:
    return References(
        {mark: prepare(mark, ASSET_DIR / name, _lookalike(_LOOKALIKE_DIR, mark))
         for mark, name in MARK_FILES.items()}, ASSET_DIR
    )


def _lookalike(directory: Path, mark: str) -> Path | None:
    name = LOOKALIKE_FILES.get(mark)
    path = directory / name if name else None
    return path if path is not None and path.is_file() else None


# ---------------------------------------------------------------- preparation


def _load_rgba(path: Path) -> npt.NDArray[np.uint8]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > _MAX_PIXELS:
                    raise ReferenceError(f"{path}: {im.width}x{im.height} pixels is too large")
                im.load()
                rgba = im.convert("RGBA")
    except ReferenceError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise ReferenceError(f"{path}: not a readable image ({exc})") from None
    return np.asarray(rgba)


def prepare(mark: str, path: Path, lookalike: Path | None = None) -> Reference:
    """Everything the detector needs about one reference image, computed once; with
    ``lookalike``, an image of a look-alike in the same layout, how it looks at small sizes."""
    rgba = _load_rgba(path)
    h, w = rgba.shape[:2]
    opaque = rgba[..., 3] > 127
    if opaque.mean() < 0.05:
        raise ReferenceError(f"{path}: the image is (almost) fully transparent")
    hue, sat, val = _dominant_colour(rgba, opaque, path)

    place, box, rgb, small, alpha = _placed(rgba)
    mask = alpha > 200
    template = _grey(small)

    outline = _outline(opaque, path)
    shape, unit_to_px, corners = _fit_outline(outline, path)
    # Canonical frame -> template pixels: the artwork's own pixels scaled into the template.
    to_template = _compose(place, unit_to_px)

    ground, ink = _classes(template, mask)
    quarters = _quarters(mask)
    looks = {s: _seen_at(rgb, place, s) for s in _LOOK_SIZES}
    fine, fine_inner = _fine(rgb, rgba[..., 3], place)
    canonical = canonical_view(template, to_template)
    return Reference(
        mark=mark,
        source=path,
        size=(w, h),
        hue=hue,
        saturation=sat,
        value=val,
        shape=shape,
        to_template=to_template,
        corners=corners,
        side_ratios=_side_ratios(corners) if shape == "quad" else (),
        box=box,
        template=template,
        mask=mask,
        quarters=quarters,
        quarter_sizes=np.maximum(quarters.sum(axis=1), 1).astype(np.float64),
        inner=cv2.erode(mask.astype(np.uint8),
                        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))).astype(bool),
        ground=ground,
        ink=ink,
        looks=looks,
        fine=fine,
        fine_inner=fine_inner,
        canonical=canonical,
        polar=polar_view(canonical),
        features=reference_features(fine, cv2.resize(mask.astype(np.uint8), (FINE, FINE),
                                    interpolation=cv2.INTER_NEAREST).astype(bool), TEMPLATE),
        rival=_rival_looks(lookalike) if lookalike is not None else None,
    )


def _rival_looks(path: Path) -> dict[int, Float]:
    """A look-alike's template (key 0) and looks at the small sizes, placed as the reference's
    are (same layout, so the same proportions)."""
    place, _, rgb, small, _ = _placed(_load_rgba(path))
    looks = {s: _seen_at(rgb, place, s) for s in _LOOK_SIZES}
    looks[0] = _grey(small)
    return looks


def _placed(rgba: npt.NDArray[np.uint8]) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8],
        npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """The artwork fitted into the template's square, centred, over a neutral grey: the
    placement (affine 2x3, artwork pixels -> template pixels), the artwork's corners in the
    template, the artwork over grey, and the template's colour and opacity."""
    h, w = rgba.shape[:2]
    scale = TEMPLATE / max(w, h)
    tw, th = max(1, round(w * scale)), max(1, round(h * scale))
    ox, oy = (TEMPLATE - tw) / 2, (TEMPLATE - th) / 2
    place = np.array([[scale, 0, ox], [0, scale, oy]], dtype=np.float64)
    rgb = _over_grey(rgba)
    small = cv2.warpAffine(rgb, place, (TEMPLATE, TEMPLATE), flags=cv2.INTER_AREA,
                           borderValue=(128, 128, 128))
    alpha = cv2.warpAffine(rgba[..., 3], place, (TEMPLATE, TEMPLATE), flags=cv2.INTER_AREA)
    if max(w, h) > 4 * TEMPLATE:  # INTER_AREA only averages in resize; do it properly
        big = cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA)
        small = np.full((TEMPLATE, TEMPLATE, 3), 128, np.uint8)
        small[round(oy): round(oy) + th, round(ox): round(ox) + tw] = big
        a = cv2.resize(rgba[..., 3], (tw, th), interpolation=cv2.INTER_AREA)
        alpha = np.zeros((TEMPLATE, TEMPLATE), np.uint8)
        alpha[round(oy): round(oy) + th, round(ox): round(ox) + tw] = a
    box = np.array([[ox, oy], [ox + tw, oy], [ox + tw, oy + th], [ox, oy + th]], np.float64)
    return place, box, rgb, np.asarray(small, np.uint8), np.asarray(alpha, np.uint8)


def _over_grey(rgba: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3] * a + 128 * (1 - a)).astype(np.uint8)


def _grey(rgb: npt.NDArray[np.uint8]) -> Float:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _fine(rgb: npt.NDArray[np.uint8], alpha: npt.NDArray[np.uint8],
          place: npt.NDArray[np.float64]) -> tuple[Float, npt.NDArray[np.bool_]]:
    """The artwork placed as in the template, at FINE pixels, area-averaged."""
    h, w = rgb.shape[:2]
    f = FINE / TEMPLATE
    tw, th = max(1, round(w * place[0, 0] * f)), max(1, round(h * place[1, 1] * f))
    x, y = round(place[0, 2] * f), round(place[1, 2] * f)
    grey = np.full((FINE, FINE), 128, np.float32)
    grey[y: y + th, x: x + tw] = _grey(cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA))
    a = np.zeros((FINE, FINE), np.uint8)
    a[y: y + th, x: x + tw] = cv2.resize(alpha, (tw, th), interpolation=cv2.INTER_AREA)
    inner = cv2.erode((a > 200).astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))).astype(bool)
    return grey, inner


def _seen_at(rgb: npt.NDArray[np.uint8], place: npt.NDArray[np.float64], pixels: int) -> Float:
    """The template after the artwork was photographed ``pixels`` across and enlarged again."""
    h, w = rgb.shape[:2]
    f = pixels / max(w, h)
    tiny = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))),
                      interpolation=cv2.INTER_AREA)
    back = np.array([[place[0, 0] / f, 0, place[0, 2]], [0, place[1, 1] / f, place[1, 2]]])
    seen = cv2.warpAffine(tiny, back, (TEMPLATE, TEMPLATE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    return _grey(seen)


def _dominant_colour(rgba: npt.NDArray[np.uint8], opaque: npt.NDArray[np.bool_],
                     path: Path) -> tuple[float, float, float]:
    """The hue most of the artwork's saturated pixels share (circular median, OpenCV units)."""
    hsv = cv2.cvtColor(np.ascontiguousarray(rgba[..., :3]), cv2.COLOR_RGB2HSV)
    sel = opaque & (hsv[..., 1] > 80) & (hsv[..., 2] > 40)
    if sel.sum() < 0.1 * opaque.sum():
        raise ReferenceError(
            f"{path}: the artwork has no dominant saturated colour, which the detector's "
            f"colour pre-filter needs"
        )
    hues = hsv[..., 0][sel].astype(np.float64) * (2 * math.pi / 180)
    mean = math.atan2(float(np.sin(hues).mean()), float(np.cos(hues).mean()))
    hue = (math.degrees(mean) / 2) % 180
    return hue, float(np.median(hsv[..., 1][sel])), float(np.median(hsv[..., 2][sel]))


def _outline(opaque: npt.NDArray[np.bool_], path: Path) -> npt.NDArray[np.float64]:
    """Convex hull of the artwork's largest opaque part, in artwork pixels."""
    contours, _ = cv2.findContours(opaque.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    if not contours:
        raise ReferenceError(f"{path}: no opaque shape found")
    biggest = max(contours, key=cv2.contourArea)
    return cv2.convexHull(biggest).reshape(-1, 2).astype(np.float64)


def _fit_outline(hull: npt.NDArray[np.float64], path: Path
                 ) -> tuple[str, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """("ellipse" | "quad", affine unit frame -> artwork pixels, quad corners in unit frame)."""
    ellipse = fit_ellipse(hull)
    if ellipse is None:
        raise ReferenceError(f"{path}: the artwork's outline is degenerate")
    unit = unit_to_image(ellipse)
    pts = apply(invert(unit), hull)
    radii = np.hypot(pts[:, 0], pts[:, 1])
    if float(np.abs(radii - 1).max()) < 0.03:
        return "ellipse", unit, np.zeros((4, 2))
    quad = fit_quad(hull)
    if quad is None:
        raise ReferenceError(
            f"{path}: the artwork's outline is neither round nor four-sided; the detector "
            f"aligns finds by one of those outlines"
        )
    return "quad", unit, apply(invert(unit), quad)


def _quarters(mask: npt.NDArray[np.bool_]) -> Float:
    yy, xx = np.mgrid[0:TEMPLATE, 0:TEMPLATE] - (TEMPLATE - 1) / 2
    eighth = ((np.arctan2(yy, xx) + np.pi) / (2 * np.pi) * 8).astype(np.int64).clip(0, 7)[mask]
    rows = [np.ones(eighth.size, bool)]
    rows += [(eighth != k) & (eighth != (k + 1) % 8) for k in range(8)]
    return np.array(rows, np.float32)


def _side_ratios(corners: npt.NDArray[np.float64]) -> tuple[float, ...]:
    """The distinct ratios of a side's neighbours' length to its own, to two decimals."""
    sides = np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1)
    ratios = {round(float((sides[i - 1] + sides[(i + 1) % 4]) / (2 * sides[i])), 2)
              for i in range(4)}
    return tuple(sorted(ratios))


def _classes(template: Float, mask: npt.NDArray[np.bool_]
             ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(ground, ink): the template's dark side eroded by a pixel (so a slightly misaligned
    find still shows ground there), and its light side as drawn."""
    lo, hi = np.percentile(template[mask], [5, 95])
    mid = (lo + hi) / 2
    dark = ((template < mid) & mask).astype(np.uint8)
    ground = cv2.erode(dark, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))).astype(bool)
    return ground, (template > mid) & mask


# ---------------------------------------------------------------- geometry shared with the detector


def fit_ellipse(points: npt.NDArray[np.float64]) -> tuple[float, float, float, float, float] | None:
    """(cx, cy, semi-axis a, semi-axis b, angle in degrees) of the best-fitting ellipse."""
    if len(points) < 5:
        return None
    (cx, cy), (d1, d2), angle = cv2.fitEllipse(points.astype(np.float32))
    if not (np.isfinite([cx, cy, d1, d2]).all() and d1 > 1 and d2 > 1):
        return None
    return float(cx), float(cy), float(d1) / 2, float(d2) / 2, float(angle)


def unit_to_image(ellipse: tuple[float, float, float, float, float]) -> npt.NDArray[np.float64]:
    """Affine 2x3 mapping the unit circle onto ``ellipse``."""
    cx, cy, a, b, angle = ellipse
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    return np.array([[a * c, -b * s, cx], [a * s, b * c, cy]], dtype=np.float64)


def fit_quad(hull: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
    """The four corners of a four-sided outline (rounded corners allowed), clockwise."""
    quads = fit_quads(hull)
    return quads[0] if quads else None


def fit_quads(hull: npt.NDArray[np.float64]) -> list[npt.NDArray[np.float64]]:
    """Candidate corner sets (clockwise) for a four-sided outline, most likely first.

    The hull is simplified to four vertices for a first guess, or to five or six when
    something in front cuts a corner off, and its longest four edges taken as the sides
    (one reading per simplification). A line is then fitted to the middle part of each side
    (leaving out the rounded corners and a blurred edge's wobble) and the lines, intersected
    in turn, give the corners the rounding cuts off.
    """
    if len(hull) < 4:
        return []
    closed = np.vstack([hull, hull[:1]])
    perimeter = float(np.hypot(*np.diff(closed, axis=0).T).sum())
    if perimeter <= 0:
        return []
    polys = []
    for eps in (0.01, 0.02, 0.035, 0.05, 0.07):
        poly = cv2.approxPolyDP(hull.astype(np.float32).reshape(-1, 1, 2), eps * perimeter, True)
        if 4 <= len(poly) <= 6 and not any(len(p) == len(poly) for p in polys):
            polys.append(poly.reshape(-1, 2).astype(np.float64))
    polys.sort(key=len)  # four vertices first
    dense = _densify(closed)
    out = []
    for approx in polys:
        n = len(approx)
        edges = np.hypot(*(np.roll(approx, -1, axis=0) - approx).T)
        keep = sorted(np.argsort(edges)[-4:])
        quad = _quad_from_sides([(approx[i], approx[(i + 1) % n]) for i in keep], dense)
        if quad is not None:
            out.append(quad)
    return out


_TIGHT_BAND = 0.03


def _quad_from_sides(sides: list[tuple[np.ndarray, np.ndarray]], dense: np.ndarray
                     ) -> npt.NDArray[np.float64] | None:
    lines = []
    for a, b in sides:
        d = b - a
        length = float(np.hypot(*d))
        if length < 1e-6:
            return None
        line = (a, b)
        # Twice: first with a loose band around the chord between the first-guess vertices
        # (which sit on the rounded corners, inside the true side), then around that fit.
        for band in (0.15, _TIGHT_BAND):
            p0, p1 = line
            u = (p1 - p0) / max(float(np.hypot(*(p1 - p0))), 1e-9)
            rel = dense - p0
            t = (dense - a) @ (d / length)
            off = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
            near = (t > 0.2 * length) & (t < 0.8 * length) & (off < max(1.5, band * length))
            pts = dense[near]
            if len(pts) < 2:
                break
            # Robust to a bite out of the side in the loose band; plain least squares in
            # the tight one, where every point lies on the side.
            metric = cv2.DIST_HUBER if band > _TIGHT_BAND else cv2.DIST_L2
            vx, vy, x0, y0 = cv2.fitLine(pts.astype(np.float32), metric, 0, 0.01,
                                         0.01).ravel()
            q0 = np.array([x0, y0], np.float64)
            line = (q0, q0 + np.array([vx, vy], np.float64))
        lines.append(line)
    corners = []
    for i in range(4):
        (a0, a1), (b0, b1) = lines[i - 1], lines[i]
        p = _intersect(a0, a1, b0, b1)
        if p is None:
            return None
        corners.append(p)
    quad = np.array(corners)
    # Clockwise in image coordinates (y down) means a positive shoelace sum.
    if _shoelace(quad) < 0:
        quad = quad[::-1]
    if not _convex(quad):
        return None
    return quad


def _convex(q: npt.NDArray[np.float64]) -> bool:
    d = np.roll(q, -1, axis=0) - q
    cross = d[:, 0] * np.roll(d, -1, axis=0)[:, 1] - d[:, 1] * np.roll(d, -1, axis=0)[:, 0]
    return bool((cross > 0).all() or (cross < 0).all())


def _densify(closed: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Points every pixel or so along a closed polygon's edges."""
    starts, ends = closed[:-1], closed[1:]
    counts = np.maximum(1, np.hypot(*(ends - starts).T).astype(int))
    edge = np.repeat(np.arange(len(starts)), counts)
    t = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[edge]
    return starts[edge] + t[:, None] * (ends - starts)[edge]


def _intersect(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray
               ) -> np.ndarray | None:
    da, db = a1 - a0, b1 - b0
    den = da[0] * db[1] - da[1] * db[0]
    if abs(den) < 1e-9 * (np.hypot(*da) * np.hypot(*db) + 1e-12):
        return None
    t = ((b0[0] - a0[0]) * db[1] - (b0[1] - a0[1]) * db[0]) / den
    return a0 + t * da


def _shoelace(q: np.ndarray) -> float:
    x, y = q[:, 0], q[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def invert(affine: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return cv2.invertAffineTransform(affine).astype(np.float64)


def apply(affine: npt.NDArray[np.float64], pts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return pts @ affine[:, :2].T + affine[:, 2]


def _compose(outer: npt.NDArray[np.float64], inner: npt.NDArray[np.float64]
             ) -> npt.NDArray[np.float64]:
    """outer after inner, both 2x3."""
    o = np.vstack([outer, [0, 0, 1]])
    i = np.vstack([inner, [0, 0, 1]])
    return (o @ i)[:2]


#: Canonical view: TEMPLATE x TEMPLATE pixels spanning +-UNIT_SPAN of the unit frame.
_VIEW = np.array([[TEMPLATE / (2 * UNIT_SPAN), 0, TEMPLATE / 2],
                  [0, TEMPLATE / (2 * UNIT_SPAN), TEMPLATE / 2]], dtype=np.float64)
POLAR_ANGLES = 180
POLAR_RADII = 24


def view_to_unit() -> npt.NDArray[np.float64]:
    return invert(_VIEW)


def canonical_view(image: Float, unit_to_image_: npt.NDArray[np.float64]) -> Float:
    """Sample ``image`` into the canonical frame, given unit frame -> image pixels."""
    m = _compose(unit_to_image_, view_to_unit())  # view px -> image px
    return cv2.warpAffine(image, m, (TEMPLATE, TEMPLATE),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def polar_view(canonical: Float) -> Float:
    """The canonical view unrolled: rows are angles (2 degrees each), columns radii out to the
    unit circle; each column's mean removed, so correlating rows finds the rotation."""
    polar = cv2.warpPolar(canonical, (POLAR_RADII, POLAR_ANGLES), (TEMPLATE / 2, TEMPLATE / 2),
                          TEMPLATE / (2 * UNIT_SPAN), cv2.INTER_LINEAR + cv2.WARP_POLAR_LINEAR)
    return (polar - polar.mean(axis=0, keepdims=True)).astype(np.float32)

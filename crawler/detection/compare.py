"""The decision: does the aligned candidate look like the reference, everywhere it is seen?

The candidate is sampled into the template's frame and compared two ways:

* normalised correlation of grey levels over the whole emblem, which ignores brightness and
  contrast; it vetoes clear mismatches but barely moves for a look-alike ("上晶" for "上品"),
  which differs in a few strokes;
* the largest local difference: the candidate's grey levels mapped onto the reference's by
  rank (undoing brightness, contrast and gamma), then the mean difference in every small
  window; a missing or extra stroke shows here.

Pixels that cannot be the emblem's print (neither its ground nor its ink nor a blend, or
clearly of another hue) are taken as hidden by something in front and left out of both, so a
finger or a sticker over part of the mark does not sink it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from crawler.detection.candidates import HUE_TOLERANCE
from crawler.references import TEMPLATE, Reference

Matrix = npt.NDArray[np.float64]
Float = npt.NDArray[np.float32]

#: Hue difference (OpenCV units, 2 degrees each) from every emblem colour beyond which a
#: saturated pixel is taken as something in front of the emblem.
OFF_HUE = 14
#: Side of the window the local residual is measured in, template pixels.
LOCAL_WINDOW = 3
#: The overall correlation counts against the threshold with this margin, so that it only
#: vetoes clear mismatches and the local difference decides the close calls.
NCC_MARGIN = 0.175
#: Less than this share of the emblem visible: no decision, no find.
MIN_VISIBLE = 0.45


@dataclass(frozen=True)
class Comparison:
    ncc: float  # normalised correlation over all visible pixels
    local: float  # largest local difference, in units of the reference's contrast
    visible: float  # share of the emblem not hidden

    @property
    def score(self) -> float:
        """One figure, 0..1: one minus the worst local difference, capped by the overall
        correlation (plus ``NCC_MARGIN``); 0 when too little of the emblem is visible."""
        if self.visible < MIN_VISIBLE:
            return 0.0
        return float(np.clip(min(1.0 - self.local, self.ncc + NCC_MARGIN), 0.0, 1.0))


def sample(image: npt.NDArray[np.generic], h: Matrix) -> npt.NDArray[np.float32]:
    """The image seen through ``h`` (template pixels -> image pixels), template-sized."""
    crop, hc = roi(image, h)
    return cv2.warpPerspective(crop, hc, (TEMPLATE, TEMPLATE),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE).astype(np.float32)


def roi(image: npt.NDArray[np.generic], h: Matrix, margin: int = 4
        ) -> tuple[npt.NDArray[np.generic], Matrix]:
    """The part of the image ``h`` maps the template onto, shrunk (area-averaged) to about
    the template's scale, and the map into it: sampling a large find straight into a small
    template would alias its fine lettering."""
    corners = cv2.perspectiveTransform(_FRAME, h)[0]
    if not np.isfinite(corners).all():
        return image, h
    x0, y0 = (np.floor(corners.min(axis=0)).astype(int) - margin).tolist()
    x1, y1 = (np.ceil(corners.max(axis=0)).astype(int) + margin).tolist()
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(image.shape[1], x1), min(image.shape[0], y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return image, h
    crop = image[y0:y1, x0:x1]
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1.0]])
    side = max(x1 - x0, y1 - y0)
    factor = 1.25 * TEMPLATE / side
    if factor < 0.8:
        w, hh = max(1, round((x1 - x0) * factor)), max(1, round((y1 - y0) * factor))
        crop = cv2.resize(crop, (w, hh), interpolation=cv2.INTER_AREA)
        shift = np.diag([w / (x1 - x0), hh / (y1 - y0), 1.0]) @ shift
    return np.ascontiguousarray(crop), shift @ h


_FRAME = np.array([[[0, 0], [TEMPLATE, 0], [TEMPLATE, TEMPLATE], [0, TEMPLATE]]], np.float64)


def compare(rgb: npt.NDArray[np.uint8], grey: Float, h: Matrix, ref: Reference,
            pixels: float) -> Comparison:
    patch = sample(grey, h)
    colour = sample(rgb, h)
    # Blends at an occluder's edge are hidden too.
    visible = ref.mask & ~cv2.dilate(_hidden(colour, ref).astype(np.uint8), _GROW).astype(bool)
    look = ref.look(pixels)
    share = float(visible.sum()) / max(1, int(ref.mask.sum()))
    ncc = _ncc(patch[visible], look[visible])
    return Comparison(ncc=ncc, local=_local_residual(patch, look, visible), visible=share)


def correlation(grey: Float, h: Matrix, ref: Reference, pixels: float, *,
                fast: bool = False) -> float:
    """Overall correlation only: the cheap figure hypotheses are ranked by. ``fast`` samples
    straight from the full image (aliased for large finds, fine for ranking)."""
    if fast:
        patch = cv2.warpPerspective(grey, h, (TEMPLATE, TEMPLATE),
                                    flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_REPLICATE)
    else:
        patch = sample(grey, h)
    return _ncc(patch[ref.mask], ref.look(pixels)[ref.mask])


def _ncc(a: Float, b: Float) -> float:
    if a.size < 16:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    den = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / den if den > 1e-6 else 0.0


def _hidden(colour: Float, ref: Reference) -> npt.NDArray[np.bool_]:
    """Pixels that cannot be the emblem's print: far from every blend of its ground and its
    light ink as this photo shows them, or clearly coloured in another hue.

    The photo's ground colour is the median of the pixels of about the reference's hue (the
    majority of an emblem, whatever is in front of it), its ink the lightest unsaturated
    pixels; neither needs the alignment to be right to the pixel. A look-alike's strokes are
    ground and ink too, so they stay visible and are judged.
    """
    img = np.clip(colour, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    h = hsv[..., 0].astype(np.int16)
    sat = hsv[..., 1]
    near = np.abs((h - round(ref.hue) + 90) % 180 - 90) <= HUE_TOLERANCE
    ground_px = ref.mask & near & (sat > 0.3 * ref.saturation)
    if ground_px.sum() < 16:
        return np.zeros(ref.mask.shape, bool)
    ground = np.median(colour[ground_px], axis=0)
    ground_hue = int(np.median(h[ground_px]))
    pale = ref.mask & (sat < 80)
    pool = colour[pale] if pale.sum() >= 16 else colour[ref.mask]
    luma = pool @ _LUMA
    ink = np.median(pool[luma >= np.percentile(luma, 90)], axis=0)
    spread = float(np.linalg.norm(ink - ground))
    limit = max(35.0, 0.22 * spread)
    flat = colour.reshape(-1, 3)
    hidden = (_segment_distance(flat, ground, ink) > limit).reshape(ref.mask.shape)
    # Blends of a red and white pass close to skin in RGB, but not in hue: a clearly
    # coloured pixel of another hue than the ground's is something in front.
    off = np.abs((h - ground_hue + 90) % 180 - 90)
    ink_hsv = cv2.cvtColor(np.clip(ink, 0, 255).astype(np.uint8)[None, None], cv2.COLOR_RGB2HSV)
    if int(ink_hsv[0, 0, 1]) > 40:  # a colour cast tints the light ink: its hue is the ink's
        off = np.minimum(off, np.abs((h - int(ink_hsv[0, 0, 0]) + 90) % 180 - 90))
    hidden |= (sat > 70) & (off > OFF_HUE)
    return hidden


_GROW = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _segment_distance(px: Float, a: Float, b: Float) -> Float:
    d = b - a
    # A little past either end too: the photo's extremes go beyond the estimated colours.
    t = np.clip(((px - a) @ d) / max(float(d @ d), 1e-6), -0.25, 1.25)
    nearest = a + t[:, None] * d
    return np.sqrt(((px - nearest) ** 2).sum(axis=1))


def _local_residual(patch: Float, look: Float, visible: npt.NDArray[np.bool_]) -> float:
    """The largest mean difference in a small window between the candidate and the reference,
    after mapping the candidate's grey levels onto the reference's by their ranks (which
    undoes any brightness, contrast or gamma change), in units of the reference's contrast.
    A missing or extra stroke shows here even when the overall correlation barely moves."""
    p = patch[visible]
    if p.size < 16:
        return 9.0
    ps = np.sort(p)
    rank = np.clip(np.searchsorted(ps, patch, side="left").astype(np.float32)
                   / max(1, ps.size - 1), 0, 1)
    k = LOCAL_WINDOW
    den = cv2.boxFilter(visible.astype(np.float32), -1, (k, k), normalize=False,
                        borderType=cv2.BORDER_CONSTANT)
    full = den >= k * k - 0.5  # windows entirely on the visible emblem
    if not full.any():
        return 9.0
    best = 9.0
    for blur in _BLURS:  # the photo may be softer than the look for its size
        t = cv2.GaussianBlur(look, (0, 0), blur) if blur else look
        ts = np.sort(t[visible])
        contrast = float(ts[int(0.95 * (ts.size - 1))] - ts[int(0.05 * (ts.size - 1))])
        if contrast < 1e-3:
            continue
        mapped = np.interp(rank, np.linspace(0, 1, ts.size), ts).astype(np.float32)
        r = np.abs(mapped - t) / contrast
        r[~visible] = 0
        num = cv2.boxFilter(r, -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
        best = min(best, float(num[full].max()) / (k * k))
    return best


_BLURS = (0.0, 0.7, 1.2)

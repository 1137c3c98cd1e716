"""The decision: does the aligned candidate look like the reference, everywhere it is seen?

The candidate is sampled into the template's frame and compared these ways:

* normalised correlation of grey levels over the whole emblem, which ignores brightness and
  contrast; it vetoes clear mismatches but barely moves for a look-alike ("上晶" for "上品"),
  which differs in a few strokes;
* the largest local difference: the candidate's grey levels mapped onto the reference's by
  rank (undoing brightness, contrast and gamma), then the mean difference in every small
  window inside the emblem; a missing or extra stroke shows here. Large finds are compared
  again at twice the template's size, where a look-alike's thin strokes are no longer
  averaged away.
* for smaller finds, against the reference's look-alike as well (when it has one), over the
  pixels where the two differ: at 40-100 px "上晶"'s extra bars are under a pixel, too
  little for any one window, but together they show which of the two the find is.

Pixels that cannot be the emblem's print are taken as hidden by something in front and left
out of all of them, so a finger or a sticker over part of the mark does not sink it: colours that
no blend of the find's own ground and ink can give, and flat patches of an in-between colour
that reach in from the emblem's edge (see ``_hidden``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar, cast

import cv2
import numpy as np
import numpy.typing as npt

from crawler.references import FINE, TEMPLATE, Reference

Matrix = npt.NDArray[np.float64]
Float = npt.NDArray[np.float32]
T = TypeVar("T")

#: Distance from every blend of a find's ground and ink (chroma, luma at half weight, grey
#: levels) beyond which a pixel is taken as something in front: at least OFF_COLOUR, and
#: OFF_SHARE of the ground-to-ink distance for high-contrast prints.
OFF_COLOUR = 22.0
OFF_SHARE = 0.1
#: A third colour: the distance from the blends, smoothed by THIRD_BLUR template pixels,
#: above THIRD_NOISE times the median of that over the find and at least THIRD_MIN (see
#: ``_third_colour``).
THIRD_BLUR = 1.0
THIRD_NOISE = 2.5
THIRD_MIN = 7.0
#: A flat patch of another colour than the ground: the spread of its ground-to-ink position
#: within FLAT_WINDOW template pixels stays under FLAT_SPREAD, and it covers at least
#: MIN_PATCH of the emblem.
FLAT_WINDOW = 5
FLAT_SPREAD = 0.07
MIN_PATCH = 0.015
#: ...and differs from what the reference shows there by this much on average (0..1 from
#: ground to ink).
MISMATCH = 0.25
#: Side of the window the local residual is measured in, template pixels: about a stroke
#: and the gap beside it, so a stroke missing or added fills much of one window.
LOCAL_WINDOW = 5
#: Blurs (template pixels) the reference is also compared at: the photo may be softer.
_BLURS = (0.0, 0.7, 1.2)
#: Finds at least this share of FINE across are also compared at FINE, in windows of
#: FINE_WINDOW pixels, at blurs of _FINE_BLURS.
FINE_FROM = 0.9
FINE_WINDOW = 7
#: The fine difference counts at this weight: genuine large finds stay under about 0.2
#: there, "上晶" for "上品" is 0.3 and more; at 0.8 the threshold falls halfway, at 0.25.
FINE_WEIGHT = 0.8
_FINE_BLURS = (0.0, 1.4, 2.4)
#: Blurs (template pixels) the look-alike test tries: as _BLURS, and softer still, since a
#: small find blurred beyond every blur tried reads as the look-alike's extra strokes.
_RIVAL_BLURS = (*_BLURS, 1.8)
#: The overall correlation counts against the threshold with this margin, so that it only
#: vetoes clear mismatches and the local difference decides the close calls.
NCC_MARGIN = 0.175
#: Finds smaller than FINE_FROM of FINE are also compared with the reference's look-alike
#: (when it has one) where the two differ: RIVAL is how much better the reference explains
#: those pixels, about +1 for the mark and -1 for the look-alike. Below RIVAL_MIN the find
#: is taken for the look-alike and scores at most LOOKALIKE_SCORE; above it, the local
#: difference counts at RIVAL_WEIGHT, since the look-alike, which it was there to tell
#: apart at that size, has been told apart already.
RIVAL_MIN = -0.4
RIVAL_WEIGHT = 0.8
LOOKALIKE_SCORE = 0.5
#: Where the standardised reference and look-alike differ by this much, template pixels.
_RIVAL_SPLIT = 0.25
#: Visible pieces smaller than this share of the emblem are left out as well.
MIN_PIECE = 0.04
#: Less than this share of the emblem visible: no decision, no find.
MIN_VISIBLE = 0.45


@dataclass(frozen=True)
class Comparison:
    ncc: float  # normalised correlation over all visible pixels
    local: float  # largest local difference, in units of the reference's contrast
    visible: float  # share of the emblem not hidden
    fine: float  # largest local difference at the fine size (0 for finds too small for it)
    seen: npt.NDArray[np.bool_] = field(repr=False, compare=False)  # ...and where, template px
    #: How much better the reference than its look-alike explains where they differ (about
    #: +1 for the mark, -1 for the look-alike); None when not compared (large finds, or no
    #: look-alike known).
    rival: float | None = None

    @property
    def score(self) -> float:
        """One figure, 0..1: one minus the worst local difference, capped by the overall
        correlation (plus ``NCC_MARGIN``); 0 when too little of the emblem is visible. A
        small find closer to the look-alike than ``RIVAL_MIN`` scores at most
        ``LOOKALIKE_SCORE``; one that passes that test has its local difference weighed at
        ``RIVAL_WEIGHT``."""
        if self.visible < MIN_VISIBLE:
            return 0.0
        local = self.local
        if self.rival is not None and self.rival >= RIVAL_MIN:
            local *= RIVAL_WEIGHT
        worst = max(local, FINE_WEIGHT * self.fine)
        score = float(np.clip(min(1.0 - worst, self.ncc + NCC_MARGIN), 0.0, 1.0))
        if self.rival is not None and self.rival < RIVAL_MIN:
            return min(score, LOOKALIKE_SCORE)
        return score


def sample(image: npt.NDArray[np.generic], h: Matrix, size: int = TEMPLATE
           ) -> npt.NDArray[np.float32]:
    """The image seen through ``h`` (template pixels -> image pixels), ``size`` pixels
    square (``h`` scaled when ``size`` is not the template's)."""
    if size != TEMPLATE:
        h = h @ np.diag([TEMPLATE / size, TEMPLATE / size, 1.0])
    crop, hc = roi(image, h, size)
    return cv2.warpPerspective(crop, hc, (size, size),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE).astype(np.float32)


def roi(image: npt.NDArray[np.generic], h: Matrix, size: int = TEMPLATE, margin: int = 4
        ) -> tuple[npt.NDArray[np.generic], Matrix]:
    """The part of the image ``h`` maps a ``size``-pixel square onto, shrunk (area-averaged)
    to about that scale, and the map into it: sampling a large find straight into a small
    template would alias its fine lettering."""
    frame = np.array([[[0, 0], [size, 0], [size, size], [0, size]]], np.float64)
    corners = cv2.perspectiveTransform(frame, h)[0]
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
    factor = 1.25 * size / side
    if factor < 0.8:
        w, hh = max(1, round((x1 - x0) * factor)), max(1, round((y1 - y0) * factor))
        crop = cv2.resize(crop, (w, hh), interpolation=cv2.INTER_AREA)
        shift = np.diag([w / (x1 - x0), hh / (y1 - y0), 1.0]) @ shift
    return np.ascontiguousarray(crop), shift @ h




def compare(rgb: npt.NDArray[np.uint8], grey: Float, h: Matrix, ref: Reference,
            pixels: float, threshold: float = 0.0) -> Comparison:
    """The comparison of the find ``h`` maps the template onto. The fine check (large finds
    only) is skipped when the rest already scores under ``threshold``: it can only lower a
    score."""
    colour = sample(rgb, h)
    patch = colour @ _LUMA  # the grey levels, as the image's own conversion gives them
    # Blends at an occluder's edge are hidden too; so is what lies beyond the photo's edge
    # (sampling repeats the edge pixels there).
    look = ref.look(pixels)
    visible = _visible(_hidden(colour, look, ref) | ~inside(h, grey.shape), ref)
    share = float(visible.sum()) / max(1, int(ref.mask.sum()))
    ncc = _ncc(patch[visible], look[visible])
    local = _local_residual(patch, blurred(ref, look, _BLURS), visible, ref.inner)
    fine = 0.0
    rival = None
    small = pixels < FINE_FROM * FINE
    coarse = Comparison(ncc=ncc, local=local, visible=share, fine=0.0, seen=visible)
    if not small and coarse.score >= threshold:
        seen = cv2.resize(visible.astype(np.uint8), (FINE, FINE),
                          interpolation=cv2.INTER_NEAREST).astype(bool)
        fine = _local_residual(sample(grey, h, FINE), blurred(ref, ref.fine, _FINE_BLURS),
                               seen, ref.fine_inner, window=FINE_WINDOW)
    rival_look = ref.rival_look(pixels) if small else None
    if rival_look is not None and share >= MIN_VISIBLE:
        # Only worth it where the verdict could change: the relaxed score reaches threshold.
        relaxed = Comparison(ncc=ncc, local=local, visible=share, fine=0.0, seen=visible,
                             rival=RIVAL_MIN)
        if relaxed.score >= threshold:
            rival = lookalike_margin(patch, look, rival_look, visible & ref.inner)
    return Comparison(ncc=ncc, local=local, visible=share, fine=fine, seen=visible,
                      rival=rival)


def lookalike_margin(patch: Float, look: Float, other: Float,
                     region: npt.NDArray[np.bool_]) -> float:
    """How much better ``look`` than ``other`` explains the find where the two differ: the
    squared differences from each, standardised over ``region`` (undoing brightness and
    contrast), over the pixels where they differ, as a share of their own difference there:
    +1 when the find is exactly ``look``, -1 when it is ``other``. Compared as sharp and as
    blurred as the best fit of the two says the photo is."""
    if region.sum() < 100:
        return 0.0
    zp = _standard(patch, region)
    best: tuple[float, float] | None = None
    for blur in _RIVAL_BLURS:
        a = np.asarray(cv2.GaussianBlur(look, (0, 0), blur), np.float32) if blur else look
        b = np.asarray(cv2.GaussianBlur(other, (0, 0), blur), np.float32) if blur else other
        za, zb = _standard(a, region), _standard(b, region)
        differ = region & (np.abs(za - zb) > _RIVAL_SPLIT)
        if differ.sum() < 5:
            continue
        ea, eb = (zp - za)[region] ** 2, (zp - zb)[region] ** 2
        fit = min(float(ea.mean()), float(eb.mean()))
        gap = float(((za - zb)[differ] ** 2).sum())
        lr = float(((zp - zb)[differ] ** 2).sum() - ((zp - za)[differ] ** 2).sum()) / gap
        if best is None or fit < best[0]:
            best = (fit, lr)
    return best[1] if best is not None else 0.0


def inside(h: Matrix, shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Template pixels that ``h`` maps inside an image of ``shape``: a mark cut by the
    photo's edge is seen only in part, like one with something in front."""
    pts = cv2.perspectiveTransform(_GRID, h)
    x, y = pts[0, :, 0], pts[0, :, 1]
    ok = (x >= 0) & (y >= 0) & (x <= shape[1] - 1) & (y <= shape[0] - 1)
    return np.asarray(ok.reshape(TEMPLATE, TEMPLATE), np.bool_)


def _standard(a: Float, region: npt.NDArray[np.bool_]) -> Float:
    v = a[region]
    return ((a - float(v.mean())) / max(float(v.std()), 1e-3)).astype(np.float32)


def _visible(hidden: npt.NDArray[np.bool_], ref: Reference) -> npt.NDArray[np.bool_]:
    """The emblem less what is hidden, the blends at an occluder's edge, and small pieces
    left between hidden parts (the white star on a black sticker), which say too little."""
    visible = ref.mask & ~cv2.dilate(hidden.astype(np.uint8), _GROW).astype(bool)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(visible.astype(np.uint8), 4)
    if count > 2:
        small = stats[:, cv2.CC_STAT_AREA] < MIN_PIECE * ref.mask.sum()
        small[0] = False
        visible &= ~small[labels]
    return visible


def correlation(grey: Float, h: Matrix, ref: Reference, pixels: float) -> float:
    """Overall correlation only: the cheap figure alignments are ranked by.

    Something in front of a mark comes in from one side, so the figure is the better of the
    correlation over the whole emblem and over the emblem less its worst quarter (two
    neighbouring eighths around the centre): a mark a quarter hidden still ranks high."""
    return float(_correlations(sample(grey, h)[ref.mask][None], ref, ref.look(pixels))[0])


def quick_correlations(grey: Float, maps: list[Matrix], ref: Reference,
                       sizes: list[float]) -> list[float]:
    """``correlation`` of each of ``maps`` (finds ``sizes`` pixels across), all at once and
    sampled straight from the full image: aliased for large finds, fine for ranking."""
    out = [0.0] * len(maps)
    by_look: dict[int, list[int]] = {}
    for i, size in enumerate(sizes):
        by_look.setdefault(id(ref.look(size)), []).append(i)
    for members in by_look.values():
        patches = np.stack([
            cv2.warpPerspective(grey, maps[i], (TEMPLATE, TEMPLATE),
                                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderMode=cv2.BORDER_REPLICATE)[ref.mask]
            for i in members])
        for i, c in zip(members, _correlations(patches, ref, ref.look(sizes[members[0]])),
                        strict=True):
            out[i] = float(c)
    return out


def _correlations(a: Float, ref: Reference, look: Float) -> npt.NDArray[np.float64]:
    """The figure of ``correlation`` for each row of ``a`` (the emblem's pixels of one
    find per row) against ``look``."""
    if a.shape[1] < 16:
        return np.zeros(len(a))
    b, sb, sbb = _look_sums(ref, look)
    a = a - a.mean(axis=1, keepdims=True)
    # Sums and sums of squares and products over everything and over everything less each
    # two neighbouring eighths, in one product with the reference's selection matrix.
    sa, saa, sab = a @ ref.quarters.T, (a * a) @ ref.quarters.T, (a * b) @ ref.quarters.T
    n = ref.quarter_sizes
    den = np.sqrt(np.maximum(saa - sa * sa / n, 0) * np.maximum(sbb - sb * sb / n, 0))
    ncc = np.where(den > 1e-6, (sab - sa * sb / n) / np.maximum(den, 1e-6), 0.0)
    return np.asarray(ncc.max(axis=1), np.float64)


def _look_sums(ref: Reference, look: Float) -> tuple[Float, Float, Float]:
    """The look over the emblem, less its mean, and its sums and sums of squares over each
    of ``ref.quarters``: the same for every hypothesis, so computed once per look."""
    def sums() -> tuple[Float, Float, Float]:
        b = look[ref.mask]
        b = (b - b.mean()).astype(np.float32)
        sb, sbb = (ref.quarters @ np.stack([b, b * b], axis=1)).T
        return b, sb, sbb

    return _memo(ref, ("sums", id(look)), sums)


def blurred(ref: Reference, look: Float, blurs: tuple[float, ...]) -> tuple[Float, ...]:
    """``look`` at each of ``blurs`` (template pixels; 0 is the look itself)."""
    return _memo(ref, ("blurred", id(look), blurs), lambda: tuple(
        np.asarray(cv2.GaussianBlur(look, (0, 0), b), np.float32) if b else look
        for b in blurs))


def _print_levels(ref: Reference, look: Float) -> tuple[Float, Float]:
    """Where ``look`` lies between the print's ground (0) and ink (1), as drawn and
    blurred by 1.2 template pixels: what a find of the print should show."""
    def levels() -> tuple[Float, Float]:
        lg = float(np.median(look[ref.ground]))
        li = float(np.percentile(look[ref.ink], 90))
        expected = ((look - lg) / max(li - lg, 1e-3)).astype(np.float32)
        return expected, np.asarray(cv2.GaussianBlur(expected, (0, 0), 1.2), np.float32)

    return _memo(ref, ("levels", id(look)), levels)


def _memo(ref: Reference, key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, computed once per reference and ``key``."""
    if key not in ref.memo:
        ref.memo[key] = make()
    return cast(T, ref.memo[key])


def _ncc(a: Float, b: Float) -> float:
    if a.size < 16:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    den = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / den if den > 1e-6 else 0.0


def _hidden(colour: Float, look: Float, ref: Reference) -> npt.NDArray[np.bool_]:
    """Pixels that cannot be the emblem's print, taken as hidden by something in front.

    A print has two colours, its ground and its ink, and their blends at the edges of
    strokes. Both are read off the find itself (medians over the template's ground and over
    the lightest of its ink), so a colour cast or a tinted paper changes nothing. Two kinds
    of pixel are then not the print:

    * colours far from every blend of the two, measured with chroma weighted above luma
      (a JPEG keeps luma sharp and smears chroma, which pushes edge pixels off the blends
      in RGB but not in chroma);
    * a flat patch of a colour other than the ground where the reference shows something
      else: a finger over a red seal is about halfway between red and white in every
      channel. Blends in a print are as thin as the blur; such a patch is only taken when
      it is large and reaches the emblem's edge, as anything in front of it does, so a
      look-alike's different stroke inside the emblem is never excused as hidden.
    """
    smooth = cv2.GaussianBlur(colour, (0, 0), 0.8)
    # The photo may be softer than the look for its size: a blurred ring is not a patch.
    expected, softer = _print_levels(ref, look)
    ground = np.median(smooth[ref.ground], axis=0)
    # The lightest tenth of the ink: pure ink even where the find is blurred, and lighter
    # than a finger that may cover much of the lettering.
    pool = smooth[ref.ink]
    luma = pool @ _LUMA
    ink = np.median(pool[luma >= np.percentile(luma, 90)], axis=0)
    yg, yi, yc = _ycc(ground), _ycc(ink), _ycc(smooth)
    axis = yi - yg
    span = float(axis @ axis)
    none = np.zeros(ref.mask.shape, bool)
    if span < 30.0**2:  # no contrast left to tell print from anything else
        return none
    t = ((yc - yg) @ axis) / span
    off = yc - (yg + np.clip(t, -0.25, 1.25)[..., None] * axis)
    dist = np.sqrt(0.25 * off[..., 0] ** 2 + off[..., 1] ** 2 + off[..., 2] ** 2)
    hidden = dist > max(OFF_COLOUR, OFF_SHARE * math.sqrt(span))
    rim = _memo(ref, "rim", lambda: ref.mask & ~cv2.erode(ref.mask.astype(np.uint8),
                                                          _RIM).astype(bool))
    hidden |= _third_colour(dist, ref, rim)

    # Where the reference (as blurred as the find) expects ground or ink, and the find
    # shows a flat in-between colour instead.
    k = (FLAT_WINDOW, FLAT_WINDOW)
    mean = cv2.blur(t.astype(np.float32), k)
    var = cv2.blur((t * t).astype(np.float32), k) - mean * mean
    flat = (var < FLAT_SPREAD**2) & (t > 0.15) & ref.mask
    count, labels, stats, _ = cv2.connectedComponentsWithStats(flat.astype(np.uint8), 8)
    if count > 1:
        touching = np.zeros(count, bool)
        touching[np.unique(labels[rim & flat])] = True
        area = stats[:, cv2.CC_STAT_AREA]
        differs = np.minimum(np.abs(t - expected), np.abs(t - softer))
        wrong = np.bincount(labels[flat], weights=differs[flat], minlength=count)
        keep = touching & (area >= MIN_PATCH * ref.mask.sum()) & (wrong > MISMATCH * area)
        keep[0] = False
        hidden |= keep[labels]
    return hidden & ref.mask


def _third_colour(dist: Float, ref: Reference, rim: npt.NDArray[np.bool_]
                  ) -> npt.NDArray[np.bool_]:
    """Large patches (inside the rim), reaching in from the emblem's edge, of a colour off
    the blends of ground and ink by less than OFF_COLOUR but clearly more than the find's
    own noise: the edge of a box of nearly the print's colour in front of it. The distance
    is smoothed first, so that JPEG speckle averages out and a flat patch stands out; a
    print has two colours, so a look-alike's strokes are never a third."""
    smooth = cv2.GaussianBlur(dist, (0, 0), THIRD_BLUR)
    level = max(THIRD_MIN, THIRD_NOISE * float(np.median(smooth[ref.mask])))
    off = ((smooth > level) & ref.mask).astype(np.uint8)
    count, labels = cv2.connectedComponents(off, connectivity=8)
    if count < 2:
        return np.zeros(ref.mask.shape, bool)
    touching = np.zeros(count, bool)
    touching[np.unique(labels[rim & (off > 0)])] = True
    # Counted inside the rim only: the emblem's own edge blends with whatever is around it,
    # which is a third colour all along the rim.
    deep = np.bincount(labels[(off > 0) & ~rim], minlength=count)
    keep = touching & (deep >= MIN_PATCH * ref.mask.sum())
    keep[0] = False
    return np.asarray(keep[labels], np.bool_)


def _ycc(rgb: Float) -> Float:
    """Luma and the two colour-difference axes (BT.601), the way JPEG stores a photo."""
    y = rgb @ _LUMA
    return np.stack([y, 0.564 * (rgb[..., 2] - y), 0.713 * (rgb[..., 0] - y)], axis=-1)


#: The template's pixel positions, as warpPerspective samples them.
_GRID = np.stack([a.ravel() for a in np.mgrid[0:TEMPLATE, 0:TEMPLATE][::-1]],
                 axis=1).astype(np.float64)[None]
_GROW = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
_RIM = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _local_residual(patch: Float, looks: tuple[Float, ...], visible: npt.NDArray[np.bool_],
                    inner: npt.NDArray[np.bool_], window: int = LOCAL_WINDOW) -> float:
    """The largest mean difference in a small window between the candidate and the reference,
    after mapping the candidate's grey levels onto the reference's by their ranks (which
    undoes any brightness, contrast or gamma change), in units of the reference's contrast.
    A missing or extra stroke shows here even when the overall correlation barely moves.
    Only windows inside ``inner`` count: the emblem's own edge blends with whatever is
    around it, which says nothing about the emblem. The best of ``looks`` (the reference as
    drawn and blurred) counts."""
    p = patch[visible]
    if p.size < 16:
        return 9.0
    last = p.size - 1
    # Each visible pixel's rank among the visible (ties share the lowest): sorting once and
    # searching the sorted values in order is much faster than searching the whole patch.
    order = np.argsort(p)
    ps = p[order]
    rank = np.empty(p.size, np.intp)
    rank[order] = np.searchsorted(ps, ps, side="left")
    index = np.zeros(patch.shape, np.intp)  # pixels not visible are left out below
    index[visible] = rank
    region = visible & inner
    k = window
    den = cv2.boxFilter(region.astype(np.float32), -1, (k, k), normalize=False,
                        borderType=cv2.BORDER_CONSTANT)
    full = den >= k * k - 0.5  # windows entirely on the visible emblem
    if not full.any():
        return 9.0
    best = 9.0
    for t in looks:  # as drawn and blurred: the photo may be softer than the look
        ts = np.sort(t[visible])
        contrast = float(ts[int(0.95 * last)] - ts[int(0.05 * last)])
        if contrast < 1e-3:
            continue
        r = np.abs(ts[index] - t) / contrast  # the same rank in the reference's levels
        r[~region] = 0
        num = cv2.boxFilter(r, -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
        best = min(best, float(num[full].max()) / (k * k))
    return best


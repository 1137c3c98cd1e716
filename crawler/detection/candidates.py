"""The cheap first pass: strongly coloured, compact blobs shaped like a reference's outline.

Both emblems are a flat, saturated colour filling a disc or a rounded square, so the regions
of the photo that could hold one are found with a colour threshold (at two saturation levels)
and the outlines of what it keeps, in a few milliseconds. Only these few regions are aligned
and compared, which is what makes the detector fast; a find is never decided here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from crawler.references import Reference, apply, fit_ellipse, fit_quads, invert, unit_to_image

#: Colour levels, loose first: (share of the reference's saturation, hue tolerance around
#: its hue in OpenCV units of 2 degrees). A loose one for small, blurred or washed-out prints
#: (colour casts move a print's hue by up to about 20 degrees); a stricter one that separates
#: a print from a paler ground of its hue (a red seal on pink card); and a strictest one for a
#: print on packaging of nearly its own colour (a red seal on a kraft box under warm light,
#: an orange sticker touching it), which only the print's full saturation sets apart.
COLOUR_LEVELS = ((0.21, 12), (0.5, 12), (0.75, 7))
#: Smallest find, as the diameter of its outline in working pixels: 5 % of an 800-pixel
#: image is 40; below about 28 nothing of the lettering is left to compare.
MIN_SIZE = 28
#: Share of its hull the colour must cover (the stand-in seal's red covers about 0.75).
MIN_FILL = 0.35
#: Share of its hull the outline must enclose.
MIN_SOLIDITY = 0.5
#: Corner sets tried per four-sided candidate (a corner cut off leaves several readings).
_MAX_QUADS = 6
#: A blob inside a found mark and smaller than this share of it is part of its print.
NESTED = 0.4
#: Regions (parts of any colour level) from this size, long side in pixels, are aligned by
#: their lettering when no find explains them: smaller marks have too few features and
#: fail on their detail, not on their alignment...
REGION_FROM = 70
#: ...when their holes (light lettering, a label inside) cover at least this share of their
#: area and at most MAX_HOLES: a part with hardly any holes is plain colour, one that is
#: mostly holes a frame or an outline (measured on generated photos: no mark was found by
#: its lettering outside these bounds, and a third of the lettering searches were there).
MIN_HOLES = 0.04
MAX_HOLES = 0.45
#: Lettering clusters (see ``_lettering``): holes from MIN_LETTER pixels across, grown by
#: LETTER_GAP of their size; clusters of at least MIN_LETTERS holes, from LETTERING_FROM
#: pixels to LETTERING_TO of the image across, at most LETTERING_ASPECT times as long as
#: wide (a mark's lettering is a block, a line of text is not), in a part at least
#: LETTERING_PART times as large. The largest MAX_LETTERING per reference are searched,
#: after every region: on six generated seeds (3,000 marks) this found 8 marks that nothing
#: else did, and each more cluster costs a SIFT search that seldom finds anything.
MIN_LETTER = 4
LETTER_GAP = 0.35
MIN_LETTERS = 2
LETTERING_FROM = 20
LETTERING_TO = 0.5
LETTERING_ASPECT = 3.0
LETTERING_PART = 1.5
MAX_LETTERING = 1
#: At most this many blobs per reference are examined (largest first).
MAX_CANDIDATES = 24


@dataclass(frozen=True)
class Candidate:
    """A blob that could be the reference: its outline and the outline's fitted shape."""

    hull: npt.NDArray[np.float64]  # convex hull, image pixels
    unit: npt.NDArray[np.float64]  # affine 2x3: unit circle -> the fitted ellipse
    quads: list[npt.NDArray[np.float64]]  # corner sets, clockwise, for "quad" references
    #: ...and the first one with one side moved out to the reference's proportions, for an
    #: outline cut straight across by something in front (the edge of another box).
    restored: list[npt.NDArray[np.float64]]
    size: float  # diameter of the fitted ellipse's major axis, pixels


def colour_masks(hsv: npt.NDArray[np.uint8], ref: Reference) -> list[npt.NDArray[np.uint8]]:
    """Pixels of about the reference's colour, at each colour level (loose first)."""
    hue, sat, val = cv2.split(hsv)
    levels = np.arange(256)
    # Each hue's distance from the reference's, rounded up (255 for values that are no
    # hue), so that one lookup serves every tolerance.
    lut = np.where(levels < 180, np.ceil(np.abs((levels - ref.hue + 90) % 180 - 90)), 255)
    distance = cv2.LUT(hue, lut.astype(np.uint8))
    _, bright = cv2.threshold(val, max(30.0, 0.25 * ref.value), 255, cv2.THRESH_BINARY)
    hues: dict[int, npt.NDArray[np.uint8]] = {}
    masks = []
    for share, tolerance in COLOUR_LEVELS:
        if tolerance not in hues:
            _, near = cv2.threshold(distance, tolerance, 255, cv2.THRESH_BINARY_INV)
            hues[tolerance] = cv2.bitwise_and(near, bright)
        _, saturated = cv2.threshold(sat, share * ref.saturation, 255, cv2.THRESH_BINARY)
        masks.append(cv2.bitwise_and(hues[tolerance], saturated))
    return masks


def candidates(hsv: npt.NDArray[np.uint8], ref: Reference,
               regions: list[tuple[int, int, int, int]] | None = None,
               lettering: list[tuple[int, int, int, int]] | None = None) -> list[Candidate]:
    """Candidates at every colour level, each place once, largest first. The boxes of the
    parts that could hold a mark whatever their outline (see ``_regions``) are added to
    ``regions`` when it is given: the loosest level's, and the stricter levels' where the
    loosest has none (there a print on packaging of nearly its colour merges with the
    packaging into a part too large to be a mark). ``lettering``, when given, receives the
    largest ``MAX_LETTERING`` clusters of lettering in the loosest level's large parts that
    no region of about their size holds (see ``_lettering``)."""
    found: list[Candidate] = []
    clusters: list[tuple[int, int, int, int]] = []
    for level, mask in enumerate(colour_masks(hsv, ref)):
        wanted = clusters if lettering is not None and level == 0 else None
        found += find_candidates(mask, ref, found, regions, wanted)
    found.sort(key=lambda c: -c.size)
    if lettering is not None:
        # A region much larger than a cluster is searched at too coarse a scale for it.
        alone = [box for box in clusters
                 if not any(_inside_box(box, other) and max(other[2:]) < 2 * max(box[2:])
                            for other in regions or [])]
        alone.sort(key=lambda b: -max(b[2], b[3]))
        lettering += alone[:MAX_LETTERING]
    return found


def part_of(cand: Candidate, other: Candidate) -> bool:
    """Whether ``cand`` is a piece of ``other``'s print: inside it and much smaller (the
    counters of its letters), so that once ``other`` is found it needs no look."""
    point = tuple(float(v) for v in cand.unit[:, 2])
    return (cand.size < NESTED * other.size
            and cv2.pointPolygonTest(other.hull.astype(np.float32), point, False) >= 0)


def find_candidates(mask: npt.NDArray[np.uint8], ref: Reference,
                    known: list[Candidate] | None = None,
                    regions: list[tuple[int, int, int, int]] | None = None,
                    lettering: list[tuple[int, int, int, int]] | None = None
                    ) -> list[Candidate]:
    """Connected parts of the colour mask whose hull fits the reference's outline, except
    those already ``known`` (found at another colour level); ``regions`` receives the
    boxes of the parts that could hold a mark whatever their outline, ``lettering`` those of
    the clusters of lettering inside large parts (see ``_lettering``)."""
    # Closing bridges the thin light rings and lettering that cut a small emblem's colour
    # into pieces once blurred and compressed.
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _KERNEL)
    # Every component's outer boundary (two-level hierarchy, top level), not only outermost
    # contours: an emblem often sits in a hole of a larger region of its own colour (a white
    # label on a red box), which RETR_EXTERNAL would skip.
    contours, hierarchy = cv2.findContours(closed, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    parents = hierarchy[0][:, 3]
    max_size = 0.95 * max(mask.shape)
    boxes = [cv2.boundingRect(c) if parents[i] < 0 else (0, 0, 0, 0)
             for i, c in enumerate(contours)]
    sides = [max(b[2], b[3]) for b in boxes]  # a part's long side; 0 for a hole
    big = [(side, i) for i, side in enumerate(sides) if MIN_SIZE <= side <= max_size]
    big.sort(reverse=True)
    if regions is not None:
        regions += [box for box in _regions(contours, parents, [i for _, i in big])
                    if not any(_inside_box(box, other) for other in regions)]
    if lettering is not None:
        lettering += _lettering(contours, parents, sides, mask.shape)
    out: list[Candidate] = []
    for _, i in big[: MAX_CANDIDATES * 2]:
        contour = contours[i]
        x, y, w, h = boxes[i]
        hull = cv2.convexHull(contour)
        hull_area = cv2.contourArea(hull)
        # An emblem's outline is convex but where something in front bites into it; a
        # sprawling blob of background colour is not.
        if cv2.contourArea(contour) < MIN_SOLIDITY * hull_area:
            continue
        # The colour must fill a good part of the hull: a disc of red print does, a thin red
        # ring or scattered red specks do not.
        inside = np.zeros((h, w), np.uint8)
        cv2.fillPoly(inside, [hull - (x, y)], 255)
        filled = cv2.countNonZero(cv2.bitwise_and(closed[y : y + h, x : x + w], inside))
        if filled < MIN_FILL * hull_area:
            continue
        cand = _shape(hull.reshape(-1, 2).astype(np.float64), ref, (known or []) + out)
        if cand is not None:
            out.append(cand)
            if len(out) == MAX_CANDIDATES:
                break
    return out


def _regions(contours: Sequence[cv2.typing.MatLike], parents: npt.NDArray[np.int32],
             order: list[int]) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, width, height) of the parts ``order`` names (largest first) from
    ``REGION_FROM`` pixels across whose holes (light lettering, a label) cover between
    ``MIN_HOLES`` and ``MAX_HOLES`` of them: where a mark whose outline is cut, or merged
    with something of its colour, could still be found by its lettering. A blob of plain
    colour has nothing to match."""
    holes = np.zeros(len(contours))
    for i, c in enumerate(contours):
        if parents[i] >= 0:
            holes[parents[i]] += cv2.contourArea(c)
    out: list[tuple[int, int, int, int]] = []
    for i in order:
        x, y, w, h = cv2.boundingRect(contours[i])
        box = (int(x), int(y), int(w), int(h))
        area = cv2.contourArea(contours[i])
        if (max(box[2], box[3]) >= REGION_FROM
                and MIN_HOLES * area <= holes[i] <= MAX_HOLES * area):
            out.append(box)
    return out[:MAX_CANDIDATES]


def _lettering(contours: Sequence[cv2.typing.MatLike], parents: npt.NDArray[np.int32],
               sides: list[int], shape: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """Boxes of clusters of lettering inside parts much larger than the cluster.

    A mark merged with something in front of nearly its colour (the edge of a red box across
    a red seal, a blue product over a blue badge) is one part with it: too large and too
    plain for a region, and its outline is not the emblem's. Its light letters are still
    holes in that part, close together. Each hole's box is grown by ``LETTER_GAP`` of its
    size; boxes that touch form a cluster. ``sides`` holds each part's long side (0 for a
    hole).
    """
    large = np.array([side >= REGION_FROM for side in sides] + [False])
    holes = np.flatnonzero(large[parents])  # a top-level part's parent is -1: never large
    if len(holes) < MIN_LETTERS:
        return []
    canvas = np.zeros(shape[:2], np.uint8)
    centres = []
    for i in holes:
        x, y, w, h = cv2.boundingRect(contours[i])
        if max(w, h) < MIN_LETTER:
            continue
        grow = int(LETTER_GAP * max(w, h)) + 1
        cv2.rectangle(canvas, (x - grow, y - grow), (x + w + grow, y + h + grow), 255, -1)
        centres.append((x + w / 2, y + h / 2, sides[parents[i]]))
    if len(centres) < MIN_LETTERS:
        return []
    where = np.array(centres)
    out = []
    for cluster in cv2.findContours(canvas, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]:
        x, y, w, h = cv2.boundingRect(cluster)
        side = max(w, h)
        if not LETTERING_FROM <= side <= LETTERING_TO * max(shape[:2]):
            continue
        if side > LETTERING_ASPECT * min(w, h):
            continue  # a line of text
        within = where[(where[:, 0] >= x) & (where[:, 0] <= x + w)
                       & (where[:, 1] >= y) & (where[:, 1] <= y + h)]
        # A single glyph is too little to align; a part hardly larger than its lettering is
        # a region of its own, already looked at.
        if len(within) >= MIN_LETTERS and within[:, 2].max() >= LETTERING_PART * side:
            out.append((int(x), int(y), int(w), int(h)))
    return out


def _inside_box(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether box ``a`` (x, y, width, height) lies mostly inside ``b``, whose lettering is
    looked at already."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h) > 0.8 * a[2] * a[3]


def _restore(quad: npt.NDArray[np.float64], k: int, ratio: float
             ) -> npt.NDArray[np.float64] | None:
    """``quad`` with side ``k`` (corners k, k+1) moved out along its neighbouring sides until
    they are ``ratio`` times as long as the opposite side; None when that is no longer."""
    a, b, c, d = (quad[(k + i) % 4] for i in range(4))  # side a-b is moved; c-d stays
    length = ratio * float(np.linalg.norm(d - c))
    da, cb = a - d, b - c
    na, nb = float(np.linalg.norm(da)), float(np.linalg.norm(cb))
    if min(na, nb) < 1e-6 or length < 1.08 * max(na, nb):
        return None
    out = quad.copy()
    out[k % 4] = d + da / na * length
    out[(k + 1) % 4] = c + cb / nb * length
    return out


def _complete(quad: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.float64]:
    """``quad`` with corner ``k`` replaced by the parallelogram on the other three."""
    out = quad.copy()
    out[k] = quad[(k - 1) % 4] + quad[(k + 1) % 4] - quad[(k + 2) % 4]
    return out


_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))


def _shape(hull: npt.NDArray[np.float64], ref: Reference, known: list[Candidate]
           ) -> Candidate | None:
    ellipse = fit_ellipse(hull)
    if ellipse is None:
        return None
    cx, cy, a, b, _ = ellipse
    if min(a, b) / max(a, b) < 0.3:  # seen more obliquely than any listing photo shows a box
        return None
    size = 2 * max(a, b)
    if any(np.hypot(cx - o.unit[0, 2], cy - o.unit[1, 2]) < 0.1 * o.size
           and 0.85 < size / o.size < 1.18 for o in known):
        return None  # the same place, already found
    unit = unit_to_image(ellipse)
    pts = apply(invert(unit), hull)
    radii = np.hypot(pts[:, 0], pts[:, 1])
    quads: list[npt.NDArray[np.float64]] = []
    restored: list[npt.NDArray[np.float64]] = []
    if ref.shape == "ellipse":
        # Hull vertices of a disc lie on its ellipse even when a finger bites into it.
        if _quantile(np.abs(radii - 1), 0.9) > 0.12:
            return None
    else:
        hull_area = cv2.contourArea(hull.astype(np.float32))
        fitted = fit_quads(hull)[:_MAX_QUADS]
        # A corner hidden whole leaves a wrong fourth side: complete the parallelogram on
        # each three corners too (perspective is mild across an emblem; ECC does the rest).
        completed = [_complete(q, k) for q in fitted[:1] for k in range(4)]
        for quad in fitted + completed:
            quad_area = abs(cv2.contourArea(quad.astype(np.float32)))
            if 0.7 < hull_area / max(quad_area, 1e-6) < 1.1:
                quads.append(quad)
        if not quads:
            return None
        for k in range(4):
            for ratio in ref.side_ratios:
                quad = _restore(quads[0], k, ratio)
                if quad is not None:
                    restored.append(quad)
    return Candidate(hull=hull, unit=unit, quads=quads, restored=restored, size=size)


def _quantile(values: npt.NDArray[np.float64], q: float) -> float:
    """``np.quantile(values, q)`` (linear interpolation) without its overhead, which is
    most of the cost for the few dozen values of a hull."""
    ordered = np.sort(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (position - low) * (ordered[high] - ordered[low]))

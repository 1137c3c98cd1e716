"""Where exactly a candidate would put the reference: alignment hypotheses.

A disc's outline fixes everything but the rotation, so the rotation is read off by
correlating the candidate and the reference unrolled around their centres (all angles at
once, with one FFT). A four-sided outline fixes a full perspective map up to which corner is
which, so each of the four is a hypothesis. The best are then polished by ECC (enhanced
correlation coefficient) alignment of the photo to the template, which also absorbs the
perspective inside a disc that its outline cannot show.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import cv2
import numpy as np
import numpy.typing as npt

from crawler.detection.candidates import Candidate
from crawler.detection.compare import blurred, inside, quick_correlations, roi
from crawler.references import (
    FINE,
    POLAR_ANGLES,
    TEMPLATE,
    Reference,
    canonical_view,
    polar_view,
)

Matrix = npt.NDArray[np.float64]
#: Rotations tried for a disc: the best correlation peaks (two, in case a worn or occluded
#: print makes the runner-up the right one).
ROTATION_PEAKS = 2
#: A four-sided outline's first reading fixes its corner order when it correlates this well.
_ORDER_KNOWN = 0.3


Scored = tuple[float, Matrix]


def hypotheses(cand: Candidate, ref: Reference, grey: npt.NDArray[np.float32]
               ) -> Iterator[list[Scored]]:
    """Homographies (3x3) from template pixels to image pixels with their quick correlation,
    in stages: the most likely first; later stages (other readings of a damaged outline) are
    only drawn when no earlier one aligned."""
    from_template = _h(np.linalg.inv(_h(ref.to_template)))  # template px -> unit frame
    if ref.shape == "quad":
        first = _scored([_quad_map(cand.quads[0], k, ref) @ from_template for k in range(4)],
                        grey, ref)
        yield first
        # Which corner is the emblem's top-left is read off the first corner set when that
        # aligns at all; the other readings of the outline keep it.
        best = int(np.argmax([c for c, _ in first]))
        orders = [best] if first[best][0] >= _ORDER_KNOWN else list(range(4))
        for quads in (cand.quads[1:], cand.restored):
            if quads:
                yield _scored([_quad_map(q, k, ref) @ from_template
                               for q in quads for k in orders], grey, ref)
        return
    polar = polar_view(canonical_view(grey, cand.unit))
    spectrum = np.fft.rfft(polar, axis=0) * np.conj(np.fft.rfft(ref.polar, axis=0))
    corr = np.fft.irfft(spectrum, n=POLAR_ANGLES, axis=0).sum(axis=1)
    out = []
    for shift in _peaks(corr, ROTATION_PEAKS):
        angle = 2 * math.pi * shift / POLAR_ANGLES
        out.append(_h(cand.unit) @ _rotation(angle) @ from_template)
    yield _scored(out, grey, ref)


def _scored(maps: list[Matrix], grey: npt.NDArray[np.float32], ref: Reference
            ) -> list[Scored]:
    scores = quick_correlations(grey, maps, ref, [pixels(h) for h in maps])
    return list(zip(scores, maps, strict=True))


def pixels(h: Matrix) -> float:
    """How many image pixels the template's width spans at its centre."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = cv2.perspectiveTransform(_CROSS, h)[0].tolist()
    return (math.hypot(x1 - x0, y1 - y0) + math.hypot(x3 - x2, y3 - y2)) / 4 * TEMPLATE


#: Points a pixel either side of the template's centre, across and down.
_CROSS = np.array([[[TEMPLATE / 2 + dx, TEMPLATE / 2 + dy]
                    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1))]], np.float64)


def _quad_map(quad: npt.NDArray[np.float64], k: int, ref: Reference) -> Matrix:
    """Homography from the reference's unit frame onto ``quad`` with corner ``k`` first."""
    return cv2.getPerspectiveTransform(
        ref.corners.astype(np.float32), np.roll(quad, -k, axis=0).astype(np.float32)
    ).astype(np.float64)


def _peaks(corr: npt.NDArray[np.float64], count: int) -> list[int]:
    """Indices of the highest local maxima of a circular signal, highest first."""
    left, right = np.roll(corr, 1), np.roll(corr, -1)
    maxima = np.flatnonzero((corr >= left) & (corr >= right))
    order = maxima[np.argsort(-corr[maxima])]
    return [int(i) for i in order[:count]]


def _rotation(angle: float) -> Matrix:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def _h(affine: Matrix) -> Matrix:
    return affine if affine.shape == (3, 3) else np.vstack([affine, [0, 0, 1.0]])


_ECC_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 20, 1e-3)
_FINE_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 1e-4)
#: Blur (FINE pixels) of the fine template ECC aligns to: a photo is rarely as sharp as the
#: artwork, and ECC converges more surely on a smooth target.
_FINE_BLUR = 1.0


def refine_ecc(h: Matrix, grey: npt.NDArray[np.float32], ref: Reference, pixels: float,
               seen: npt.NDArray[np.bool_] | None = None) -> Matrix:
    """Polish ``h`` (a full perspective map) by ECC alignment of the image to the template,
    over the template pixels ``seen`` (default: the whole emblem)."""
    if seen is None:  # the whole emblem, as far as it lies in the photo
        seen = ref.mask & inside(h, grey.shape)
    return _ecc(h, grey, ref.look(pixels), seen, TEMPLATE, _ECC_CRITERIA)


def refine_fine(h: Matrix, grey: npt.NDArray[np.float32], ref: Reference,
                seen: npt.NDArray[np.bool_]) -> Matrix:
    """Polish ``h`` once more at FINE pixels, for finds larger than the template: at
    TEMPLATE pixels a stroke is one or two pixels wide, and an alignment off by one pixel
    there (strong rotation and perspective, a soft photo) reads as strokes that differ."""
    fine_seen = cv2.resize(seen.astype(np.uint8), (FINE, FINE),
                           interpolation=cv2.INTER_NEAREST).astype(bool)
    scale = np.diag([TEMPLATE / FINE, TEMPLATE / FINE, 1.0])
    (template,) = blurred(ref, ref.fine, (_FINE_BLUR,))
    fine = _ecc(h @ scale, grey, template, fine_seen, FINE, _FINE_CRITERIA)
    return fine @ np.linalg.inv(scale)


def _ecc(h: Matrix, grey: npt.NDArray[np.float32], template: npt.NDArray[np.float32],
         seen: npt.NDArray[np.bool_], size: int,
         criteria: tuple[int, int, float]) -> Matrix:
    """ECC alignment of the image to ``template`` (``size`` pixels square) over ``seen``,
    starting from ``h`` (template pixels -> image pixels); ``h`` when it does not converge."""
    crop, warp_crop = roi(grey, h, size)
    if min(crop.shape[:2]) < 8:
        return h
    shift = warp_crop @ np.linalg.inv(h)  # image px -> crop px
    warp = warp_crop.astype(np.float32)
    mask = seen.astype(np.uint8) * 255
    try:
        if hasattr(cv2, "findTransformECCWithMask"):  # recent OpenCV: mask on the template
            _, warp = cv2.findTransformECCWithMask(
                template, crop, mask, np.full(crop.shape, 255, np.uint8), warp,
                cv2.MOTION_HOMOGRAPHY, criteria, 3)
        else:  # pragma: no cover - older OpenCV: the template's corners count too
            _, warp = cv2.findTransformECC(template, crop, warp, cv2.MOTION_HOMOGRAPHY,
                                           criteria, None, 3)
    except cv2.error:  # no convergence: keep the outline's estimate
        return h
    return np.linalg.inv(shift) @ warp.astype(np.float64)

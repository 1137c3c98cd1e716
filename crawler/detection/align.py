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

import cv2
import numpy as np
import numpy.typing as npt

from crawler.detection.candidates import Candidate
from crawler.detection.compare import roi
from crawler.references import (
    POLAR_ANGLES,
    Reference,
    canonical_view,
    polar_view,
)

Matrix = npt.NDArray[np.float64]
#: Rotations tried for a disc: the best correlation peaks (two, in case a worn or occluded
#: print makes the runner-up the right one).
ROTATION_PEAKS = 2


def hypotheses(cand: Candidate, ref: Reference, grey: npt.NDArray[np.float32]
               ) -> list[list[Matrix]]:
    """Homographies (3x3) from template pixels to image pixels, in stages: the most likely
    first; later stages (other readings of a damaged outline) only matter when no earlier
    one aligned."""
    from_template = _h(np.linalg.inv(_h(ref.to_template)))  # template px -> unit frame
    if ref.shape == "quad":
        stages = []
        for quads in (cand.quads[:1], cand.quads[1:]):
            stage = []
            for quad in quads:
                for k in range(4):
                    unit_to_image = cv2.getPerspectiveTransform(
                        ref.corners.astype(np.float32),
                        np.roll(quad, -k, axis=0).astype(np.float32),
                    ).astype(np.float64)
                    stage.append(unit_to_image @ from_template)
            stages.append(stage)
        return stages
    polar = polar_view(canonical_view(grey, cand.unit))
    spectrum = np.fft.rfft(polar, axis=0) * np.conj(np.fft.rfft(ref.polar, axis=0))
    corr = np.fft.irfft(spectrum, n=POLAR_ANGLES, axis=0).sum(axis=1)
    out = []
    for shift in _peaks(corr, ROTATION_PEAKS):
        angle = 2 * math.pi * shift / POLAR_ANGLES
        out.append(_h(cand.unit) @ _rotation(angle) @ from_template)
    return [out]


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


def refine_ecc(h: Matrix, grey: npt.NDArray[np.float32], ref: Reference, pixels: float
               ) -> Matrix:
    """Polish ``h`` (a full perspective map) by ECC alignment of the image to the template."""
    crop, warp64 = roi(grey, h)
    if min(crop.shape[:2]) < 8:
        return h
    shift = warp64 @ np.linalg.inv(h)  # image px -> crop px
    warp = warp64.astype(np.float32)
    template = ref.look(pixels)
    mask = ref.mask.astype(np.uint8) * 255
    try:
        if hasattr(cv2, "findTransformECCWithMask"):  # recent OpenCV: mask on the template
            _, warp = cv2.findTransformECCWithMask(
                template, crop, mask, np.full(crop.shape, 255, np.uint8), warp,
                cv2.MOTION_HOMOGRAPHY, _ECC_CRITERIA, 3)
        else:  # pragma: no cover - older OpenCV: the template's corners count too
            _, warp = cv2.findTransformECC(template, crop, warp, cv2.MOTION_HOMOGRAPHY,
                                           _ECC_CRITERIA, None, 3)
    except cv2.error:  # no convergence: keep the outline's estimate
        return h
    return np.linalg.inv(shift) @ warp.astype(np.float64)

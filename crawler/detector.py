"""Find the "上品" and cultivation emblems, and any QR codes, in a listing image.

Pure: image bytes in, finds out; no network, no database, no files (the reference emblems are
loaded once, by ``References``). The pipeline, cheapest step first:

1. decode safely (pixel limit before decoding) at a working size;
2. colour pre-filter: blobs of about an emblem's colour whose outline fits its shape
   (``detection.candidates``); a photo has a handful, often none;
3. alignment: from the outline, the map that would put the reference there, with the
   rotation read off a polar correlation (``detection.align``), then polished locally;
4. verification of the warped region against the reference: normalised correlation overall
   and in every cell, leaving out what something in front hides (``detection.compare``);
5. QR codes read with zxing-cpp; mark URLs verified offline when keys are given.

Quadrilaterals are in the pixels of the image as given (after EXIF rotation), corners in the
emblem's own order: top-left, top-right, bottom-right, bottom-left.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from crawler.detection.align import hypotheses, refine_ecc
from crawler.detection.candidates import candidates
from crawler.detection.compare import Comparison, compare, correlation
from crawler.detection.errors import DetectionError, ImageTooLarge, UnreadableImage
from crawler.detection.image import MAX_PIXELS, load_rgb
from crawler.detection.qr import read_qr, verification
from crawler.references import TEMPLATE, Reference, References
from issuer.verification import PublicKey

__all__ = [
    "THRESHOLD",
    "Detection",
    "DetectionError",
    "DetectionResult",
    "ImageTooLarge",
    "QrFind",
    "UnreadableImage",
    "detect",
    "detect_rgb",
]

#: Score from which a find is reported, chosen on generated images of other seeds than the
#: benchmark's: clean genuine marks score about 0.8-0.9, the closest look-alike ("上晶")
#: up to about 0.7 (see docs/detector.md).
THRESHOLD = 0.675
#: Candidates whose best unpolished alignment correlates less than this are dropped early.
_PRE_THRESHOLD = 0.2
#: Hypotheses per candidate polished by ECC alignment.
_POLISHED = 2
#: ...unless the first already correlates this well.
_GOOD_ENOUGH = 0.85


@dataclass(frozen=True)
class Detection:
    mark: str  # "shangpin" or "cultivation"
    score: float  # 0..1
    quad: list[list[float]]  # [[x, y]] x 4

    def to_json(self) -> dict[str, Any]:
        return {"mark": self.mark, "score": round(self.score, 4),
                "quad": [[round(x, 1), round(y, 1)] for x, y in self.quad]}


@dataclass(frozen=True)
class QrFind:
    text: str
    verification: str | None  # the issuer's verdict for a mark URL, else None
    quad: list[list[float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "verification": self.verification}


@dataclass(frozen=True)
class DetectionResult:
    detections: list[Detection]
    qr: list[QrFind]

    @property
    def marks(self) -> set[str]:
        return {d.mark for d in self.detections}

    def to_json(self) -> dict[str, Any]:
        return {"detections": [d.to_json() for d in self.detections],
                "qr": [q.to_json() for q in self.qr]}


def detect(
    image_bytes: bytes,
    *,
    references: References | None = None,
    keys: Mapping[str, PublicKey] | None = None,
    hosts: Collection[str] | None = None,
    max_pixels: int = MAX_PIXELS,
    threshold: float = THRESHOLD,
) -> DetectionResult:
    """Finds in one image. Raises ``UnreadableImage`` (empty, not an image, damaged) or
    ``ImageTooLarge`` (too many pixels: decompression bombs), both ``DetectionError``."""
    rgb, factor = load_rgb(image_bytes, max_pixels=max_pixels)
    result = detect_rgb(rgb, references=references, keys=keys, hosts=hosts, threshold=threshold)
    if factor == 1.0:
        return result
    return DetectionResult(
        [Detection(d.mark, d.score, _scaled(d.quad, factor)) for d in result.detections],
        [QrFind(q.text, q.verification, _scaled(q.quad, factor)) for q in result.qr],
    )


def detect_rgb(
    rgb: npt.NDArray[np.uint8],
    *,
    references: References | None = None,
    keys: Mapping[str, PublicKey] | None = None,
    hosts: Collection[str] | None = None,
    threshold: float = THRESHOLD,
) -> DetectionResult:
    """Finds in an RGB image already decoded (height x width x 3, uint8)."""
    refs = references if references is not None else References.default()
    grey8 = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    marks = find_marks(rgb, grey8, refs, threshold)
    codes = [QrFind(text, verification(text, keys, hosts), quad)
             for text, quad in read_qr(grey8)]
    return DetectionResult(marks, codes)


def find_marks(rgb: npt.NDArray[np.uint8], grey8: npt.NDArray[np.uint8], refs: References,
               threshold: float) -> list[Detection]:
    finds = [
        (comp.score, Detection(ref.mark, comp.score, _project(ref.box, h)))
        for ref, comp, h in matches(rgb, grey8, refs)
        if comp.score >= threshold
    ]
    return _suppress(finds)


def matches(rgb: npt.NDArray[np.uint8], grey8: npt.NDArray[np.uint8], refs: References
            ) -> Iterator[tuple[Reference, Comparison, npt.NDArray[np.float64]]]:
    """Every candidate that survives alignment, with its comparison: (reference, comparison,
    homography from template pixels to image pixels). The threshold is the caller's."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    grey = grey8.astype(np.float32)
    for ref in refs:
        for cand in candidates(hsv, ref):
            found = _match(rgb, grey, hypotheses(cand, ref, grey), ref)
            if found is not None:
                yield ref, *found


def _match(rgb: npt.NDArray[np.uint8], grey: npt.NDArray[np.float32],
           stages: list[list[npt.NDArray[np.float64]]], ref: Reference
           ) -> tuple[Comparison, npt.NDArray[np.float64]] | None:
    """The best hypothesis for one candidate, aligned precisely, and its comparison.

    The two most promising hypotheses are both polished: under strong perspective a disc's
    rotation peak is broad, and the runner-up is sometimes the one that aligns. Later
    stages of hypotheses are only tried when the earlier ones do not align well.
    """
    best: tuple[float, npt.NDArray[np.float64]] | None = None
    for stage in stages:
        scored = []
        for h in stage:
            c = correlation(grey, h, ref, _pixels(h), fast=True)
            if c >= _PRE_THRESHOLD:
                scored.append((c, h))
        scored.sort(key=lambda t: -t[0])
        for _, h in scored[:_POLISHED]:
            h = refine_ecc(h, grey, ref, _pixels(h))
            c = correlation(grey, h, ref, _pixels(h))
            if best is None or c > best[0]:
                best = (c, h)
            if c >= _GOOD_ENOUGH:
                break
        if best is not None and best[0] >= _GOOD_ENOUGH:
            break
    if best is None:
        return None
    h = best[1]
    return compare(rgb, grey, h, ref, _pixels(h)), h


def _pixels(h: npt.NDArray[np.float64]) -> float:
    """How many image pixels the template's width spans at its centre."""
    c = TEMPLATE / 2
    pts = np.array([[[c - 1, c], [c + 1, c], [c, c - 1], [c, c + 1]]], np.float64)
    p = cv2.perspectiveTransform(pts, h)[0]
    scale = (np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[3] - p[2])) / 4
    return float(scale * TEMPLATE)


def _project(box: npt.NDArray[np.float64], h: npt.NDArray[np.float64]) -> list[list[float]]:
    pts = cv2.perspectiveTransform(box[None].astype(np.float64), h)[0]
    return [[float(x), float(y)] for x, y in pts]


def _suppress(finds: list[tuple[float, Detection]]) -> list[Detection]:
    """One find per place: the best-scoring one wins where finds overlap."""
    kept: list[Detection] = []
    for _, d in sorted(finds, key=lambda t: -t[0]):
        centre = np.mean(np.array(d.quad), axis=0)
        if any(cv2.pointPolygonTest(np.array(k.quad, np.float32), tuple(map(float, centre)),
                                    False) >= 0 for k in kept):
            continue
        kept.append(d)
    return kept


def _scaled(quad: list[list[float]], factor: float) -> list[list[float]]:
    return [[x * factor, y * factor] for x, y in quad]

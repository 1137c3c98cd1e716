"""Alignment from the lettering: local features matched to the reference, RANSAC homography.

The outline-based alignment needs the emblem's outline; when something in front cuts it
(the edge of another box across a badge's corners, a finger through it), when the print
touches something of its own colour (a look-alike seal beside it, a red box behind a red
seal) or when it merges with a sticker, no reading of the outline starts close enough for
ECC. The lettering inside ("上品", "上海品牌") is still there. So for a region of about the
emblem's colour that the outline did not explain, SIFT features of the region are matched
to the reference's and a homography is fitted with RANSAC: a hypothesis like any other,
polished and verified the same way. SIFT is the costly part, so it runs on the region shrunk
to at most ``CROP`` pixels and only where a mark could still be.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float64]

#: Long side, pixels, a region is shrunk to before features are extracted: the lettering of
#: a mark that fills a good part of the region keeps enough corners at this size.
CROP = 128
#: Margin around a region's box, as a share of its long side: a print cut in two by a finger
#: is two regions, each of which must still show the lettering beside it.
MARGIN = 0.3
#: Matches kept by Lowe's ratio test: nearest reference descriptor this much closer than
#: the second nearest.
RATIO = 0.8
#: Matches consistent with one homography needed before it is believed.
MIN_INLIERS = 10
#: RANSAC's reprojection tolerance, pixels of the shrunk region.
RANSAC_PX = 3.0
#: RANSAC rounds at most: a region that holds the mark gives a third or more of its matches
#: as inliers, found within a few hundred rounds; one that does not, never. OpenCV's USAC
#: variant (RANSAC with local optimisation) is used: the classic cv2.RANSAC took 3 ms per
#: region here whatever the matches, USAC a tenth of a millisecond, with the same finds.
RANSAC_ITERATIONS = 300
#: Keypoints described per region at most, strongest first: a mark's lettering gives strong
#: ones, and a textured photo around it would cost a descriptor and a match for each of its
#: many weak ones.
MAX_KEYPOINTS = 200
#: Reference sizes (pixels across the template square) the reference features are taken
#: at: a mark fills a region shrunk to CROP anywhere between about half and all of it.
REFERENCE_SIZES = (128, 256)


@dataclass(frozen=True)
class Features:
    """Keypoint positions (template pixels) and SIFT descriptors of one reference."""

    points: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.float32]


def reference_features(picture: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_],
                       template: int) -> Features:
    """SIFT features of the reference ``picture`` (grey, square, in the template's frame)
    at each of ``REFERENCE_SIZES``, positions in ``template`` pixels."""
    sift = cv2.SIFT_create()  # type: ignore[attr-defined]
    points, descriptors = [], []
    grey = np.clip(picture, 0, 255).astype(np.uint8)
    inside = mask.astype(np.uint8) * 255
    for size in REFERENCE_SIZES:
        img = cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)
        m = cv2.resize(inside, (size, size), interpolation=cv2.INTER_NEAREST)
        kp, des = sift.detectAndCompute(img, m)
        if des is None:
            continue
        points.append(np.array([k.pt for k in kp], np.float32) * (template / size))
        descriptors.append(des)
    if not descriptors:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32))
    return Features(np.vstack(points), np.vstack(descriptors))


def feature_alignment(grey8: npt.NDArray[np.uint8], box: tuple[int, int, int, int],
                      features: Features) -> Matrix | None:
    """Homography from template pixels to image pixels fitted to the features of the region
    ``box`` (x, y, width, height), or None when too few of them agree."""
    if len(features.descriptors) < MIN_INLIERS:
        return None
    x, y, w, h = box
    m = int(MARGIN * max(w, h))
    x0, y0 = max(0, x - m), max(0, y - m)
    x1, y1 = min(grey8.shape[1], x + w + m), min(grey8.shape[0], y + h + m)
    crop: npt.NDArray[np.uint8] = grey8[y0:y1, x0:x1]
    f = min(1.0, CROP / max(crop.shape))
    if f < 1.0:
        size = (max(1, round(crop.shape[1] * f)), max(1, round(crop.shape[0] * f)))
        crop = np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)
    sift = cv2.SIFT_create(nfeatures=MAX_KEYPOINTS)  # type: ignore[attr-defined]
    kp, des = sift.detectAndCompute(crop, None)
    if des is None or len(kp) < MIN_INLIERS:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(features.descriptors, des, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    src = np.array([features.points[g.queryIdx] for g in good], np.float32)
    dst = np.array([kp[g.trainIdx].pt for g in good], np.float32)
    hom, inliers = cv2.findHomography(src, dst, cv2.USAC_FAST, RANSAC_PX,
                                      maxIters=RANSAC_ITERATIONS, confidence=0.99)
    if hom is None or inliers is None or int(inliers.sum()) < MIN_INLIERS:
        return None
    fx, fy = crop.shape[1] / (x1 - x0), crop.shape[0] / (y1 - y0)
    back = np.array([[1 / fx, 0, x0], [0, 1 / fy, y0], [0, 0, 1.0]])
    out = back @ hom.astype(np.float64)
    return out if np.isfinite(out).all() and abs(np.linalg.det(out)) > 1e-9 else None

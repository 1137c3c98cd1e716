"""Content-addressed evidence: pages and images exactly as fetched, and crops of each find.

A file's name is the SHA-256 of its bytes, so the name proves the content, a file is never
rewritten (the same name means the same bytes), and the same image on many listings is kept
once. Files are written to a temporary name and moved into place, so a crash never leaves a
half-written file under a real name. Paths handed out are relative to the store's root, so
the store can move without touching the database.

Layout: ``pages/ab/<sha256>``, ``images/ab/<sha256>``, ``crops/ab/<sha256>.png``
(``ab`` = the digest's first two characters, to keep directories small).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

#: Margin around a find's quadrilateral in its crop, as a share of the quad's size.
CROP_MARGIN = 0.35
#: Crops are at least this many pixels of context on each side.
MIN_MARGIN = 12
#: Colour (RGB) and thickness of the drawn outline.
OUTLINE = (255, 0, 255)
THICKNESS = 2


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    path: str  # relative to the evidence root, with forward slashes


class EvidenceStore:
    """Evidence files under one directory; safe to use from several threads and processes."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def put_page(self, html: bytes) -> StoredFile:
        return self._put("pages", html, "")

    def put_image(self, body: bytes) -> StoredFile:
        return self._put("images", body, "")

    def put_crop(self, rgb: npt.NDArray[np.uint8], quad: Sequence[Sequence[float]]) -> StoredFile:
        """A PNG of the find with its quadrilateral drawn; ``rgb`` is the whole image in the
        pixels ``quad`` is given in."""
        return self._put("crops", crop_png(rgb, quad), ".png")

    def path(self, relative: str) -> Path:
        return self.root / relative

    def _put(self, kind: str, data: bytes, suffix: str) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{kind}/{digest[:2]}/{digest}{suffix}"
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
        return StoredFile(digest, relative)


def _write_atomically(target: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        # Two writers of the same digest write the same bytes, so whichever lands last is
        # identical to the first: nothing is ever replaced by different content.
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def crop_png(rgb: npt.NDArray[np.uint8], quad: Sequence[Sequence[float]]) -> bytes:
    """The quad's surroundings with the quad outlined, as PNG bytes (deterministic)."""
    height, width = rgb.shape[:2]
    pts = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    margin = max(MIN_MARGIN, CROP_MARGIN * max(x1 - x0, y1 - y0))
    left = int(np.clip(np.floor(x0 - margin), 0, width - 1))
    top = int(np.clip(np.floor(y0 - margin), 0, height - 1))
    right = int(np.clip(np.ceil(x1 + margin), left + 1, width))
    bottom = int(np.clip(np.ceil(y1 + margin), top + 1, height))
    crop = np.ascontiguousarray(rgb[top:bottom, left:right, ::-1])  # BGR for OpenCV
    outline = np.round(pts - [left, top]).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(crop, [outline], isClosed=True, color=OUTLINE[::-1], thickness=THICKNESS,
                  lineType=cv2.LINE_AA)
    ok, png = cv2.imencode(".png", crop)
    if not ok:  # pragma: no cover - encoding an in-memory uint8 array does not fail
        raise RuntimeError("PNG encoding failed")
    return png.tobytes()

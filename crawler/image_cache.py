"""The analysis cache: an image seen before is not analysed again.

Two kinds of hit:

* **exact**: the same bytes (SHA-256), whatever the listing;
* **perceptual**: the same picture re-encoded (another JPEG quality, PNG to JPEG). The
  whole-image pHash finds the candidates, but only as a lookup key: it is computed from the
  lowest frequencies of a 32x32 thumbnail, so a mark pasted over 5 % of a photo usually leaves
  it unchanged, and reusing the unmarked photo's result would hide the mark. Re-encoding
  flips a bit or two of it (one coefficient either side of the median) in about one image in
  ten, so the lookup also probes the keys with any one or two of the six least certain bits
  flipped (22 keys, one indexed query). A candidate is
  confirmed only when the dimensions are equal and a 48x48 colour thumbnail (each cell the
  mean of about 1/2300 of the image) differs nowhere by more than a few grey levels: JPEG
  re-encoding moves a cell by at most about 7 levels, a 5 %-wide emblem moves some cell by
  38 or more (measured on generated photos; docs/misuse.md). Per-tile pHashes were tried
  first and rejected: a flat tile's hash flips up to 36 of 64 bits on re-encoding, while a
  mark straddling tiles flips as few as 4.

QR verdicts are not cached, only the QR texts: a key can be reported compromised after the
image was analysed, so the verdict is recomputed with the current keys on every reuse.
Each result carries the detector's version; a changed detector re-analyses.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import cv2
import imagehash
import numpy as np
import numpy.typing as npt
import scipy.fftpack
from PIL import Image
from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

import crawler.detection
from crawler.detection.qr import verification
from crawler.detector import THRESHOLD, Detection, DetectionResult, QrFind
from crawler.references import References
from issuer.verification import PublicKey
from storage.models import ImageAnalysis

#: Side of the colour thumbnail that confirms a perceptual hit, cells.
SIGNATURE_SIDE = 48
#: Largest difference (grey levels, any channel) a cell may show in a confirmed hit.
SIGNATURE_TOLERANCE = 12
#: Least certain pHash bits, and how many of them at once, a lookup also tries flipped.
PROBE_BITS = 6
PROBE_FLIPS = 2
_PHASH_BITS = 8
_PHASH_SIDE = 32  # imagehash.phash's defaults: hash_size 8, highfreq_factor 4
#: Exif orientations that swap width and height.
_TRANSPOSED = frozenset({5, 6, 7, 8})
_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Fingerprint:
    """What identifies a picture: its bytes, its look, and its size (after EXIF rotation)."""

    sha256: str
    phash: str  # 16 hex digits, as imagehash.phash gives
    signature: bytes  # SIGNATURE_SIDE x SIGNATURE_SIDE x RGB
    width: int
    height: int
    #: Lookup keys: ``phash`` and its variants with its least certain bits flipped.
    probes: tuple[str, ...]


def fingerprint(body: bytes, rgb: npt.NDArray[np.uint8]) -> Fingerprint:
    """``rgb`` is the image decoded (at any working size) from ``body``."""
    width, height = _dimensions(body)
    thumb = cv2.resize(rgb, (SIGNATURE_SIDE, SIGNATURE_SIDE), interpolation=cv2.INTER_AREA)
    key, probes = phash_probes(rgb)
    return Fingerprint(
        sha256=hashlib.sha256(body).hexdigest(),
        phash=key,
        signature=np.ascontiguousarray(thumb, dtype=np.uint8).tobytes(),
        width=width,
        height=height,
        probes=probes,
    )


def phash_probes(rgb: npt.NDArray[np.uint8]) -> tuple[str, tuple[str, ...]]:
    """The pHash (computed as ``imagehash.phash`` does, keeping how far each coefficient is
    from the median) and the keys a re-encoded copy's pHash could have."""
    grey = Image.fromarray(rgb).convert("L").resize((_PHASH_SIDE, _PHASH_SIDE),
                                                   Image.Resampling.LANCZOS)
    pixels = np.asarray(grey)
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = np.asarray(dct[:_PHASH_BITS, :_PHASH_BITS], dtype=np.float64)
    median = np.median(low)
    bits = (low > median).ravel()
    uncertain = np.argsort(np.abs(low - median).ravel(), kind="stable")[:PROBE_BITS]
    probes = []
    for flips in range(PROBE_FLIPS + 1):
        for chosen in itertools.combinations(uncertain, flips):
            variant = bits.copy()
            variant[list(chosen)] ^= True
            probes.append(str(imagehash.ImageHash(variant.reshape(_PHASH_BITS, _PHASH_BITS))))
    return probes[0], tuple(dict.fromkeys(probes))


def same_picture(a: Fingerprint, width: int, height: int, signature: bytes) -> bool:
    """Whether ``a`` and a stored picture are the same picture, whatever the encoding."""
    if (a.width, a.height) != (width, height) or len(a.signature) != len(signature):
        return False
    diff = np.abs(np.frombuffer(a.signature, np.uint8).astype(np.int16)
                  - np.frombuffer(signature, np.uint8).astype(np.int16))
    return int(diff.max(initial=0)) <= SIGNATURE_TOLERANCE


def _dimensions(body: bytes) -> tuple[int, int]:
    """Width and height as the image is shown (EXIF rotation applied); header only."""
    with Image.open(io.BytesIO(body)) as image:
        width, height = image.size
        if image.getexif().get(_ORIENTATION) in _TRANSPOSED:
            return height, width
        return width, height


def detector_version(references: References, threshold: float = THRESHOLD) -> str:
    """A digest of everything that decides the detector's finds: its code, the reference
    emblems, the threshold and the decoders' versions. Any change re-analyses images."""
    digest = hashlib.sha256()
    digest.update(_code_digest().encode())
    for ref in references:
        digest.update(ref.mark.encode() + b"\0")
        digest.update(hashlib.sha256(ref.source.read_bytes()).digest())
    digest.update(f"{threshold!r}".encode())
    return "detector-" + digest.hexdigest()[:40]


@functools.cache
def _code_digest() -> str:
    digest = hashlib.sha256()
    package = Path(crawler.detection.__file__).parent
    files = [package.parent / "detector.py", package.parent / "references.py",
             *sorted(package.glob("*.py"))]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for dist in ("opencv-python-headless", "zxing-cpp", "pillow", "numpy"):
        try:
            digest.update(f"{dist}={version(dist)}".encode())
        except PackageNotFoundError:
            digest.update(f"{dist}=?".encode())
    return digest.hexdigest()


def result_to_json(result: DetectionResult) -> dict[str, Any]:
    """What is cached: finds with their quads; QR texts without verdicts."""
    return {
        "detections": [d.to_json() for d in result.detections],
        "qr": [{"text": q.text, "quad": [[round(x, 1), round(y, 1)] for x, y in q.quad]}
               for q in result.qr],
    }


def result_from_json(data: Mapping[str, Any], keys: Mapping[str, PublicKey],
                     hosts: Collection[str] | None) -> DetectionResult:
    """A cached result, its QR codes verified again with today's keys."""
    return DetectionResult(
        [Detection(d["mark"], float(d["score"]), [[float(x), float(y)] for x, y in d["quad"]])
         for d in data.get("detections", [])],
        [QrFind(q["text"], verification(q["text"], keys, hosts),
                [[float(x), float(y)] for x, y in q.get("quad", [])])
         for q in data.get("qr", [])],
    )


def dialect_insert(session: Session) -> Any:
    """The INSERT construct with ON CONFLICT for the session's database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"no ON CONFLICT insert for {dialect}")  # pragma: no cover


class ImageCache:
    """Lookups and writes of ``image_analyses`` for one detector version."""

    def __init__(self, detector_version: str) -> None:
        self.detector_version = detector_version

    def exact(self, session: Session, digests: Iterable[str]) -> dict[str, ImageAnalysis]:
        """Stored analyses by SHA-256, for this detector version; one query."""
        wanted = sorted(set(digests))
        if not wanted:
            return {}
        rows = session.scalars(select(ImageAnalysis).where(
            ImageAnalysis.sha256.in_(wanted),
            ImageAnalysis.detector_version == self.detector_version))
        return {row.sha256: row for row in rows}

    def perceptual(self, session: Session, prints: Sequence[Fingerprint]
                   ) -> dict[str, ImageAnalysis]:
        """For each fingerprint (by SHA-256), a stored analysis of the same picture; one query.

        Candidates share a probe key and the dimensions; the signature then decides.
        """
        if not prints:
            return {}
        wanted = [and_(ImageAnalysis.phash.in_(p.probes), ImageAnalysis.width == p.width,
                       ImageAnalysis.height == p.height) for p in prints]
        rows = list(session.scalars(select(ImageAnalysis).where(
            or_(*wanted), ImageAnalysis.detector_version == self.detector_version,
        ).order_by(ImageAnalysis.id)))
        found: dict[str, ImageAnalysis] = {}
        for p in prints:
            for row in rows:
                if row.phash in p.probes and same_picture(p, row.width, row.height,
                                                          row.signature):
                    found[p.sha256] = row
                    break
        return found

    def row(self, print_: Fingerprint, result: DetectionResult,
            analysed_at: dt.datetime) -> dict[str, Any]:
        return {"sha256": print_.sha256, "phash": print_.phash, "signature": print_.signature,
                "width": print_.width, "height": print_.height,
                "detector_version": self.detector_version, "result": result_to_json(result),
                "analysed_at": analysed_at}

    def store(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        """Insert analyses; an image stored meanwhile (another worker, an older detector) is
        overwritten, since both are analyses of the same bytes and the newer is current."""
        if not rows:
            return
        make_insert = dialect_insert(session)
        # A fixed order: two workers writing overlapping images cannot deadlock.
        ordered = sorted({r["sha256"]: r for r in rows}.values(), key=lambda r: r["sha256"])
        statement = make_insert(ImageAnalysis).values(ordered)
        statement = statement.on_conflict_do_update(
            index_elements=["sha256"],
            set_={name: statement.excluded[name] for name in
                  ("phash", "signature", "width", "height", "detector_version", "result",
                   "analysed_at")},
        )
        session.execute(statement)

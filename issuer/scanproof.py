"""Simulated proof scans: does a rendered mark still decode after the captures it will meet?

A printer proofs a new mark by scanning it; this module does the same in software, so the
renderer can pick, among equally valid QR symbols for one URL, one that survives. The
captures are those of the mark's acceptance check: downscaled to 2.4-2.6 pixels per module
(every common way of downscaling: OpenCV by factor and by size, Pillow's filters),
downscaled to 3 pixels per module and blurred, rotated 20°, and saved as JPEG quality 40.
Each must decode with OpenCV's QR detector, the weakest of the decoders a mark meets at low
resolution, and with zxing-cpp.

At 2.4-2.6 pixels per module OpenCV misses from none to half of all codes, depending on how
the picture was made smaller: its sampling grid comes from corners rounded to whole pixels,
so it lands up to a third of a module off, and modules 2.5 pixels wide do not forgive that.
Which codes it misses depends on where the module edges fall on the new pixel grid and on
the data. Neither can be removed from the print, but both can be chosen: a sub-module shift
of the symbol moves the grid phase and the mask changes the data modules, so the renderer
tries a few of each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from PIL import Image

__all__ = ["CAPTURES", "Capture", "first_failure"]

Pixels = npt.NDArray[np.uint8]


def _u8(image: object) -> Pixels:
    """OpenCV's stubs type every result loosely; the images here are all 8-bit."""
    return np.asarray(image, dtype=np.uint8)


@dataclass(frozen=True)
class Capture:
    """One simulated capture of a mark image (BGR, at ``ppm`` pixels per module)."""

    name: str
    apply: Callable[[Pixels, int], Pixels]
    scale: float | None = None  # pixels per module it downscales to; None: full size


def _cv_factor(target: float, interpolation: int) -> Callable[[Pixels, int], Pixels]:
    def apply(image: Pixels, ppm: int) -> Pixels:
        f = target / ppm
        return _u8(cv2.resize(image, None, fx=f, fy=f, interpolation=interpolation))

    return apply


def _size(image: Pixels, f: float, rounding: Callable[[float], int]) -> tuple[int, int]:
    h, w = image.shape[:2]
    return rounding(w * f), rounding(h * f)


def _cv_sized(
    target: float, interpolation: int, rounding: Callable[[float], int] = round
) -> Callable[[Pixels, int], Pixels]:
    def apply(image: Pixels, ppm: int) -> Pixels:
        size = _size(image, target / ppm, rounding)
        return _u8(cv2.resize(image, size, interpolation=interpolation))

    return apply


def _pil_sized(
    target: float, resample: Image.Resampling, rounding: Callable[[float], int] = round
) -> Callable[[Pixels, int], Pixels]:
    def apply(image: Pixels, ppm: int) -> Pixels:
        size = _size(image, target / ppm, rounding)
        rgb = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))
        return np.ascontiguousarray(np.asarray(rgb.resize(size, resample))[:, :, ::-1])

    return apply


def _blurred(scale: Callable[[Pixels, int], Pixels]) -> Callable[[Pixels, int], Pixels]:
    def apply(image: Pixels, ppm: int) -> Pixels:
        return _u8(cv2.GaussianBlur(scale(image, ppm), (0, 0), 1.0))

    return apply


def _rotated(degrees: float) -> Callable[[Pixels, int], Pixels]:
    def apply(image: Pixels, ppm: int) -> Pixels:
        h, w = image.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
        return _u8(
            cv2.warpAffine(image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
        )

    return apply


def _jpeg(quality: int) -> Callable[[Pixels, int], Pixels]:
    def apply(image: Pixels, ppm: int) -> Pixels:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:  # pragma: no cover - OpenCV always encodes a BGR image
            raise RuntimeError("JPEG encoding failed")
        return _u8(cv2.imdecode(data, cv2.IMREAD_COLOR))

    return apply


def _floor(v: float) -> int:
    return int(v)


def _half_up(v: float) -> int:
    return int(v + 0.5)


_R = Image.Resampling


def _downscales(target: float) -> list[Capture]:
    t = f"{target:g}px"
    ways: list[tuple[str, Callable[[Pixels, int], Pixels]]] = [
        ("cv2 factor area", _cv_factor(target, cv2.INTER_AREA)),
        ("cv2 factor linear", _cv_factor(target, cv2.INTER_LINEAR)),
        ("cv2 factor cubic", _cv_factor(target, cv2.INTER_CUBIC)),
        ("cv2 factor nearest", _cv_factor(target, cv2.INTER_NEAREST)),
        ("cv2 size area", _cv_sized(target, cv2.INTER_AREA)),
        ("cv2 size linear", _cv_sized(target, cv2.INTER_LINEAR)),
        ("PIL bilinear", _pil_sized(target, _R.BILINEAR)),
        ("PIL bicubic", _pil_sized(target, _R.BICUBIC)),
        ("PIL lanczos", _pil_sized(target, _R.LANCZOS)),
        ("PIL box", _pil_sized(target, _R.BOX)),
        ("PIL nearest", _pil_sized(target, _R.NEAREST)),
    ]
    return [Capture(f"{t} {way}", apply, target) for way, apply in ways]


def _all_captures() -> list[Capture]:
    captures = [c for target in (2.4, 2.5, 2.6) for c in _downscales(target)]
    # Sizes: at 2.5 the mark's sides land on half pixels and at 2.6 near .8 of a pixel, so
    # rounding half up, to even and truncating give different pictures.
    captures += [
        Capture("2.5px cv2 size area, half up", _cv_sized(2.5, cv2.INTER_AREA, _half_up), 2.5),
        Capture("2.5px PIL bicubic, half up", _pil_sized(2.5, _R.BICUBIC, _half_up), 2.5),
        Capture("2.6px cv2 size area, truncated", _cv_sized(2.6, cv2.INTER_AREA, _floor), 2.6),
        Capture("2.6px PIL bicubic, truncated", _pil_sized(2.6, _R.BICUBIC, _floor), 2.6),
    ]
    # Half way between, the three commonest ways.
    captures += [
        Capture(f"{t:g}px {way}", apply, t)
        for t in (2.45, 2.55)
        for way, apply in [
            ("cv2 factor area", _cv_factor(t, cv2.INTER_AREA)),
            ("cv2 factor linear", _cv_factor(t, cv2.INTER_LINEAR)),
            ("PIL bicubic", _pil_sized(t, _R.BICUBIC)),
        ]
    ]
    captures += [
        Capture("3px cv2 factor area, blur 1", _blurred(_cv_factor(3, cv2.INTER_AREA)), 3),
        Capture("3px cv2 factor linear, blur 1", _blurred(_cv_factor(3, cv2.INTER_LINEAR)), 3),
        Capture("3px PIL bicubic, blur 1", _blurred(_pil_sized(3, _R.BICUBIC)), 3),
        Capture("3px PIL bilinear, blur 1", _blurred(_pil_sized(3, _R.BILINEAR)), 3),
    ]
    # These reject the most candidates (counted over the 200 that 30 proofs tried), so a
    # rejection is cheap. The full-size captures come last: they cost five times more.
    early = [
        "2.55px cv2 factor area",
        "2.6px PIL nearest",
        "2.4px cv2 factor area",
        "2.4px cv2 factor cubic",
        "3px PIL bilinear, blur 1",
        "2.4px cv2 factor linear",
        "2.6px cv2 size linear",
        "2.6px cv2 factor nearest",
        "2.5px PIL nearest",
        "2.4px cv2 size area",
        "2.4px cv2 factor nearest",
    ]
    captures.sort(key=lambda c: early.index(c.name) if c.name in early else len(early))
    captures += [
        Capture("rotated 20 degrees", _rotated(20)),
        Capture("JPEG quality 40", _jpeg(40)),
        Capture("as rendered", lambda image, ppm: image),
    ]
    return captures


CAPTURES: tuple[Capture, ...] = tuple(_all_captures())


_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _decodes(gray: Pixels, text: str) -> bool:
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    if decoded != text:
        return False
    found = zxingcpp.read_barcodes(gray, formats=_QR_ONLY)
    return any(f.text == text for f in found)


def first_failure(
    mark: Image.Image, text: str, ppm: int, captures: Sequence[Capture] = CAPTURES
) -> int | None:
    """Index of the first capture after which ``mark`` no longer reads as ``text``, or None."""
    # BGR, as cv2.imread loads the PNG; each capture then works as a caller's code would.
    image = np.ascontiguousarray(np.asarray(mark.convert("RGB"), dtype=np.uint8)[:, :, ::-1])
    for i, capture in enumerate(captures):
        out = capture.apply(image, ppm)
        gray = out if out.ndim == 2 else _u8(cv2.cvtColor(out, cv2.COLOR_BGR2GRAY))
        if not _decodes(gray, text):
            return i
    return None

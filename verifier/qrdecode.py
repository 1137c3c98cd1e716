"""Find and decode QR codes in a photo: bytes in, texts out, no other I/O.

A consumer's photo is untrusted input. Its byte size is checked first, then only the
header is read and the pixel count refused above the limit, so a decompression bomb
never reaches the pixel decoder. zxing-cpp reads first (fast, robust to blur and
perspective); OpenCV's detectors, over a few rescaled and cleaned-up versions of the
image, are the fallback.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterable, Iterator

import cv2
import numpy as np
import numpy.typing as npt
import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

Gray = npt.NDArray[np.uint8]

#: What phones and browsers upload; anything else is refused before decoding.
FORMATS = ("JPEG", "PNG", "WEBP")
#: Long side of the image the decoders work on: a mark photographed from a normal
#: distance keeps several pixels per module at this size, and decoding stays quick.
WORKING_SIZE = 2400
#: Long side OpenCV's detectors see first; they find codes best at moderate sizes.
OPENCV_SIZE = 1200

# ISO-BMFF brands of HEIC/HEIF/AVIF files (iPhone photos by default).
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
                b"avif", b"avis")
# Image.open warns (or raises) about huge images through the process-wide warnings
# filters; changing those filters is not thread-safe, so header reads take turns.
_OPEN_LOCK = threading.Lock()


class PhotoError(Exception):
    """A photo the check refuses; the message is written for the person who sent it."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        #: A short machine name of the problem (``bytes``, ``pixels``, ``heic``...).
        self.reason = reason


class PhotoTooLarge(PhotoError):
    """Too many bytes or too many pixels (a decompression bomb is the latter)."""


class NotAnImage(PhotoError):
    """Not a JPEG, PNG or WebP image, or one too damaged to read."""


def decode_qr(data: bytes, *, max_pixels: int, max_bytes: int | None = None) -> list[str]:
    """The texts of the QR codes readable in a photo; empty when none can be read.

    Raises ``PhotoTooLarge`` or ``NotAnImage`` for photos that are refused.
    """
    gray = load_gray(data, max_pixels=max_pixels, max_bytes=max_bytes)
    return decode_gray(gray)


def load_gray(data: bytes, *, max_pixels: int, max_bytes: int | None = None) -> Gray:
    """Open an upload safely: limits first, then upright, grey and at working size."""
    if max_bytes is not None and len(data) > max_bytes:
        raise PhotoTooLarge(
            f"the photo is {len(data):,} bytes; the largest accepted is {max_bytes:,} bytes",
            reason="bytes")
    if not data:
        raise NotAnImage("the upload is empty", reason="empty")
    if _is_heif(data):
        raise NotAnImage("HEIC/HEIF photos are not supported; please send a JPEG, PNG or "
                         "WebP (e.g. a screenshot, or the camera's 'most compatible' format)",
                         reason="heic")
    image = _open_header(data, max_pixels)
    width, height = image.size
    if width < 1 or height < 1:
        raise NotAnImage("the image has no pixels", reason="corrupt")
    if width * height > max_pixels:
        raise PhotoTooLarge(
            f"the photo is {width}×{height} pixels; the largest accepted is "
            f"{max_pixels:,} pixels", reason="pixels")
    try:
        if image.format == "JPEG":
            # Let the JPEG decoder scale down by 1/2..1/8 while decoding: less work.
            scale = max(1.0, max(width, height) / WORKING_SIZE)
            image.draft("L", (int(width / scale), int(height / scale)))
        image.load()
        gray = _flatten(_upright(image))
        gray.thumbnail((WORKING_SIZE, WORKING_SIZE), Image.Resampling.BILINEAR)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        raise NotAnImage("the image is damaged or incomplete and cannot be read",
                         reason="corrupt") from exc
    return np.asarray(gray, dtype=np.uint8)


def decode_gray(gray: Gray) -> list[str]:
    """zxing-cpp first, OpenCV if zxing finds nothing."""
    return decode_zxing(gray) or decode_opencv(gray)


def decode_zxing(gray: Gray) -> list[str]:
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    try:
        found = zxingcpp.read_barcodes(gray, formats=formats, try_rotate=True,
                                       try_downscale=True, try_invert=True)
    except TypeError:  # zxing-cpp before 2.2 has no try_invert
        found = zxingcpp.read_barcodes(gray, formats=formats, try_rotate=True,
                                       try_downscale=True)
    return _unique(barcode.text for barcode in found)


def decode_opencv(gray: Gray) -> list[str]:
    """OpenCV's QR detectors over a few versions of the image, stopping at the first read."""
    detectors: list[cv2.QRCodeDetector | cv2.QRCodeDetectorAruco] = []
    if hasattr(cv2, "QRCodeDetectorAruco"):
        detectors.append(cv2.QRCodeDetectorAruco())
    detectors.append(cv2.QRCodeDetector())
    for variant in _variants(gray):
        for detector in detectors:
            texts = _opencv_read(detector, variant)
            if texts:
                return texts
    return []


def _variants(gray: Gray) -> Iterator[Gray]:
    height, width = gray.shape
    long_side = max(height, width)
    base = gray
    if long_side > OPENCV_SIZE:
        factor = OPENCV_SIZE / long_side
        base = _u8(cv2.resize(gray, (round(width * factor), round(height * factor)),
                              interpolation=cv2.INTER_AREA))
        yield base
        yield gray
    elif long_side < OPENCV_SIZE // 2:
        # Small images: modules of one or two pixels read better enlarged.
        yield _u8(cv2.resize(gray, (width * 2, height * 2), interpolation=cv2.INTER_CUBIC))
        yield gray
    else:
        yield gray
    # Unsharp mask against blur, then a local threshold against uneven light.
    soft = cv2.GaussianBlur(base, (0, 0), 2.0)
    yield _u8(cv2.addWeighted(base, 1.8, soft, -0.8, 0))
    yield _u8(cv2.adaptiveThreshold(base, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                    cv2.THRESH_BINARY, 31, 5))


def _u8(pixels: object) -> Gray:
    return np.asarray(pixels, dtype=np.uint8)


def _opencv_read(detector: cv2.QRCodeDetector | cv2.QRCodeDetectorAruco,
                 gray: Gray) -> list[str]:
    try:
        ok, texts, _points, _straight = detector.detectAndDecodeMulti(gray)
    except cv2.error:
        return []
    if not ok:
        return []
    return _unique(texts)


def _open_header(data: bytes, max_pixels: int) -> Image.Image:
    """Image.open reads only the header; bombs and non-images are refused here."""
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoTooLarge(
                "the photo declares far too many pixels to be opened safely; the largest "
                f"accepted is {max_pixels:,} pixels", reason="pixels") from exc
        except UnidentifiedImageError as exc:
            raise NotAnImage("this is not a JPEG, PNG or WebP image", reason="format") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise NotAnImage("the image is damaged and cannot be read",
                             reason="corrupt") from exc


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation a phone records instead of rotating the pixels."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not lose the photo
        return image


def _flatten(image: Image.Image) -> Image.Image:
    """Grey, with any transparency laid on white (a QR on a transparent PNG)."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    return image.convert("L")


def _unique(texts: Iterable[object]) -> list[str]:
    seen: list[str] = []
    for text in texts:
        if isinstance(text, str) and text and text not in seen:
            seen.append(text)
    return seen

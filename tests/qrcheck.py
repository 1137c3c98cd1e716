"""Reading a rendered mark as three independent decoders do, after what a camera does to it."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

Capture = Callable[[np.ndarray], np.ndarray]


def decode_all(image: np.ndarray) -> dict[str, str | None]:
    """What each of three independent decoders reads from an image (None: nothing)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    zbar = pyzbar.decode(Image.fromarray(gray), symbols=[pyzbar.ZBarSymbol.QRCODE])
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    return {
        "zxing-cpp": found[0].text if found else None,
        "zbar": zbar[0].data.decode("ascii") if zbar else None,
        "opencv": text or None,
    }


def rotated(degrees: float) -> Capture:
    """Rotated on a canvas grown to keep the whole picture, white around it."""

    def rotate(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
        return cv2.warpAffine(
            image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255)
        )

    return rotate


def jpeg(quality: int) -> Capture:
    def compress(image: np.ndarray) -> np.ndarray:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        return cv2.imdecode(data, cv2.IMREAD_COLOR)

    return compress

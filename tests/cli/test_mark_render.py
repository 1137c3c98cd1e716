"""`shangpin mark render` end to end: the files it writes scan with three decoders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

from tests.cli.conftest import Shangpin

PPM = 8  # 600 dpi at the default 0.33 mm module


def _decode_all(image: np.ndarray) -> dict[str, str | None]:
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    zbar = pyzbar.decode(Image.fromarray(gray), symbols=[pyzbar.ZBarSymbol.QRCODE])
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(gray)
    return {
        "zxing-cpp": found[0].text if found else None,
        "zbar": zbar[0].data.decode("ascii") if zbar else None,
        "opencv": text or None,
    }


def _rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, m, (nw, nh), borderValue=(255, 255, 255))


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def _scaled(image: np.ndarray, ppm: float) -> np.ndarray:
    f = ppm / PPM
    return cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


CAPTURES = {
    "clean": lambda im: im,
    "2.5 px per module": lambda im: _scaled(im, 2.5),
    "rotated 20 degrees": lambda im: _rotated(im, 20),
    "JPEG quality 40": lambda im: _jpeg(im, 40),
    "3 px per module, blur 1": lambda im: cv2.GaussianBlur(_scaled(im, 3.0), (0, 0), 1.0),
}


@pytest.mark.parametrize("status", ["valid", "suspended"])
def test_rendered_mark_scans_with_three_decoders_after_each_capture(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]], tmp_path: Path, status: str
) -> None:
    number, url = seeded[status]["number"], seeded[status]["mark_url"]
    shangpin("mark", "render", number, "--out", "mark.png")
    image = cv2.imread(str(tmp_path / "mark.png"), cv2.IMREAD_COLOR)
    assert image is not None
    misses = {
        f"{name}/{decoder}": text
        for name, capture in CAPTURES.items()
        for decoder, text in _decode_all(capture(image)).items()
        if text != url
    }
    assert not misses, misses


def test_rendered_svg_prints_the_same_code_as_the_png(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    number, url = seeded["valid"]["number"], seeded["valid"]["mark_url"]
    shangpin("mark", "render", number, "--out", "mark.svg")
    svg = (tmp_path / "mark.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    assert 'id="qr"' in svg and number in svg
    assert url  # the PNG test decodes the code; here the SVG names the same certificate

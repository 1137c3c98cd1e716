"""`shangpin mark render` end to end: the files it writes scan with three decoders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from issuer.artwork import render_mark_svg
from storage.enums import Scheme
from tests.cli.conftest import Shangpin
from tests.qrcheck import decode_all, jpeg, rotated

PPM = 8  # 600 dpi at the default 0.33 mm module


def _scaled(image: np.ndarray, ppm: float) -> np.ndarray:
    f = ppm / PPM
    return cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


CAPTURES = {
    "clean": lambda im: im,
    "2.5 px per module": lambda im: _scaled(im, 2.5),
    "rotated 20 degrees": rotated(20),
    "JPEG quality 40": jpeg(40),
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
        for decoder, text in decode_all(capture(image)).items()
        if text != url
    }
    assert not misses, misses


def test_rendered_svg_is_the_proofed_symbol(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The SVG prints the symbol the proof chose for the PNG, so both files are one code."""
    record = seeded["valid"]
    shangpin("mark", "render", record["number"], "--out", "mark.svg")
    svg = (tmp_path / "mark.svg").read_text(encoding="utf-8")
    scheme = Scheme(record["scheme"])
    assert svg == render_mark_svg(record["mark_url"], record["number"], scheme, proof_scan=True)

"""The evidence store: content-addressed, atomic, never overwritten; crops show the find."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from crawler.evidence import OUTLINE, EvidenceStore, crop_png

PAGE = "<html><body>桂花糕礼盒</body></html>".encode()


def test_files_are_named_by_their_sha256_under_relative_paths(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    page = store.put_page(PAGE)
    image = store.put_image(b"\xff\xd8 not really a jpeg")
    assert page.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert page.path == f"pages/{page.sha256[:2]}/{page.sha256}"
    assert image.path.startswith("images/") and not Path(image.path).is_absolute()
    for stored in (page, image):
        data = (tmp_path / stored.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == stored.sha256
    assert (tmp_path / page.path).read_bytes() == PAGE


def test_the_same_content_is_kept_once_and_never_rewritten(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    first = store.put_page(PAGE)
    before = os.stat(tmp_path / first.path)
    again = EvidenceStore(tmp_path).put_page(PAGE)
    after = os.stat(tmp_path / first.path)
    assert again == first
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [first.sha256]


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    store = EvidenceStore(tmp_path)

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space"):
        store.put_page(PAGE)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_crop_shows_the_find_with_its_outline(tmp_path: Path) -> None:
    rgb = np.full((400, 600, 3), 200, np.uint8)
    quad = [[100.0, 120.0], [180.0, 110.0], [190.0, 200.0], [95.0, 205.0]]
    stored = EvidenceStore(tmp_path).put_crop(rgb, quad)
    data = (tmp_path / stored.path).read_bytes()
    assert stored.path.endswith(".png")
    assert hashlib.sha256(data).hexdigest() == stored.sha256
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        crop = np.asarray(im.convert("RGB"))
    # The quad with a margin around it, not the whole image.
    assert 95 < crop.shape[1] < 250 and 95 < crop.shape[0] < 250
    outlined = np.all(crop == OUTLINE, axis=-1)
    assert outlined.sum() > 200  # the four sides are drawn


def test_crop_of_a_find_at_the_border_stays_inside_the_image() -> None:
    rgb = np.zeros((100, 100, 3), np.uint8)
    png = crop_png(rgb, [[-5.0, -5.0], [40.0, -5.0], [40.0, 40.0], [-5.0, 40.0]])
    with Image.open(io.BytesIO(png)) as im:
        assert im.size[0] <= 100 and im.size[1] <= 100
    assert crop_png(rgb, [[1, 1], [2, 1], [2, 2], [1, 2]]) == crop_png(
        rgb, [[1, 1], [2, 1], [2, 2], [1, 2]])  # deterministic: same crop, same digest

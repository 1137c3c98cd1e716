"""The analysis cache: same bytes or the same picture re-encoded hit; a small mark added to
a photo never reuses the unmarked photo's result."""

from __future__ import annotations

import functools
import io

import imagehash
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.detection.image import load_rgb
from crawler.detector import Detection, DetectionResult, QrFind
from crawler.image_cache import (
    Fingerprint,
    ImageCache,
    detector_version,
    fingerprint,
    phash_probes,
    result_from_json,
    result_to_json,
    same_picture,
)
from crawler.references import References
from issuer.artwork import ASSET_DIR
from issuer.verification import PublicKey
from storage.base import utcnow
from storage.enums import KeyState
from storage.models import ImageAnalysis
from tests.crawler import imagegen

SIZE = 640
MARK_WIDTH = SIZE // 20  # 5 % of the photo's width
QUAD = [[1.0, 2.0], [3.0, 2.0], [3.0, 4.0], [1.0, 4.0]]


@functools.cache
def photo(seed: int) -> np.ndarray:
    spec = imagegen.Spec(mark=None, size=SIZE, text_lines=0, background=seed)
    return imagegen.render(spec, np.random.default_rng(seed)).rgb


def encode(rgb: np.ndarray, fmt: str = "JPEG", quality: int = 92) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


def with_mark(rgb: np.ndarray, mark: str, x: int, y: int) -> np.ndarray:
    base = Image.fromarray(rgb).convert("RGBA")
    with Image.open(ASSET_DIR / f"emblem-{mark}.png") as art:
        emblem = art.convert("RGBA").resize((MARK_WIDTH, MARK_WIDTH), Image.Resampling.LANCZOS)
    base.alpha_composite(emblem, (x, y))
    return np.asarray(base.convert("RGB"))


def print_of(body: bytes) -> Fingerprint:
    return fingerprint(body, load_rgb(body)[0])


def stored(cache: ImageCache, session: Session, print_: Fingerprint,
           result: DetectionResult | None = None) -> None:
    cache.store(session, [cache.row(print_, result or DetectionResult([], []), utcnow())])
    session.flush()


def test_photo_re_saved_is_a_hit_but_the_photo_with_a_small_mark_is_not(session: Session
                                                                        ) -> None:
    cache = ImageCache("test-version")
    original = print_of(encode(photo(1)))
    stored(cache, session, original)
    reencoded = print_of(encode(photo(1), quality=60))
    marked = print_of(encode(with_mark(photo(1), "shangpin", 300, 300)))
    assert reencoded.sha256 != original.sha256
    # The whole-image pHash does not see the mark: it only finds the candidate.
    assert marked.phash == reencoded.phash == original.phash
    hits = cache.perceptual(session, [reencoded, marked])
    assert hits[reencoded.sha256].sha256 == original.sha256
    assert marked.sha256 not in hits


def test_re_encoded_copies_are_found_even_when_their_phash_moved(session: Session) -> None:
    cache = ImageCache("test-version")
    copies: list[Fingerprint] = []
    originals: dict[str, str] = {}
    moved = 0
    for seed in (1, 3):  # 3: its pHash moves under every re-encoding
        original = print_of(encode(photo(seed)))
        stored(cache, session, original)
        for body in (encode(photo(seed), quality=50), encode(photo(seed), quality=75),
                     encode(photo(seed), "PNG")):
            copies.append(print_of(body))
            originals[copies[-1].sha256] = original.sha256
            moved += copies[-1].phash != original.phash
    assert moved, "some copies must have another pHash, or this test proves nothing"
    hits = cache.perceptual(session, copies)
    assert {sha: row.sha256 for sha, row in hits.items()} == originals


def test_the_key_is_imagehash_phash() -> None:
    rgb = photo(3)
    key, probes = phash_probes(rgb)
    assert key == str(imagehash.phash(Image.fromarray(rgb)))
    assert probes[0] == key and len(set(probes)) == 22


@pytest.mark.parametrize("seed", [0, 2, 3])
def test_every_re_encoding_is_the_same_picture(seed: int) -> None:
    original = print_of(encode(photo(seed)))
    for body in (encode(photo(seed), quality=50), encode(photo(seed), quality=75),
                 encode(photo(seed), "PNG")):
        again = print_of(body)
        assert same_picture(again, original.width, original.height, original.signature)


@pytest.mark.parametrize("seed", [0, 2, 5])
@pytest.mark.parametrize("mark", ["shangpin", "cultivation"])
def test_no_5_percent_mark_anywhere_is_the_same_picture(seed: int, mark: str) -> None:
    original = print_of(encode(photo(seed)))
    # Corners, the middle and places that straddle the thumbnail's cells.
    for x, y in ((0, 0), (SIZE - MARK_WIDTH, SIZE - MARK_WIDTH), (304, 304), (67, 451)):
        marked = print_of(encode(with_mark(photo(seed), mark, x, y)))
        assert not same_picture(marked, original.width, original.height, original.signature)


def test_other_dimensions_are_another_picture() -> None:
    original = print_of(encode(photo(0)))
    smaller = print_of(encode(np.ascontiguousarray(photo(0)[:, :-8])))
    assert not same_picture(smaller, original.width, original.height, original.signature)


def test_exact_hits_need_the_same_detector_version(session: Session) -> None:
    body = encode(photo(0))
    print_ = print_of(body)
    stored(ImageCache("old"), session, print_)
    assert print_.sha256 in ImageCache("old").exact(session, [print_.sha256])
    newer = ImageCache("new")
    assert newer.exact(session, [print_.sha256]) == {}
    assert newer.perceptual(session, [print_]) == {}
    # Analysed again by the new detector: the row is replaced, not duplicated.
    stored(newer, session, print_)
    assert print_.sha256 in newer.exact(session, [print_.sha256])
    count = session.scalar(select(func.count()).select_from(ImageAnalysis)
                           .where(ImageAnalysis.sha256 == print_.sha256))
    assert count == 1


def test_detector_version_follows_what_decides_the_finds() -> None:
    refs = References.default()
    assert detector_version(refs) == detector_version(refs)
    assert detector_version(refs, threshold=0.7) != detector_version(refs)
    assert detector_version(refs).startswith("detector-")


def test_cached_qr_codes_are_verified_again_with_todays_keys() -> None:
    url = imagegen.mark_code_url("SP-2026-00001")
    result = DetectionResult([Detection("shangpin", 0.81234, QUAD)],
                             [QrFind(url, "authentic", QUAD)])
    data = result_to_json(result)
    assert "verification" not in data["qr"][0]
    hosts = [imagegen.HOST]
    keys = imagegen.public_keys()
    again = result_from_json(data, keys, hosts)
    assert again.detections[0].mark == "shangpin" and again.detections[0].quad == QUAD
    assert again.qr[0].verification == "authentic"
    compromised = {kid: PublicKey(kid, key.public_key, KeyState.COMPROMISED)
                   for kid, key in keys.items()}
    assert result_from_json(data, compromised, hosts).qr[0].verification == "compromised_key"

"""The mark detector on generated listing photos: every transformation a listing applies,
decoys it must stay quiet on, hostile images, QR verification and the CLI's JSON."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

# The scenes below are drawn over scikit-image's sample photos. Without it the generator
# falls back to procedural backgrounds, which draws other scenes: required, not optional.
import skimage.data  # noqa: F401
from click.testing import CliRunner
from PIL import Image

from crawler import detector as detector_module
from crawler.detect_cli import detect as detect_command
from crawler.detection.candidates import candidates
from crawler.detection.compare import (
    LOOKALIKE_SCORE,
    RIVAL_MIN,
    RIVAL_WEIGHT,
    Comparison,
    lookalike_margin,
)
from crawler.detection.features import feature_alignment
from crawler.detector import (
    THRESHOLD,
    DetectionResult,
    ImageTooLarge,
    UnreadableImage,
    detect,
)
from crawler.references import ReferenceError, References
from issuer import ed25519
from issuer.artwork import render_mark_png
from issuer.keys import to_jwks
from issuer.marks import sign_payload
from issuer.payload import MarkPayload, make_kid
from issuer.urls import mark_url
from issuer.verification import PublicKey
from storage.enums import KeyState, Scheme
from tests.crawler import imagegen
from tests.crawler.imagegen import Spec

MARKS = ("shangpin", "cultivation")


@pytest.fixture(scope="module")
def refs() -> References:
    return References.default()


def run(spec: Spec, refs: References, seed: int = 1, **kwargs: object) -> tuple[
        imagegen.Sample, DetectionResult]:
    sample = imagegen.render(spec, np.random.default_rng(seed))
    return sample, detect(sample.jpeg, references=refs, **kwargs)  # type: ignore[arg-type]


def located(sample: imagegen.Sample, result: DetectionResult) -> bool:
    """Exactly the true emblem(s) found: right mark, centre inside the true quad."""
    if len(result.detections) != len(sample.marks):
        return False
    for truth in sample.marks:
        ok = any(
            d.mark == truth.mark
            and cv2.pointPolygonTest(truth.quad.astype(np.float32),
                                     tuple(map(float, np.mean(d.quad, axis=0))), False) >= 0
            for d in result.detections
        )
        if not ok:
            return False
    return True


# ---------------------------------------------------------------- transformations

TRANSFORMS = {
    "plain": {},
    "smallest (5 % of the width)": {"scale": 0.05},
    "small (8 %)": {"scale": 0.08},
    "largest (40 %)": {"scale": 0.40},
    "rotated +30°": {"rotation": 30.0},
    "rotated -30°": {"rotation": -30.0},
    "perspective, tilted about x": {"tilt": (35.0, 0.0)},
    "perspective, tilted about y": {"tilt": (0.0, -35.0)},
    "perspective, both axes": {"tilt": (25.0, 25.0), "rotation": 15.0},
    "JPEG quality 35": {"jpeg_quality": 35},
    "blurred": {"blur": 1.5},
    "noisy": {"noise": 8.0},
    "warm colour cast": {"gains": (1.2, 0.95, 0.8)},
    "cool colour cast": {"gains": (0.8, 1.0, 1.2)},
    "dark": {"gamma": 1.5},
    "bright": {"gamma": 0.67},
    "sticker over 15 %": {"occlusion": 0.15, "occluder": "sticker"},
    "finger over 12 %": {"occlusion": 0.12, "occluder": "finger"},
    "another box over 12 %": {"occlusion": 0.12, "occluder": "product"},
    "finger over 25 %": {"occlusion": 0.25, "occluder": "finger"},
    "another box over 25 %": {"occlusion": 0.25, "occluder": "product"},
    "kraft box under warm light": {"face": 2, "gains": (1.2, 0.85, 0.85), "gamma": 1.3},
    "cast that tints the lettering": {"gains": (1.1, 0.8, 1.1)},
    "strong perspective, both axes": {"tilt": (30.0, -30.0)},
    "full mark with QR": {"full_mark": True},
    "everything at once": {"scale": 0.15, "rotation": -20.0, "tilt": (20.0, -15.0),
                           "jpeg_quality": 45, "blur": 0.8, "gains": (1.1, 0.95, 0.9),
                           "gamma": 1.2, "occlusion": 0.08, "occluder": "sticker"},
}


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_finds_the_mark_through_what_listing_photos_do(refs: References, mark: str,
                                                         name: str) -> None:
    spec = Spec(mark=mark, **{"scale": 0.2, **TRANSFORMS[name]})  # type: ignore[arg-type]
    sample, result = run(spec, refs)
    assert located(sample, result), (name, result.detections, sample.marks)
    assert all(THRESHOLD <= d.score <= 1 for d in result.detections)


def test_quad_follows_the_emblem_corners(refs: References) -> None:
    spec = Spec(mark="cultivation", scale=0.3, rotation=25.0, tilt=(20.0, 10.0))
    sample, result = run(spec, refs)
    (found,) = result.detections
    side = np.linalg.norm(sample.marks[0].quad[1] - sample.marks[0].quad[0])
    # Corners in the emblem's own order (top-left first), within a few percent of its size.
    assert np.abs(np.array(found.quad) - sample.marks[0].quad).max() < 0.06 * side


def test_coordinates_are_those_of_the_original_image(refs: References) -> None:
    sample = imagegen.render(Spec(mark="shangpin", scale=0.25, size=800), np.random.default_rng(2))
    big = cv2.resize(sample.rgb, (2000, 2000), interpolation=cv2.INTER_CUBIC)
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="JPEG", quality=92)
    (found,) = detect(buf.getvalue(), references=refs).detections
    expected = sample.marks[0].quad * 2.5
    assert np.abs(np.array(found.quad) - expected).max() < 0.06 * 2.5 * 0.25 * 800


# ---------------------------------------------------------------- alignment by lettering

#: Generated listing photos (seed, index of the positive image) whose emblem no reading of
#: its outline aligns, and what happens in them.
LETTERING_CASES = {
    "badge, a corner cut off by the edge of another box": (100, 10),
    "seal merged with an orange sticker over it": (100, 269),
    "badge whose outline a red sticker breaks": (300, 239),
    "large seal cut by the edge of another box": (300, 447),
}


def random_positive(seed: int, index: int) -> imagegen.Sample:
    """The benchmark generator's ``index``-th image with a mark for ``seed``."""
    rng = np.random.default_rng([seed, index, 1])
    return imagegen.render(imagegen.random_spec(rng, positive=True), rng)


@pytest.mark.parametrize("name", list(LETTERING_CASES))
def test_lettering_aligns_what_the_outline_cannot(refs: References, name: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    sample = random_positive(*LETTERING_CASES[name])
    result = detect(sample.jpeg, references=refs)
    assert located(sample, result), (name, result.detections)
    (found,) = result.detections
    truth = sample.marks[0].quad
    side = np.linalg.norm(truth[1] - truth[0])
    assert np.abs(np.array(found.quad) - truth).max() < 0.08 * side
    # Control: without the lettering the same image yields nothing, so the case above is
    # one only the features solve.
    monkeypatch.setattr(detector_module, "feature_alignment", lambda *args: None)
    assert detect(sample.jpeg, references=refs).detections == []


def test_feature_alignment_maps_the_template_onto_a_partly_covered_emblem(
        refs: References) -> None:
    ref = refs.marks["cultivation"]
    size = 400
    scene = np.full((size, size, 3), 200, np.uint8)
    # The emblem at 180 pixels, rotated and seen at an angle...
    emblem = imagegen.emblem_rgba("cultivation")
    to_scene = np.array([[0.62, -0.25, 130.0], [0.28, 0.55, 60.0], [0.0004, -0.0002, 1.0]])
    to_scene = to_scene @ np.diag([180 / emblem.shape[1], 180 / emblem.shape[0], 1.0])
    warped = cv2.warpPerspective(emblem, to_scene, (size, size))
    alpha = warped[..., 3:4].astype(np.float32) / 255
    scene = (scene * (1 - alpha) + warped[..., :3] * alpha).astype(np.uint8)
    # ...with a box of its own blue across one corner, so its outline is no badge's.
    cv2.fillConvexPoly(scene, np.array([[0, 0], [260, 0], [0, 200]], np.int32), (10, 74, 140))
    grey = cv2.cvtColor(scene, cv2.COLOR_RGB2GRAY)
    h = feature_alignment(grey, (60, 40, 300, 300), ref.features)
    assert h is not None
    # The artwork's corners (template pixels) where the map puts them, against the truth.
    found = cv2.perspectiveTransform(ref.box[None].astype(np.float64), h)[0]
    art = np.array([[0, 0], [emblem.shape[1], 0], [emblem.shape[1], emblem.shape[0]],
                    [0, emblem.shape[0]]], np.float64)
    expected = cv2.perspectiveTransform(art[None], to_scene)[0]
    assert np.abs(found - expected).max() < 4.0, (found, expected)


def test_no_alignment_from_a_region_without_the_lettering(refs: References) -> None:
    rng = np.random.default_rng(5)
    scene = cv2.GaussianBlur(rng.integers(0, 255, (300, 300), dtype=np.uint8), (0, 0), 2)
    assert feature_alignment(scene, (50, 50, 200, 200), refs.marks["shangpin"].features) is None


def _box_of_the_emblem_colour(ref_name: str, refs: References) -> npt.NDArray[np.uint8]:
    """An 800-pixel scene of pale card with a 640 x 520 box of the reference's colour."""
    ref = refs.marks[ref_name]
    hsv = np.uint8([[[round(ref.hue), round(ref.saturation), round(ref.value)]]])
    colour = tuple(int(v) for v in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])
    scene = np.full((800, 800, 3), 235, np.uint8)
    cv2.rectangle(scene, (60, 80), (700, 600), colour, -1)
    return scene


def _lettering_boxes(scene: npt.NDArray[np.uint8], refs: References
                     ) -> list[tuple[int, int, int, int]]:
    regions: list[tuple[int, int, int, int]] = []
    lettering: list[tuple[int, int, int, int]] = []
    candidates(cv2.cvtColor(scene, cv2.COLOR_RGB2HSV), refs.marks["shangpin"], regions,
               lettering)
    return lettering


def test_a_block_of_light_letters_in_a_large_part_is_a_lettering_cluster(
        refs: References) -> None:
    scene = _box_of_the_emblem_colour("shangpin", refs)
    # Four light "glyphs" in a 2 x 2 block, as a mark's lettering would leave holes.
    for x, y in ((200, 180), (232, 180), (200, 212), (232, 212)):
        cv2.rectangle(scene, (x, y), (x + 22, y + 22), (250, 250, 250), 3)
    (box,) = _lettering_boxes(scene, refs)
    x, y, w, h = box
    assert x <= 200 and y <= 180 and x + w >= 254 and y + h >= 234, box
    assert max(w, h) < 100, box  # the block, not the box around it


def test_a_line_of_text_or_a_lone_glyph_is_no_lettering_cluster(refs: References) -> None:
    scene = _box_of_the_emblem_colour("shangpin", refs)
    for k in range(6):  # a line of six glyphs: text, not a mark's lettering block
        cv2.rectangle(scene, (120 + 32 * k, 150), (142 + 32 * k, 172), (250, 250, 250), 3)
    cv2.rectangle(scene, (300, 400), (322, 422), (250, 250, 250), 3)  # one glyph alone
    assert _lettering_boxes(scene, refs) == []


# ---------------------------------------------------------------- hard cases

#: Generated listing photos (seed, index of the positive image) that each need one part of
#: the detector, and how to switch that part off: with it the mark is found, without it not.
HARD_CASES: dict[str, tuple[tuple[int, int], list[tuple[str, str, object]]]] = {
    # Sampling repeats the photo's edge pixels beyond it, which must count as hidden.
    "badge cut by the photo's edge": ((7, 257), [
        ("crawler.detection.compare", "inside", lambda h, shape, size=64: np.ones(
            (size, size), bool)),
        ("crawler.detection.align", "inside", lambda h, shape, size=64: np.ones(
            (size, size), bool)),
    ]),
    # At 64 pixels a strongly rotated, tilted and soft badge aligns a pixel off.
    "badge rotated 28° and tilted 31°, soft": ((7, 153), [
        ("crawler.detector", "refine_fine", lambda h, *args: h),
    ]),
    # A box of nearly the badge's blue, a third colour only a little off its blends.
    "box of nearly the badge's colour over a corner": ((300, 213), [
        ("crawler.detection.compare", "_third_colour", lambda dist, ref, rim: np.zeros(
            ref.mask.shape, bool)),
    ]),
    # A small seal softer than every blur the look-alike test tried read as "上晶".
    "small seal blurred by 1.4 px": ((7, 154), [
        ("crawler.detection.compare", "_RIVAL_BLURS", (0.0, 0.7, 1.2)),
    ]),
    # A blue product across the badge's corner merges with it into one part that is no
    # badge and has too little lettering for a region: its lettering is a cluster of holes.
    "badge merged with a product of its blue across a corner": ((7, 270), [
        ("crawler.detection.candidates", "MAX_LETTERING", 0),
    ]),
    # On a kraft box the loosest colour level merges the seal with the box: its lettering
    # is only looked at in the stricter levels' parts.
    "seal on a box of nearly its colour, its bottom cut off by another box": ((7, 6), [
        ("crawler.detector", "feature_alignment", lambda *args: None),
    ]),
}


@pytest.mark.parametrize("name", list(HARD_CASES))
def test_hard_cases_need_their_part_of_the_detector(refs: References, name: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (seed, index), switches = HARD_CASES[name]
    sample = random_positive(seed, index)
    result = detect(sample.jpeg, references=refs)
    assert located(sample, result), (name, result.detections)
    for module, attribute, value in switches:
        monkeypatch.setattr(module + "." + attribute, value)
    assert not located(sample, detect(sample.jpeg, references=refs))


def test_what_lies_beyond_the_photo_is_not_compared(refs: References) -> None:
    from crawler.detection.compare import inside

    ref = refs.marks["cultivation"]
    # The template (64 px) mapped at 3x with its left quarter beyond the image's left edge.
    h = np.array([[3.0, 0, -48.0], [0, 3.0, 10.0], [0, 0, 1.0]])
    seen = inside(h, (400, 400, 3))
    assert seen[:, 17:].all() and not seen[:, :16].any()
    assert inside(np.array([[1.0, 0, 5], [0, 1, 5], [0, 0, 1]]), (400, 400)).all()
    assert ref.mask.shape == seen.shape


# ---------------------------------------------------------------- decoys


@pytest.mark.parametrize("decoy", imagegen.decoy_names())
def test_quiet_on_lookalikes_and_other_badges(refs: References, decoy: str) -> None:
    sample, result = run(Spec(decoys=(decoy,), decoy_scale=0.25), refs)
    assert result.detections == [], decoy


def test_quiet_on_a_large_lookalike(refs: References) -> None:
    # "上晶" differs from "上品" by a few bars; at 40 % of the width the fine check sees them.
    for seed in range(2):
        sample, result = run(Spec(decoys=("lookalike-seal-shangjing",), decoy_scale=0.4), refs,
                             seed=seed)
        assert result.detections == [], (seed, result.detections)


def test_quiet_on_a_small_lookalike(refs: References) -> None:
    # At 6 % of the width "上晶"'s extra bars are under a pixel; it scores like "上品" on the
    # local difference (about 0.88 with the look-alike test switched off) and only the
    # comparison with the look-alike itself tells them apart.
    for seed in range(2):
        sample, result = run(Spec(decoys=("lookalike-seal-shangjing",), decoy_scale=0.06), refs,
                             seed=seed)
        assert result.detections == [], (seed, result.detections)


def test_small_marks_are_compared_with_the_lookalike(refs: References) -> None:
    ref = refs.marks["shangpin"]
    assert refs.marks["cultivation"].rival is None  # no look-alike shipped for it
    for pixels in (40, 64, 100):
        look, other = ref.look(pixels), ref.rival_look(pixels)
        assert other is not None
        region = ref.mask & ref.inner
        assert lookalike_margin(look, look, other, region) == pytest.approx(1.0, abs=0.05)
        assert lookalike_margin(other, look, other, region) == pytest.approx(-1.0, abs=0.05)
    lookalike = Comparison(ncc=0.9, local=0.1, visible=1.0, fine=0.0,
                           seen=ref.mask, rival=RIVAL_MIN - 0.1)
    mark = Comparison(ncc=0.9, local=0.1, visible=1.0, fine=0.0, seen=ref.mask, rival=0.5)
    unchecked = Comparison(ncc=0.9, local=0.1, visible=1.0, fine=0.0, seen=ref.mask)
    assert lookalike.score <= LOOKALIKE_SCORE < THRESHOLD
    assert mark.score == pytest.approx(1 - RIVAL_WEIGHT * 0.1)
    assert unchecked.score == pytest.approx(0.9)


@pytest.mark.parametrize("kind", ["logo", "text", "qr", "blob"])
def test_quiet_on_other_logos_text_codes_and_plain_colour(refs: References, kind: str) -> None:
    for seed in range(3):
        sample, result = run(Spec(decoys=(kind,), decoy_scale=0.3), refs, seed=seed)
        assert result.detections == [], (kind, seed, sample.decoys)


def test_quiet_on_a_photo_with_nothing_printed(refs: References) -> None:
    for seed in range(4):
        _, result = run(Spec(decoys=(), text_lines=0, background=seed), refs, seed=seed)
        assert result.detections == []


@pytest.mark.parametrize("decoy", ["lookalike-seal-shangjing", "lookalike-square-zhongguo"])
def test_finds_only_the_real_mark_beside_a_lookalike(refs: References, decoy: str) -> None:
    mark = "shangpin" if "seal" in decoy else "cultivation"
    for seed in range(4):  # the decoy goes on the mark's own box in about half the scenes
        sample, result = run(Spec(mark=mark, decoys=(decoy,), decoy_scale=0.2), refs, seed=seed)
        assert located(sample, result), (seed, result.detections)


# ---------------------------------------------------------------- references


def test_references_come_from_a_directory_without_code_changes(tmp_path: Path,
                                                               refs: References) -> None:
    # Declare the look-alike "上晶" seal the official "上品" artwork: now it is the one found.
    shutil.copy(imagegen.ASSETS / "decoys" / "lookalike-seal-shangjing.png",
                tmp_path / "emblem-shangpin.png")
    swapped = References.from_dir(tmp_path)
    assert swapped.marks["shangpin"].source == tmp_path / "emblem-shangpin.png"
    assert swapped.marks["cultivation"] is refs.marks["cultivation"]  # the rest as shipped
    # The shipped look-alike belongs to the stand-in artwork, not to what replaced it.
    assert refs.marks["shangpin"].rival is not None
    assert swapped.marks["shangpin"].rival is None
    lookalike = imagegen.render(Spec(decoys=("lookalike-seal-shangjing",), decoy_scale=0.25),
                                np.random.default_rng(1))
    genuine = imagegen.render(Spec(mark="shangpin", scale=0.25), np.random.default_rng(1))
    assert [d.mark for d in detect(lookalike.jpeg, references=swapped).detections] == ["shangpin"]
    assert detect(genuine.jpeg, references=swapped).detections == []


def test_reference_directory_problems_are_named(tmp_path: Path) -> None:
    with pytest.raises(ReferenceError, match="does not exist"):
        References.from_dir(tmp_path / "missing")
    with pytest.raises(ReferenceError, match="contains none of"):
        References.from_dir(tmp_path)
    (tmp_path / "emblem-shangpin.png").write_bytes(b"not a png")
    with pytest.raises(ReferenceError, match="not a readable image"):
        References.from_dir(tmp_path)
    assert References.from_dir(None) is References.default()


# ---------------------------------------------------------------- hostile input


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` but carries almost no data: opening it is
    cheap, decoding it would allocate gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width // 8 + 1) * 4)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


@pytest.fixture
def decompression_bomb_png() -> bytes:
    return png_header_only(60_000, 60_000)  # 3.6 Gpx: past Pillow's own hard limit


@pytest.fixture
def pillow_warning_png() -> bytes:
    return png_header_only(10_000, 10_000)  # 100 Mpx: Pillow only warns (an error here)


@pytest.fixture
def truncated_jpeg(refs: References) -> bytes:
    sample = imagegen.render(Spec(mark="shangpin"), np.random.default_rng(1))
    return sample.jpeg[: len(sample.jpeg) // 2]


def test_zero_byte_image_is_refused() -> None:
    with pytest.raises(UnreadableImage) as info:
        detect(b"")
    assert info.value.reason == "empty"


def test_not_an_image_is_refused() -> None:
    with pytest.raises(UnreadableImage) as info:
        detect(b"<html><body>404</body></html>")
    assert info.value.reason == "format"


def test_truncated_image_is_refused(truncated_jpeg: bytes) -> None:
    with pytest.raises(UnreadableImage) as info:
        detect(truncated_jpeg)
    assert info.value.reason == "corrupt"


def test_decompression_bomb_is_refused_before_decoding(decompression_bomb_png: bytes) -> None:
    with pytest.raises(ImageTooLarge) as info:
        detect(decompression_bomb_png)
    assert info.value.reason == "pixels"


def test_pillow_bomb_warning_is_a_refusal_not_a_warning(pillow_warning_png: bytes) -> None:
    # Under our own limit but past Pillow's warning threshold: still refused, never a warning.
    with pytest.raises(ImageTooLarge):
        detect(pillow_warning_png, max_pixels=200_000_000)


def test_own_pixel_limit_applies_before_decoding() -> None:
    with pytest.raises(ImageTooLarge, match="at most 1,000,000"):
        detect(png_header_only(2_000, 2_000), max_pixels=1_000_000)


def test_transparent_png_and_greyscale_are_read(refs: References) -> None:
    emblem = Image.open(imagegen.ASSET_DIR / "emblem-shangpin.png").convert("RGBA")
    canvas = Image.new("RGBA", (800, 800), (0, 0, 0, 0))
    canvas.paste(emblem.resize((200, 200)), (300, 300))
    buf = io.BytesIO()
    canvas.save(buf, format="PNG")
    (found,) = detect(buf.getvalue(), references=refs).detections
    assert found.mark == "shangpin"
    grey = io.BytesIO()
    canvas.convert("L").save(grey, format="PNG")
    assert detect(grey.getvalue(), references=refs).detections == []  # no colour, no seal


def test_finds_are_where_an_exif_rotated_photo_is_shown(refs: References) -> None:
    # A phone stores the sensor's pixels and an orientation tag: 6 means "turn 90 degrees
    # clockwise to show". The seal lies on its side on the left of the sensor image, so it
    # stands upright at the top once shown.
    emblem = Image.open(imagegen.ASSET_DIR / "emblem-shangpin.png").convert("RGBA")
    on_side = emblem.resize((160, 160)).rotate(90)
    sensor = Image.new("RGB", (800, 600), (235, 232, 225))
    sensor.paste(on_side, (40, 220), on_side)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    sensor.save(buf, format="JPEG", quality=90, exif=exif)
    (found,) = detect(buf.getvalue(), references=refs).detections
    centre = np.mean(np.array(found.quad), axis=0)
    assert np.abs(centre - [300, 120]).max() < 8  # shown 600 wide, 800 high


# ---------------------------------------------------------------- QR codes


@pytest.fixture(scope="module")
def keys() -> dict[str, PublicKey]:
    return imagegen.public_keys()


def mark_photo(url: str, scheme: str = "shangpin") -> bytes:
    """The full mark printed flat on a white card, photographed straight on."""
    png = render_mark_png(url, "SP-2026-00042", Scheme(scheme), dpi=150)
    mark = Image.open(io.BytesIO(png)).convert("RGB")
    canvas = Image.new("RGB", (900, 700), (235, 232, 225))
    canvas.paste(mark, (40, 120))
    buf = io.BytesIO()
    canvas.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def test_mark_qr_is_read_and_verified(refs: References, keys: dict[str, PublicKey]) -> None:
    url = imagegen.mark_code_url("SP-2026-00042")
    result = detect(mark_photo(url), references=refs, keys=keys,
                    hosts=[imagegen.HOST])
    assert [d.mark for d in result.detections] == ["shangpin"]
    (code,) = result.qr
    assert code.text == url
    assert code.verification == "authentic"
    assert len(code.quad) == 4


def test_forged_signature_is_reported(refs: References, keys: dict[str, PublicKey]) -> None:
    _, kid = imagegen.signing_key()
    forger = ed25519.Signer(ed25519.generate_seed())  # not the alliance's key, same key id
    payload = MarkPayload(kid, "SP-2026-00042", dt.date(2026, 1, 1), dt.date(2028, 12, 31), None)
    url = mark_url(imagegen.HOST, sign_payload(forger, payload))
    (code,) = detect(mark_photo(url), references=refs, keys=keys).qr
    assert code.verification == "forged"


def test_unknown_key_and_no_keys(refs: References) -> None:
    url = imagegen.mark_code_url("SP-2026-00042")
    other = ed25519.Signer(ed25519.generate_seed())
    stranger = {make_kid(other.public_key): PublicKey(make_kid(other.public_key),
                                                      other.public_key, KeyState.ACTIVE)}
    photo = mark_photo(url, "cultivation")
    assert detect(photo, references=refs, keys=stranger).qr[0].verification == "unknown_key"
    assert detect(photo, references=refs).qr[0].verification is None


def test_other_qr_codes_are_listed_unverified(refs: References,
                                             keys: dict[str, PublicKey]) -> None:
    sample, result = run(Spec(decoys=("qr",), decoy_scale=0.35), refs, keys=keys)
    assert [q.text for q in result.qr] == sample.qr_texts
    assert all(q.verification is None for q in result.qr)


def test_mark_url_of_a_foreign_host_is_not_verified(refs: References,
                                                    keys: dict[str, PublicKey]) -> None:
    url = imagegen.mark_code_url("SP-2026-00042")
    (code,) = detect(mark_photo(url), references=refs, keys=keys, hosts=["OTHER.EXAMPLE"]).qr
    assert code.verification is None


# ---------------------------------------------------------------- CLI


def test_cli_json_is_one_object_per_image(tmp_path: Path, keys: dict[str, PublicKey]) -> None:
    url = imagegen.mark_code_url("SP-2026-00042")
    marked = tmp_path / "marked.jpg"
    marked.write_bytes(mark_photo(url))
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(run(Spec(decoys=("text",)), References.default())[0].jpeg)
    jwks = tmp_path / "keys.json"
    jwks.write_text(json.dumps(to_jwks(keys)))

    out = CliRunner().invoke(detect_command, ["--json", "--keys", str(jwks), str(marked),
                                              str(plain)])
    assert out.exit_code == 0, out.output
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert set(first) == {"image", "detections", "qr"}
    assert first["image"] == str(marked)
    (det,) = first["detections"]
    assert set(det) == {"mark", "score", "quad"}
    assert det["mark"] == "shangpin" and isinstance(det["score"], float)
    assert len(det["quad"]) == 4 and all(len(p) == 2 for p in det["quad"])
    assert first["qr"] == [{"text": url, "verification": "authentic"}]
    assert second == {"image": str(plain), "detections": [], "qr": []}


def test_cli_reports_a_bad_image_and_goes_on(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    good = tmp_path / "good.jpg"
    good.write_bytes(run(Spec(mark="cultivation"), References.default())[0].jpeg)
    out = CliRunner().invoke(detect_command, [str(empty), str(good)])
    assert out.exit_code == 1
    assert f"error: {empty}: the image is empty" in out.output
    assert "mark cultivation" in out.output


def test_generated_images_are_reproducible_from_their_seed() -> None:
    first = [s.jpeg for s in imagegen.generate(5, 2, positive=True)]
    again = [s.jpeg for s in imagegen.generate(5, 2, positive=True)]
    other = [s.jpeg for s in imagegen.generate(6, 2, positive=True)]
    assert first == again
    assert first != other

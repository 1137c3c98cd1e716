"""Every image the marketplace shows, through the real detector: marks found, QR codes read
and verified, decoys and plain photos quiet, broken images refused with their reason."""

from __future__ import annotations

import pytest

from crawler.detector import DetectionError, ImageTooLarge, UnreadableImage, detect
from shangpin.market import Market
from shangpin.market.catalogue import FORGED, ImageSpec, Product
from shangpin.market.images import BOMB_SIDE, decompression_bomb
from tests.market.conftest import HOST, Seeded


def _expected_verdict(product: Product, image: ImageSpec) -> str | None:
    if image.recipe == "decoy":
        return None  # a shop link: read, but no mark URL, so no verdict
    return "forged" if FORGED in product.expected else "authentic"


def test_every_image_reads_as_intended(seeded: Seeded, market: Market) -> None:
    problems = []
    checked = {"emblem": 0, "mark": 0, "qr": 0, "decoy": 0, "photo": 0}
    for product in market.products:
        for image in product.images:
            if image.recipe in ("corrupt", "empty", "bomb"):
                continue
            found = market.image(image.name)
            assert found is not None and found[1] == "image/jpeg"
            result = detect(found[0], keys=seeded.keys, hosts=[HOST])
            marks = [d.mark for d in result.detections]
            wanted = [image.emblem] if image.recipe in ("emblem", "mark") else []
            codes = [(q.text, q.verification) for q in result.qr]
            wanted_codes = (
                [(image.qr_text, _expected_verdict(product, image))] if image.qr_text else []
            )
            if marks != wanted or codes != wanted_codes:
                problems.append((product.scenario, image.name, marks, codes))
            checked[image.recipe] += 1
    assert not problems
    assert all(checked.values()), checked
    assert checked["emblem"] + checked["mark"] >= 15


@pytest.mark.parametrize(
    ("scenario", "error", "reason"),
    [
        ("corrupt-image", UnreadableImage, "corrupt"),
        ("broken-image-and-uncertified", UnreadableImage, "corrupt"),
        ("empty-image", UnreadableImage, "empty"),
        ("decompression-bomb", ImageTooLarge, "pixels"),
    ],
)
def test_broken_images_are_refused_not_analysed(
    market: Market, scenario: str, error: type[DetectionError], reason: str
) -> None:
    product = next(p for p in market.products if p.scenario == scenario)
    broken = [i for i in product.images if i.recipe in ("corrupt", "empty", "bomb")]
    assert len(broken) == 1
    found = market.image(broken[0].name)
    assert found is not None
    with pytest.raises(error) as raised:
        detect(found[0])
    assert raised.value.reason == reason


def test_the_bomb_is_small_on_the_wire() -> None:
    bomb = decompression_bomb()
    assert len(bomb) < 10_000
    assert int.from_bytes(bomb[16:20], "big") == BOMB_SIDE


def test_without_sample_photos_the_background_is_procedural(
    seeded: Seeded, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shangpin.market import images

    emblem = next(i for p in market.products for i in p.images if i.recipe == "emblem")
    with_photo, _ = images.render(emblem)
    monkeypatch.setattr(images, "_sample_photo", lambda _name: None)
    without, _ = images.render(emblem)
    assert without != with_photo
    assert without == images.render(emblem)[0]
    assert [d.mark for d in detect(without).detections] == [emblem.emblem]

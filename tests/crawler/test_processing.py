"""The listing processor on real SQLite and PostgreSQL, with images made in the test: real
emblems and real signed mark QR codes pasted on photos, analysed by the real detector."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import sessionmaker

from crawler.listing import FetchedImage, ImageFailure, Listing, Seller
from crawler.processing import ListingOutcome, ListingProcessor
from issuer.artwork import ASSET_DIR, render_mark_png
from issuer.urls import mark_url
from storage.base import utcnow
from storage.enums import Scheme
from storage.models import Alert, Certificate, ImageAnalysis, ListingCapture, Subject
from storage.session import Database
from tests.crawler import imagegen
from tests.factories import make_certificate, make_subject

HOST = "SHANGPIN.EXAMPLE"
SELLER_NAME = "上海桂香食品有限公司"
TITLE = "桂花糕礼盒 500g"


# ---------------------------------------------------------------- images


@functools.cache
def photo(seed: int = 0) -> np.ndarray:
    spec = imagegen.Spec(mark=None, size=640, text_lines=0)
    return imagegen.render(spec, np.random.default_rng(seed)).rgb


def pasted(rgb: np.ndarray, art: Image.Image, x: int, y: int, width: int) -> np.ndarray:
    base = Image.fromarray(rgb).convert("RGBA")
    height = round(art.height * width / art.width)
    base.alpha_composite(art.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS),
                         (x, y))
    return np.asarray(base.convert("RGB"))


def jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality)
    return out.getvalue()


@functools.cache
def emblem_photo(quality: int = 90) -> bytes:
    """A product photo with the "上品" emblem printed on it, a fifth of its width."""
    with Image.open(ASSET_DIR / "emblem-shangpin.png") as art:
        return jpeg(pasted(photo(), art, 200, 150, 128), quality)


def mark_photo(url: str, number: str) -> bytes:
    """A photo with the whole mark (emblem, QR code, number) on it."""
    with Image.open(io.BytesIO(render_mark_png(url, number, Scheme.SHANGPIN, dpi=300))) as art:
        return jpeg(pasted(photo(), art, 150, 100, 300))


def forged(url: str) -> str:
    """The same claims with signature bytes changed, as a counterfeiter's printer makes."""
    code = url.rsplit("/", 1)[1]
    return mark_url(HOST, code[:-10] + ("A" if code[-10] != "A" else "B") + code[-9:])


# ---------------------------------------------------------------- database and processor


@pytest.fixture
def db(engine: Engine, tmp_path: Path) -> Iterator[Database]:
    """A Database on the backend under test, left as it was found.

    PostgreSQL: every transaction is a savepoint inside one transaction rolled back at the
    end. SQLite cannot nest so (its driver commits when the outermost savepoint is released),
    so it gets a fresh database file instead.
    """
    if engine.dialect.name == "sqlite":
        database = Database.open(f"sqlite:///{tmp_path / 'crawl.db'}")
        try:
            yield database
        finally:
            database.close()
        return
    connection = engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                            expire_on_commit=False)
    try:
        yield Database(engine, sessions)
    finally:
        outer.rollback()
        connection.close()


def processor(db: Database, evidence: Path) -> ListingProcessor:
    return ListingProcessor(db, evidence_dir=evidence, keys=ListingProcessor.load_keys(db),
                            hosts=[HOST])


def listing(url: str = "https://shop.example/item/1", seller: Seller | None = None,
            **changes: Any) -> Listing:
    page = f"<html><h1>{TITLE}</h1><p>{SELLER_NAME}</p></html>".encode()
    base = Listing(url=url, site="shop", captured_at=utcnow(), html=page, title=TITLE,
                   price="¥88.00", category="糕点", seller=seller or Seller(SELLER_NAME))
    return dataclasses.replace(base, **changes)


def count(db: Database, model: type[Any]) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def alerts(db: Database, url: str) -> list[Alert]:
    with db.sessions() as session:
        rows = session.scalars(select(Alert).where(Alert.source == "crawler").order_by(Alert.kind))
        return [a for a in rows if a.details["listing_url"] == url]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- tests


def test_alert_once_with_evidence_failed_images_counted_and_cache_used(
        db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        seller = make_subject(session, SELLER_NAME)
        suspended = make_certificate(session, "suspended", subject=seller)
        number, code = suspended.number, seller.uscc
    page = listing(seller=Seller(SELLER_NAME, code))
    good = FetchedImage("https://img.example/1.jpg", emblem_photo(), "image/jpeg")
    images = [
        FetchedImage("https://img.example/truncated.jpg", emblem_photo()[:4000]),
        FetchedImage("https://img.example/empty.jpg", b""),
        ImageFailure("https://img.example/gone.jpg", "HTTP 404"),
        good,
    ]
    work = processor(db, tmp_path / "evidence")

    first = work.process(page, images)
    assert first == ListingOutcome(page.url, images_analysed=1, images_cached=0,
                                   images_failed=3, marks_found=1, qr_found=0,
                                   new_alerts=("use_while_suspended",), known_alerts=0)
    [alert] = alerts(db, page.url)
    assert (alert.kind, alert.source, alert.certificate_number) == (
        "use_while_suspended", "crawler", number)
    assert SELLER_NAME in alert.summary and TITLE in alert.summary and number in alert.summary
    d = alert.details
    assert d["image_url"] == good.url and d["image_sha256"] == good.sha256
    assert d["html_sha256"] == page.html_sha256
    assert d["seller_match"] == "credit_code" and d["matched_credit_code"] == code
    assert d["seller_credit_code"] == code and d["seller_name"] == SELLER_NAME
    assert (d["product_title"], d["product_category"]) == (TITLE, "糕点")
    assert d["find"]["type"] == "emblem" and d["find"]["mark"] == "shangpin"
    assert len(d["find"]["quad"]) == 4 and d["find"]["score"] > 0.6
    assert d["qr_verification"] is None and d["certificate_status"] == "suspended"
    assert dt.datetime.fromisoformat(d["captured_at"]) == page.captured_at
    evidence = tmp_path / "evidence"
    for path_key, digest_key in (("html_path", "html_sha256"), ("image_path", "image_sha256")):
        assert sha256_of(evidence / d[path_key]) == d[digest_key]
    crop = evidence / d["crop_path"]
    assert crop.name == sha256_of(crop) + ".png"
    with Image.open(crop) as im:
        assert im.format == "PNG" and im.width < 640

    again = work.process(dataclasses.replace(page, captured_at=utcnow()), images)
    assert again == ListingOutcome(page.url, images_analysed=0, images_cached=1,
                                   images_failed=3, marks_found=1, qr_found=0,
                                   new_alerts=(), known_alerts=1)
    assert len(alerts(db, page.url)) == 1
    with db.sessions() as session:
        captures = list(session.scalars(select(ListingCapture)
                                        .where(ListingCapture.url == page.url)))
    assert len(captures) == 2
    assert {(c.seller_match, c.subject_id, c.html_sha256, c.category) for c in captures} == {
        ("credit_code", seller.id, page.html_sha256, "糕点")}


def test_qr_codes_decide_cloned_and_forged_codes(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        make_subject(session, SELLER_NAME)  # the seller, matched by name, holds nothing
        theirs = make_certificate(session, "valid")
        number, url = theirs.number, mark_url(HOST, theirs.mark_code)
    work = processor(db, tmp_path / "evidence")
    page = listing(seller=Seller(f" {SELLER_NAME} ", "not shown"))
    outcome = work.process(page, [
        FetchedImage("https://img.example/borrowed.jpg", mark_photo(url, number)),
        FetchedImage("https://img.example/fake.jpg", mark_photo(forged(url), number)),
    ])
    assert outcome.images_analysed == 2 and outcome.qr_found == 2
    # Each image also shows the emblem; the QR code decides, so no uncertified_use.
    assert sorted(outcome.new_alerts) == ["cloned_code", "forged_code"]
    cloned, fake = alerts(db, page.url)
    assert (cloned.kind, cloned.certificate_number) == ("cloned_code", number)
    assert cloned.details["qr_verification"] == "authentic"
    assert cloned.details["find"]["type"] == "qr" and cloned.details["find"]["text"] == url
    assert cloned.details["seller_match"] == "name"
    assert (fake.kind, fake.certificate_number) == ("forged_code", number)
    assert fake.details["qr_verification"] == "forged"


def test_the_same_picture_re_encoded_on_another_listing_reuses_the_analysis(
        db: Database, tmp_path: Path) -> None:
    work = processor(db, tmp_path / "evidence")
    first = work.process(listing("https://shop.example/a"),
                         [FetchedImage("https://img.example/a.jpg", emblem_photo())])
    second = work.process(listing("https://other.example/b"),
                          [FetchedImage("https://img.example/b.jpg", emblem_photo(70))])
    assert (first.images_analysed, first.new_alerts) == (1, ("uncertified_use",))
    assert (second.images_analysed, second.images_cached) == (0, 1)
    assert second.new_alerts == ("uncertified_use",)  # another listing: its own alert
    assert second.marks_found == 1
    # The re-encoded copy is now cached by its own bytes too.
    with db.sessions() as session:
        digests = set(session.scalars(select(ImageAnalysis.sha256)))
    assert {hashlib.sha256(emblem_photo(q)).hexdigest() for q in (90, 70)} <= digests


def test_the_same_image_twice_in_a_listing_is_analysed_and_alerted_once(
        db: Database, tmp_path: Path) -> None:
    body = emblem_photo()
    outcome = processor(db, tmp_path / "evidence").process(listing(), [
        FetchedImage("https://img.example/1.jpg", body),
        FetchedImage("https://img.example/1-copy.jpg", body)])
    assert (outcome.images_analysed, outcome.images_cached) == (1, 1)
    assert outcome.new_alerts == ("uncertified_use",) and outcome.known_alerts == 0


def test_bad_arguments_are_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="hosts"):
        ListingProcessor(db, evidence_dir=tmp_path, keys={}, hosts=[])
    naive = listing(captured_at=dt.datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        processor(db, tmp_path / "evidence").process(naive, [])
    assert count(db, ListingCapture) == 0


def test_worker_threads_share_a_processor(engine: Engine, tmp_path: Path) -> None:
    """Two worker threads, each committing for real, process listings sharing an image."""
    database = Database(engine, sessionmaker(engine, expire_on_commit=False))
    work = ListingProcessor(database, evidence_dir=tmp_path, keys={}, hosts=[HOST])
    urls = [f"https://threads.example/{uuid.uuid4().hex}/{n}" for n in range(2)]
    # Bytes no other test uses, so the cache starts empty for them.
    body = jpeg(np.asarray(Image.open(io.BytesIO(emblem_photo()))), quality=88)
    image = FetchedImage("https://img.example/shared.jpg", body)
    try:
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(lambda url: work.process(listing(url), [image]), urls))
        assert [o.new_alerts for o in outcomes] == [("uncertified_use",)] * 2
        with database.sessions() as session:
            assert session.scalar(select(func.count()).select_from(ImageAnalysis)
                                  .where(ImageAnalysis.sha256 == image.sha256)) == 1
            assert session.scalar(select(func.count()).select_from(ListingCapture)
                                  .where(ListingCapture.url.in_(urls))) == 2
        assert sorted(a.details["listing_url"] for u in urls for a in alerts(database, u)) \
            == sorted(urls)
    finally:  # the shared database is left as it was
        ids = [a.id for u in urls for a in alerts(database, u)]
        with database.transaction() as session:
            session.execute(delete(Alert).where(Alert.id.in_(ids)))
            session.execute(delete(ListingCapture).where(ListingCapture.url.in_(urls)))
            session.execute(delete(ImageAnalysis).where(ImageAnalysis.sha256 == image.sha256))


def test_subjects_and_certificates_are_untouched(db: Database, tmp_path: Path) -> None:
    with db.transaction() as session:
        make_certificate(session, "revoked")
    before = (count(db, Subject), count(db, Certificate))
    processor(db, tmp_path / "evidence").process(listing(), [
        FetchedImage("https://img.example/1.jpg", emblem_photo())])
    assert (count(db, Subject), count(db, Certificate)) == before

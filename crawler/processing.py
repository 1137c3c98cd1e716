"""One captured listing in, its capture record and misuse alerts out.

The Scrapy pipeline hands each listing here, possibly from a worker thread. Per listing:

1. images are analysed, or their result taken from the cache (``image_cache``) — outside
   any database transaction, since detection is the slow part;
2. one transaction reads the registry (``misuse.registry_view``, one query), applies the
   rule table (``misuse.rules``) to each image, writes the evidence files, and stores the
   capture row, the new cache rows and the alerts. Alerts are inserted with ON CONFLICT DO
   NOTHING on a key derived from (listing URL, image pHash, kind), so crawling a listing
   again, or two workers crawling it at once, never stores an alert twice.

An image the detector cannot read counts as failed and the rest of the listing goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.detection.image import load_rgb
from crawler.detector import Detection, DetectionError, DetectionResult, QrFind, detect
from crawler.evidence import EvidenceStore, StoredFile
from crawler.image_cache import (
    Fingerprint,
    ImageCache,
    detector_version,
    dialect_insert,
    fingerprint,
    result_from_json,
)
from crawler.listing import FetchedImage, ImageFailure, Listing
from crawler.misuse.coverage import Product
from crawler.misuse.registry_view import RegistrySlice, RegistryView
from crawler.misuse.rules import Decision, Kind, decide, is_mark_qr, qr_certificate_number
from crawler.references import References
from issuer.errors import CodeError
from issuer.payload import decode_code
from issuer.status import today
from issuer.urls import extract_code
from issuer.verification import PublicKey
from storage.base import utcnow
from storage.enums import AlertStatus
from storage.models import Alert, ImageAnalysis, ListingCapture, SigningKey
from storage.session import Database

__all__ = ["ListingOutcome", "ListingProcessor", "dedupe_key"]

log = logging.getLogger(__name__)

SOURCE = "crawler"
_MARK_NAMES = {"shangpin": "the 上品 (Shangpin) emblem",
               "cultivation": "the 上海品牌 cultivation emblem"}


@dataclass(frozen=True)
class ListingOutcome:
    listing_url: str
    images_analysed: int  # detector ran
    images_cached: int  # result reused from the cache
    images_failed: int  # ImageFailure inputs, or images the detector could not read
    marks_found: int  # emblem detections over all images
    qr_found: int  # QR finds over all images
    new_alerts: tuple[str, ...]  # kinds of alerts stored by this call
    known_alerts: int  # decisions that matched an alert already stored


@dataclass(frozen=True)
class _Analysed:
    """One readable image of the listing and its finds."""

    image: FetchedImage
    sha256: str
    phash: str
    result: DetectionResult
    cached: bool
    cache_row: dict[str, Any] | None  # to store, when the cache has no row for these bytes


def dedupe_key(listing_url: str, image_phash: str, kind: str) -> str:
    """One alert per (listing, picture, kind): a fixed-length key whatever the URL's length."""
    digest = hashlib.sha256(
        "\n".join((listing_url, image_phash, kind)).encode("utf-8")).hexdigest()
    return f"{SOURCE}:{kind}:{digest}"


class ListingProcessor:
    """Analyses listings and stores their captures and alerts. Safe to share between threads:
    every call uses its own session, and the shared state (name index) is locked."""

    def __init__(self, db: Database, *, evidence_dir: Path,
                 keys: Mapping[str, PublicKey], hosts: Collection[str],
                 references: References | None = None) -> None:
        if not hosts:
            raise ValueError("hosts must name at least one host whose mark URLs are verified")
        self._db = db
        self._evidence = EvidenceStore(evidence_dir)
        self._keys = dict(keys)
        self._hosts = tuple(hosts)
        self._references = references if references is not None else References.default()
        self._cache = ImageCache(detector_version(self._references))
        self._registry = RegistryView()

    @classmethod
    def load_keys(cls, db: Database) -> dict[str, PublicKey]:
        """Every published key with its state (retired keys still verify, compromised ones
        are reported as such), read without the encrypted private halves."""
        with db.transaction() as session:
            rows = session.execute(select(SigningKey.kid, SigningKey.public_key,
                                          SigningKey.state))
            return {kid: PublicKey(kid, bytes(public), state) for kid, public, state in rows}

    def process(self, listing: Listing,
                images: Sequence[FetchedImage | ImageFailure]) -> ListingOutcome:
        if listing.captured_at.tzinfo is None:
            raise ValueError("listing.captured_at must be an aware (UTC) datetime")
        analysed, failed = self._analyse(images)
        product = Product(listing.title, listing.category)
        numbers = {n for a in analysed for q in a.result.qr if is_mark_qr(q)
                   if (n := qr_certificate_number(q.text)) is not None}
        now = utcnow()
        with self._db.transaction() as session:
            view = self._registry.lookup(session, listing.seller, numbers,
                                         today(listing.captured_at))
            decisions = self._decisions(listing, analysed, view, product)
            page = self._evidence.put_page(listing.html)
            alerts = [self._alert(listing, page, view, a, d, now) for a, d in decisions]
            session.add(_capture(listing, page, view))
            self._cache.store(session, [a.cache_row for a in analysed if a.cache_row])
            inserted = _store_alerts(session, alerts)
        new = tuple(a["kind"] for a in alerts if a["dedupe_key"] in inserted)
        if new:
            log.info("listing %s: new alerts %s", listing.url, ", ".join(new))
        return ListingOutcome(
            listing_url=listing.url,
            images_analysed=sum(not a.cached for a in analysed),
            images_cached=sum(a.cached for a in analysed),
            images_failed=failed,
            marks_found=sum(len(a.result.detections) for a in analysed),
            qr_found=sum(len(a.result.qr) for a in analysed),
            new_alerts=new,
            known_alerts=len(alerts) - len(new),
        )

    # ------------------------------------------------------------ analysis

    def _analyse(self, images: Sequence[FetchedImage | ImageFailure]
                 ) -> tuple[list[_Analysed], int]:
        """Readable images with their finds (cached where possible), and how many failed.

        The same bytes twice in one listing are analysed once; the copy counts as cached.
        """
        fetched = [i for i in images if isinstance(i, FetchedImage)]
        failed = len(images) - len(fetched)
        unique: dict[str, FetchedImage] = {}
        for image in fetched:
            unique.setdefault(image.sha256, image)
        with self._db.sessions() as session:
            exact = self._cache.exact(session, unique)
        done: dict[str, _Analysed] = {}
        pending: list[tuple[FetchedImage, Fingerprint]] = []
        for digest, image in unique.items():
            row = exact.get(digest)
            if row is not None:
                result = result_from_json(row.result, self._keys, self._hosts)
                done[digest] = _Analysed(image, digest, row.phash, result, True, None)
                continue
            try:
                rgb, _ = load_rgb(image.body)
                pending.append((image, fingerprint(image.body, rgb)))
            except DetectionError as exc:
                log.info("image %s unreadable: %s", image.url, exc.reason)
        if pending:
            with self._db.sessions() as session:
                similar = self._cache.perceptual(session, [p for _, p in pending])
            for image, print_ in pending:
                analysed = self._analyse_one(image, print_, similar.get(print_.sha256))
                if analysed is not None:
                    done[print_.sha256] = analysed
        out: list[_Analysed] = []
        for image in fetched:
            first = done.get(image.sha256)
            if first is None:
                failed += 1
            elif first.image is image:
                out.append(first)
            else:
                out.append(replace(first, image=image, cached=True, cache_row=None))
        return out, failed

    def _analyse_one(self, image: FetchedImage, print_: Fingerprint,
                     similar: ImageAnalysis | None) -> _Analysed | None:
        now = utcnow()
        if similar is not None:
            result = result_from_json(similar.result, self._keys, self._hosts)
            return _Analysed(image, print_.sha256, print_.phash, result, True,
                             self._cache.row(print_, result, now))
        try:
            result = detect(image.body, references=self._references, keys=self._keys,
                            hosts=self._hosts)
        except DetectionError as exc:
            log.info("image %s not analysed: %s", image.url, exc.reason)
            return None
        return _Analysed(image, print_.sha256, print_.phash, result, False,
                         self._cache.row(print_, result, now))

    # ------------------------------------------------------------ decisions and alerts

    @staticmethod
    def _decisions(listing: Listing, analysed: Sequence[_Analysed], view: RegistrySlice,
                   product: Product) -> list[tuple[_Analysed, Decision]]:
        """Every image's decisions, one per alert key (the same picture twice in a listing
        is one alert)."""
        out: list[tuple[_Analysed, Decision]] = []
        keys: set[str] = set()
        for item in analysed:
            for decision in decide(view.match, view.certificates, product, item.result,
                                   view.resolve):
                key = dedupe_key(listing.url, item.phash, decision.kind)
                if key not in keys:
                    keys.add(key)
                    out.append((item, decision))
        return out

    def _alert(self, listing: Listing, page: StoredFile, view: RegistrySlice,
               item: _Analysed, decision: Decision, now: dt.datetime) -> dict[str, Any]:
        image = self._evidence.put_image(item.image.body)
        crop = self._crop(item, decision.find)
        find = decision.find
        qr_verdict = find.verification if isinstance(find, QrFind) else None
        match = view.match
        details: dict[str, Any] = {
            "listing_url": listing.url,
            "site": listing.site,
            "captured_at": listing.captured_at.astimezone(dt.UTC).isoformat(),
            "html_sha256": page.sha256,
            "html_path": page.path,
            "image_url": item.image.url,
            "image_sha256": image.sha256,
            "image_path": image.path,
            "image_phash": item.phash,
            "crop_path": crop.path if crop is not None else None,
            "find": _find_json(find),
            "seller_name": listing.seller.name,
            "seller_credit_code": listing.seller.credit_code,
            "seller_url": listing.seller.url,
            "seller_match": match.method.value,
            "matched_credit_code": match.subject.credit_code if match.subject else None,
            "matched_subject_name": match.subject.name if match.subject else None,
            "product_title": listing.title,
            "product_category": listing.category,
            "qr_verification": qr_verdict,
            "certificate_status": (decision.certificate.status.value
                                   if decision.certificate is not None else None),
        }
        return {
            "kind": decision.kind.value,
            "source": SOURCE,
            "dedupe_key": dedupe_key(listing.url, item.phash, decision.kind),
            "certificate_number": decision.certificate_number,
            "unit_serial": _unit_serial(find),
            "summary": summary(listing, decision),
            "details": details,
            "created_at": now,
            "status": AlertStatus.OPEN,
        }

    def _crop(self, item: _Analysed, find: Detection | QrFind) -> StoredFile | None:
        """A crop of the find from the image (decoded again: crops are rare, pixels big)."""
        if len(find.quad) != 4:
            return None
        try:
            rgb, factor = load_rgb(item.image.body)
        except DetectionError:  # pragma: no cover - it was read a moment ago
            return None
        quad = [[x / factor, y / factor] for x, y in find.quad]
        return self._evidence.put_crop(rgb, quad)


def summary(listing: Listing, decision: Decision) -> str:
    """One readable line for staff: who, which product, what was found, why it is misuse."""
    seller = listing.seller.name or listing.seller.credit_code or "An unnamed seller"
    number = decision.certificate_number or "(unreadable)"
    find = decision.find
    if isinstance(find, QrFind):
        shown = f"a mark QR code for certificate {number}"
    else:
        shown = _MARK_NAMES.get(find.mark, f"the {find.mark} emblem")
    why = {
        Kind.UNCERTIFIED_USE: "without a certificate",
        Kind.OUT_OF_SCOPE: f"that certificate {number} does not cover",
        Kind.USE_WHILE_SUSPENDED: f"while certificate {number} is suspended",
        Kind.USE_AFTER_REVOCATION: f"after certificate {number} was revoked",
        Kind.USE_AFTER_EXPIRY: f"after certificate {number} expired",
        Kind.USE_AFTER_TERMINATION: f"after certificate {number} was terminated",
        Kind.FORGED_CODE: "that fails verification"
                          f" ({find.verification if isinstance(find, QrFind) else '?'})",
        Kind.CLONED_CODE: "although the seller does not hold that certificate",
    }[decision.kind]
    return f"{seller} shows {shown} on “{listing.title}” {why} [{decision.kind.value}]"


def _find_json(find: Detection | QrFind) -> dict[str, Any]:
    quad = [[round(x, 1), round(y, 1)] for x, y in find.quad]
    if isinstance(find, Detection):
        return {"type": "emblem", "mark": find.mark, "score": round(find.score, 4),
                "quad": quad}
    return {"type": "qr", "text": find.text, "score": None, "quad": quad}


def _unit_serial(find: Detection | QrFind) -> int | None:
    if not isinstance(find, QrFind):
        return None
    try:
        return decode_code(extract_code(find.text)).payload.unit_serial
    except CodeError:
        return None


def _clip(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]


def _capture(listing: Listing, page: StoredFile, view: RegistrySlice) -> ListingCapture:
    return ListingCapture(
        url=listing.url,
        site=_clip(listing.site, 64),
        captured_at=listing.captured_at,
        html_sha256=page.sha256,
        title=listing.title,
        price=_clip(listing.price, 64),
        category=_clip(listing.category, 200),
        seller_name=listing.seller.name,
        seller_credit_code=_clip(listing.seller.credit_code, 64),
        seller_match=view.match.method.value,
        subject_id=view.match.subject.id if view.match.subject else None,
    )


def _store_alerts(session: Session, alerts: Sequence[dict[str, Any]]) -> set[str]:
    """Insert alerts whose key is not stored yet; the keys actually inserted."""
    if not alerts:
        return set()
    # A fixed order: two workers inserting overlapping keys cannot deadlock.
    ordered = sorted(alerts, key=lambda a: a["dedupe_key"])
    statement = (dialect_insert(session)(Alert).values(ordered)
                 .on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(Alert.dedupe_key))
    return set(session.scalars(statement))

"""What the crawler keeps: every capture of a listing, and its image-analysis cache."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, intpk, timestamp


class ListingCapture(Base):
    """One fetch of a product listing: what it showed and whom it was matched to.

    Written for every capture, alert or not, so staff can see when a listing was last seen
    and what it said then; the page itself is in the evidence store under ``html_sha256``.
    """

    __tablename__ = "listing_captures"

    id: Mapped[intpk]
    url: Mapped[str] = mapped_column(Text, index=True)
    site: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[timestamp] = mapped_column(index=True)
    html_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    price: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(200))
    seller_name: Mapped[str | None] = mapped_column(Text)
    seller_credit_code: Mapped[str | None] = mapped_column(String(64))  # as shown, unchecked
    seller_match: Mapped[str] = mapped_column(String(16))  # credit_code, name, none
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)


class ImageAnalysis(Base):
    """The detector's result for one image, so an image seen before is not analysed again.

    ``phash`` is only a lookup key for re-encoded copies; ``signature`` (a small colour
    thumbnail) confirms a copy, because a whole-image pHash does not see a small mark.
    """

    __tablename__ = "image_analyses"

    id: Mapped[intpk]
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    phash: Mapped[str] = mapped_column(String(16), index=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    detector_version: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    analysed_at: Mapped[dt.datetime] = mapped_column()

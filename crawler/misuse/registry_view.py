"""What the misuse rules need from the registry, read in one query per listing.

Seller names are compared after Unicode normalisation, which SQL cannot do, so subjects'
normalised names are indexed in memory (a few dozen bytes per subject) and the index is
re-read when the registry's version counter has moved, checked at most every
``refresh_seconds``. Everything that decides an alert is read live in the listing's one
query: the subject with the shown credit code, the name-matched subjects with their
current names, their certificates with scope, and the certificates the QR codes name.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crawler.listing import Seller
from crawler.misuse.coverage import ScopeView
from crawler.misuse.matching import (
    SellerMatch,
    SubjectRef,
    clean_credit_code,
    match_seller,
    name_index,
    normalise_name,
)
from crawler.misuse.rules import CertificateView
from issuer.status import TIMEZONE, PublicStatus, public_status
from storage.models import Certificate, RegistryVersion, ScopeItem, Subject

#: How stale the in-memory name index may be when the registry is changing: re-reading
#: every subject on each change would cost more than the crawl during a bulk import.
REFRESH_SECONDS = 30.0


@dataclass(frozen=True)
class RegistrySlice:
    """The registry as one listing needs it."""

    match: SellerMatch
    #: The matched seller's certificates (empty when unmatched).
    certificates: tuple[CertificateView, ...] = ()
    #: Certificates the listing's QR codes name, by number, whoever holds them.
    by_number: Mapping[str, CertificateView] = field(default_factory=dict)

    def resolve(self, number: str) -> CertificateView | None:
        return self.by_number.get(number)


def changed_at(status: PublicStatus, state_changed_at: dt.datetime,
               valid_until: dt.date) -> dt.datetime:
    """When the public status last changed: an expiry happens at the start of the day after
    ``valid_until`` (Shanghai time), with no stored event."""
    if status is not PublicStatus.EXPIRED:
        return state_changed_at
    expired = dt.datetime.combine(valid_until + dt.timedelta(days=1), dt.time(),
                                  tzinfo=TIMEZONE).astimezone(dt.UTC)
    return max(state_changed_at, expired)


class RegistryView:
    """Thread-safe: the name index is shared, each lookup runs in the caller's session."""

    def __init__(self, *, refresh_seconds: float = REFRESH_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._names: dict[str, tuple[SubjectRef, ...]] | None = None
        self._version: int | None = None
        self._checked = 0.0

    def lookup(self, session: Session, seller: Seller, qr_numbers: Collection[str],
               on: dt.date) -> RegistrySlice:
        """The seller's match and certificates, and the QR codes' certificates, as of ``on``."""
        code = clean_credit_code(seller.credit_code)
        name_key = normalise_name(seller.name or "") if code is None else ""
        candidate_ids = ([s.id for s in self._name_index(session).get(name_key, ())]
                         if name_key else [])
        numbers = sorted(set(qr_numbers))
        if code is None and not candidate_ids and not numbers:
            return RegistrySlice(match_seller(seller.name, seller.credit_code,
                                              by_code={}, by_name={}))
        subjects, certificates = _load(session, code, candidate_ids, numbers, on)
        by_name = {name_key: tuple(s for s in subjects.values()
                                   if s.id in candidate_ids
                                   and normalise_name(s.name) == name_key)} if name_key else {}
        match = match_seller(
            seller.name, seller.credit_code,
            by_code={s.credit_code: s for s in subjects.values() if s.credit_code == code},
            by_name=by_name,
        )
        own = tuple(c for c in certificates.values()
                    if match.subject is not None and c.subject_id == match.subject.id)
        by_number = {n: certificates[n] for n in numbers if n in certificates}
        return RegistrySlice(match, own, by_number)

    def _name_index(self, session: Session) -> dict[str, tuple[SubjectRef, ...]]:
        with self._lock:
            now = self._clock()
            if self._names is not None and now - self._checked < self._refresh:
                return self._names
            version = session.scalar(
                select(RegistryVersion.version).where(RegistryVersion.id == 1))
            if self._names is None or version != self._version:
                rows = session.execute(select(Subject.id, Subject.name, Subject.uscc))
                self._names = name_index(SubjectRef(i, n, u) for i, n, u in rows)
                self._version = version
            self._checked = now
            return self._names


def _load(session: Session, code: str | None, subject_ids: list[int], numbers: list[str],
          on: dt.date) -> tuple[dict[int, SubjectRef], dict[str, CertificateView]]:
    """One query: the wanted subjects with all their certificates and scope, and the
    certificates named by number."""
    wanted: list[ColumnElement[bool]] = [Subject.id.in_(subject_ids),
                                         Certificate.number.in_(numbers)]
    if code is not None:
        wanted.append(Subject.uscc == code)
    query = (
        select(Subject.id, Subject.name, Subject.uscc, Certificate.number, Certificate.scheme,
               Certificate.state, Certificate.valid_until, Certificate.state_changed_at,
               ScopeItem.name, ScopeItem.category)
        .select_from(Subject)
        .outerjoin(Certificate, Certificate.subject_id == Subject.id)
        .outerjoin(ScopeItem, ScopeItem.certificate_id == Certificate.id)
        .where(or_(*wanted))
        .order_by(Certificate.id, ScopeItem.position)
    )
    subjects: dict[int, SubjectRef] = {}
    heads: dict[str, tuple[int, str, PublicStatus, dt.datetime]] = {}
    scopes: dict[str, list[ScopeView]] = {}
    for (sid, sname, uscc, number, scheme, state, valid_until, state_changed,
         item_name, item_category) in session.execute(query):
        subjects.setdefault(sid, SubjectRef(sid, sname, uscc))
        if number is None:
            continue
        if number not in heads:
            shown = public_status(state, valid_until, on)
            heads[number] = (sid, scheme.value, shown,
                             changed_at(shown, state_changed, valid_until))
            scopes[number] = []
        if item_name is not None:
            scopes[number].append(ScopeView(item_name, item_category))
    certificates = {
        number: CertificateView(number, scheme, sid, shown, when, tuple(scopes[number]))
        for number, (sid, scheme, shown, when) in heads.items()
    }
    return subjects, certificates

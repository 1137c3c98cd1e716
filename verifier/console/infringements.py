"""Infringement records (侵权信息): made when staff confirm a crawler misuse alert, and read
back for the console's list and record pages.

Only crawler alerts make one. Their evidence names a listing, a seller and a capture; a
scan alert counts anonymous scans and a consumer report is one person's unchecked account,
so neither identifies who misused the mark, and confirming them records the review alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from issuer import credit
from storage.models import (
    Alert,
    Certificate,
    CreditEvent,
    InfringementRecord,
    ListingCapture,
    Subject,
)
from verifier.console import roles
from verifier.console.alerts import AlertFilter, day_start
from verifier.console.sessions import Staff

PAGE_SIZE = 50
#: The alert details copied into the record: enough to stand on their own.
EVIDENCE_KEYS = (
    "listing_url", "site", "captured_at", "html_sha256", "html_path", "image_url",
    "image_sha256", "image_path", "image_phash", "crop_path", "find", "seller_name",
    "seller_credit_code", "seller_url", "seller_match", "matched_credit_code",
    "matched_subject_name", "product_title", "product_category", "qr_verification",
    "certificate_status",
)


def makes_record(alert: Alert) -> bool:
    return alert.source == "crawler"


def matched_subject(session: Session, details: Mapping[str, Any]) -> Subject | None:
    """The registered subject the crawler matched the seller to, if it matched one.

    The capture row of the same fetch holds the subject's id; the matched credit code (a
    subject's own, unique) is the fallback for alerts whose capture row is gone.
    """
    url, page = details.get("listing_url"), details.get("html_sha256")
    if details.get("seller_match") in (None, "none"):
        return None
    if isinstance(url, str) and isinstance(page, str):
        subject_id = session.scalar(
            select(ListingCapture.subject_id).where(
                ListingCapture.url == url, ListingCapture.html_sha256 == page,
                ListingCapture.subject_id.is_not(None))
            .order_by(ListingCapture.id.desc()).limit(1))
        if subject_id is not None:
            return session.get(Subject, subject_id)
    code = details.get("matched_credit_code")
    if isinstance(code, str) and code:
        return session.scalar(select(Subject).where(Subject.uscc == code))
    return None


@dataclass(frozen=True)
class Made:
    record: InfringementRecord
    credit_event: CreditEvent | None


def match_method(details: Mapping[str, Any]) -> str:
    """How the crawler tied the seller to a subject: ``credit_code``, ``name`` or ``none``."""
    method = details.get("seller_match")
    return method if method in ("credit_code", "name") else "none"


def charge_by_default(details: Mapping[str, Any]) -> bool:
    """Whether the confirm form offers to charge the matched subject already ticked.

    Both matches come from what the seller claims on the listing, so neither proves who
    sold: a counterfeiter can trade under a real holder's name or code. A credit code is
    the stronger claim and is offered ticked; a name match is left for the reviewer.
    """
    return match_method(details) == "credit_code"


def record_confirmed(session: Session, alert: Alert, *, actor: str, at: dt.datetime,
                     charge: bool, bulk: bool = False) -> Made:
    """The record for a confirmed crawler alert, and a credit-file event for the matched
    subject only when the reviewer chose to ``charge`` it.

    The record keeps the matched subject either way (it is who the listing claims to be);
    the reviewer's choice is kept in its evidence under ``credit_decision``.
    """
    details = alert.details or {}
    subject = matched_subject(session, details)
    charged = charge and subject is not None
    evidence = {k: details.get(k) for k in EVIDENCE_KEYS if k in details}
    evidence["credit_decision"] = {
        "charged": charged, "match": match_method(details),
        "subject_id": subject.id if subject else None, "by": actor, "bulk": bulk}
    record = InfringementRecord(
        alert_id=alert.id, kind=alert.kind, subject_id=subject.id if subject else None,
        seller_name=details.get("seller_name"),
        seller_credit_code=(details.get("seller_credit_code") or None),
        certificate_number=alert.certificate_number,
        listing_url=details.get("listing_url"), summary=alert.summary,
        evidence=evidence, confirmed_by=actor, confirmed_at=at)
    session.add(record)
    session.flush()
    event = credit.record_infringement(session, record) if charged else None
    return Made(record, event)


# ---------------------------------------------------------------- reading


def scope(staff: Staff) -> ColumnElement[bool]:
    """Records the alliance may see all of; an officer, those about its body's certificates."""
    if staff.role in roles.ALLIANCE:
        return true()
    return InfringementRecord.certificate_number.in_(roles.visible_certificate_numbers(staff))


@dataclass(frozen=True)
class RecordFilter:
    subject: str = ""  # a subject's name or credit code, or part of it
    kind: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> RecordFilter:
        dates = AlertFilter.from_query(query)
        return cls(subject=query.get("subject", "").strip()[:120],
                   kind=query.get("kind", "").strip()[:32], since=dates.since,
                   until=dates.until)

    def query_string(self, **changes: Any) -> str:
        values: dict[str, Any] = {
            "subject": self.subject, "kind": self.kind,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "", **changes}
        return urlencode([(k, v) for k, v in values.items() if v not in ("", None)])


def _conditions(staff: Staff, chosen: RecordFilter) -> list[ColumnElement[bool]]:
    where = [scope(staff)]
    if chosen.kind:
        where.append(InfringementRecord.kind == chosen.kind)
    if chosen.subject:
        term = chosen.subject.lower()
        compact = "".join(chosen.subject.split()).upper()
        subjects = select(Subject.id).where(
            func.lower(Subject.name).contains(term, autoescape=True)
            | Subject.uscc.contains(compact, autoescape=True))
        where.append(InfringementRecord.subject_id.in_(subjects)
                     | func.lower(InfringementRecord.seller_name).contains(term, autoescape=True)
                     | InfringementRecord.seller_credit_code.contains(compact, autoescape=True))
    if chosen.since:
        where.append(InfringementRecord.confirmed_at >= day_start(chosen.since))
    if chosen.until:
        where.append(InfringementRecord.confirmed_at
                     < day_start(chosen.until + dt.timedelta(days=1)))
    return where


def _row(record: InfringementRecord, subject: Subject | None) -> dict[str, Any]:
    return {
        "id": record.id, "alert_id": record.alert_id, "kind": record.kind,
        "subject_id": record.subject_id, "subject_name": subject.name if subject else None,
        "subject_uscc": subject.uscc if subject else None,
        "seller_name": record.seller_name, "seller_credit_code": record.seller_credit_code,
        "certificate_number": record.certificate_number, "listing_url": record.listing_url,
        "summary": record.summary, "confirmed_by": record.confirmed_by,
        "confirmed_at": record.confirmed_at,
    }


@dataclass(frozen=True)
class RecordPage:
    rows: list[dict[str, Any]]
    total: int
    kinds: list[str]


def search(session: Session, staff: Staff, chosen: RecordFilter, page: int) -> RecordPage:
    where = _conditions(staff, chosen)
    total = session.scalar(
        select(func.count()).select_from(InfringementRecord).where(*where)) or 0
    found = session.execute(
        select(InfringementRecord, Subject)
        .outerjoin(Subject, Subject.id == InfringementRecord.subject_id).where(*where)
        .order_by(InfringementRecord.confirmed_at.desc(), InfringementRecord.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    kinds = list(session.scalars(select(InfringementRecord.kind).where(scope(staff))
                                 .distinct().order_by(InfringementRecord.kind)))
    return RecordPage([_row(r, s) for r, s in found], total, kinds)


def detail(session: Session, staff: Staff, record_id: int) -> dict[str, Any] | None:
    record = session.scalar(select(InfringementRecord).where(
        InfringementRecord.id == record_id, scope(staff)))
    if record is None:
        return None
    subject = session.get(Subject, record.subject_id) if record.subject_id else None
    events = list(session.scalars(select(CreditEvent).where(
        CreditEvent.source == f"infringement:{record.id}")))
    certificate = None
    if record.certificate_number:
        certificate = session.scalar(select(Certificate.number).where(
            Certificate.number == record.certificate_number, roles.certificate_scope(staff)))
    return {"record": _row(record, subject), "evidence": dict(record.evidence or {}),
            "credit_events": [{"id": e.id, "kind": e.kind, "severity": e.severity.value,
                               "occurred_at": e.occurred_at, "summary": e.summary}
                              for e in events],
            "certificate_visible": certificate is not None}


def evidence_of(session: Session, staff: Staff, record_id: int) -> dict[str, Any] | None:
    """The record's evidence details, if ``staff`` may see the record."""
    record = session.scalar(select(InfringementRecord).where(
        InfringementRecord.id == record_id, scope(staff)))
    return None if record is None else dict(record.evidence or {})

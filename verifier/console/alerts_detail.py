"""What one alert's page shows: its evidence, the seller, the certificate, the review.

Crawler alerts carry their evidence in ``details`` (see docs/misuse.md); scan alerts carry
the figures that raised them; a consumer report's alert points at the report, whose text
is read from ``consumer_reports``. The reporter's contact is for the alliance and the
certification bodies only, never for the holder the report is about.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import (
    Certificate,
    ConsumerReport,
    ImageAnalysis,
    InfringementRecord,
    StaffRole,
)
from verifier.console import alerts, alerts_review, infringements, roles
from verifier.console.sessions import Staff

#: Scan-alert detail keys shown first, in this order; any others follow.
SCAN_FIGURES = ("day", "scans", "networks", "codes", "channels", "unit_serials", "code",
                "last_hour", "baseline_hourly", "threshold", "window_days")


def box_points(find: Any) -> str | None:
    """The find's quadrilateral as SVG polygon points, in the image's own pixels."""
    quad = find.get("quad") if isinstance(find, dict) else None
    try:
        points = [(float(x), float(y)) for x, y in quad or ()]
    except (TypeError, ValueError):
        return None
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points) if len(points) >= 3 else None


def _crawler(session: Session, details: dict[str, Any]) -> dict[str, Any]:
    size = None
    digest = details.get("image_sha256")
    if isinstance(digest, str):
        found = session.execute(select(ImageAnalysis.width, ImageAnalysis.height).where(
            ImageAnalysis.sha256 == digest)).first()
        if found is not None:
            size = {"width": found[0], "height": found[1]}
    subject = infringements.matched_subject(session, details)
    shown = details.get("find")
    find = {"type": None, "mark": None, "text": None, "score": None, "quad": None,
            **(shown if isinstance(shown, dict) else {})}
    return {
        "find": find, "box": box_points(find), "image_size": size,
        "captured": _moment(details.get("captured_at")),
        "subject": ({"id": subject.id, "name": subject.name, "uscc": subject.uscc}
                    if subject else None),
        "match": infringements.match_method(details),
        "charge_default": infringements.charge_by_default(details),
    }


def _moment(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _scan_figures(details: dict[str, Any]) -> list[tuple[str, Any]]:
    first = [(k, details[k]) for k in SCAN_FIGURES if k in details]
    rest = [(k, v) for k, v in sorted(details.items()) if k not in SCAN_FIGURES]
    return first + rest


def _report(session: Session, staff: Staff, details: dict[str, Any]) -> dict[str, Any] | None:
    report_id = details.get("report_id")
    if not isinstance(report_id, int):
        return None
    report = session.get(ConsumerReport, report_id)
    if report is None:
        return None
    return {
        "id": report.id, "created_at": report.created_at, "code": report.code,
        "verdict": report.verdict, "where_bought": report.where_bought,
        "description": report.description,
        "contact": report.contact if staff.role is not StaffRole.HOLDER else None,
        "contact_hidden": staff.role is StaffRole.HOLDER and bool(report.contact),
    }


def _certificate(session: Session, staff: Staff, number: str | None) -> dict[str, Any] | None:
    if not number:
        return None
    certificate = session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        return {"number": number, "registered": False, "visible": False}
    visible = session.scalar(select(Certificate.id).where(
        Certificate.id == certificate.id, roles.certificate_scope(staff))) is not None
    return {"number": number, "registered": True, "visible": visible,
            "holder": certificate.subject.name, "holder_uscc": certificate.subject.uscc,
            "state": certificate.state.value}


#: The alliance's own working data on an alert: who has it and what the reviewer wrote.
REVIEW_INTERNALS = ("assigned_to", "assigned_at", "reviewed_by", "review_reason")


def hides_review_internals(staff: Staff) -> bool:
    """A holder sees that and when its alert was reviewed, not by whom or why: the
    reviewer's note is the alliance's working record, not a decision addressed to it."""
    return staff.role is StaffRole.HOLDER


def without_review_internals(staff: Staff, shown: dict[str, Any]) -> dict[str, Any]:
    """``shown`` (an alert's row) with the review internals blanked for a holder."""
    if not hides_review_internals(staff):
        return shown
    return {**shown, **dict.fromkeys(k for k in REVIEW_INTERNALS if k in shown)}


def detail(session: Session, staff: Staff, alert_id: int) -> dict[str, Any] | None:
    alert = alerts.visible(session, staff, alert_id)
    if alert is None:
        return None
    details = dict(alert.details or {})
    if alert.source == "crawler":  # every key the page reads, even from older alerts
        details = {**dict.fromkeys(infringements.EVIDENCE_KEYS), **details}
    record_id = session.scalar(select(InfringementRecord.id).where(
        InfringementRecord.alert_id == alert.id))
    found: dict[str, Any] = {
        "alert": without_review_internals(staff, {
            **alerts.row(alert), "assigned_at": alert.assigned_at,
            "reviewed_by": alert.reviewed_by, "reviewed_at": alert.reviewed_at,
            "review_reason": alert.review_reason, "unit_serial": alert.unit_serial}),
        "review_hidden": hides_review_internals(staff),
        "details": details,
        "certificate": _certificate(session, staff, alert.certificate_number),
        "infringement_id": record_id,
        "crawler": _crawler(session, details) if alert.source == "crawler" else None,
        "scan_figures": _scan_figures(details) if alert.source == "scan" else [],
        "report": _report(session, staff, details) if alert.source == "report" else None,
        "reviewers": (alerts_review.reviewers(session)
                      if roles.allowed(staff.role, roles.Permission.ALERTS_REVIEW) else []),
    }
    return found


def evidence_details(session: Session, staff: Staff, alert_id: int) -> dict[str, Any] | None:
    """The alert's details if ``staff`` may see it (for serving its evidence files)."""
    alert = alerts.visible(session, staff, alert_id)
    return None if alert is None else dict(alert.details or {})

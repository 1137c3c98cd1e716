"""The console's first page and certificate pages: what the signed-in role may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import status
from storage.enums import AlertStatus
from storage.models import Alert, Certificate, StatusEvent
from verifier.console import db, pages, roles
from verifier.console.sessions import Staff
from verifier.console.state import STAFF

PAGE_SIZE = 50


@dataclass(frozen=True)
class Overview:
    certificates: list[dict[str, Any]]
    total: int
    alerts: dict[str, int]


def certificate_row(certificate: Certificate, on: Any, open_alerts: int = 0) -> dict[str, Any]:
    return {
        "number": certificate.number,
        "holder": certificate.subject.name,
        "uscc": certificate.subject.uscc,
        "body": certificate.body.name,
        "scheme": certificate.scheme.value,
        "status": status.public_status(certificate.state, certificate.valid_until, on).value,
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
        "next_surveillance": certificate.next_surveillance,
        "open_alerts": open_alerts,
    }


def overview(session: Session, staff: Staff, page: int) -> Overview:
    scope = roles.certificate_scope(staff)
    total = session.scalar(select(func.count()).select_from(Certificate).where(scope)) or 0
    found = list(session.scalars(
        select(Certificate).where(scope).order_by(Certificate.number)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).unique())
    numbers = [c.number for c in found]
    open_counts = dict(session.execute(
        select(Alert.certificate_number, func.count()).where(
            Alert.certificate_number.in_(numbers), Alert.status == AlertStatus.OPEN)
        .group_by(Alert.certificate_number)).all()) if numbers else {}
    counts = dict(session.execute(
        select(Alert.status, func.count()).where(roles.alert_scope(staff))
        .group_by(Alert.status)).all())
    on = status.today()
    return Overview(
        certificates=[certificate_row(c, on, open_counts.get(c.number, 0)) for c in found],
        total=total,
        alerts={s.value: counts.get(s, 0) for s in AlertStatus},
    )


def page_number(request: web.Request) -> int:
    try:
        return max(1, min(int(request.query.get("page", "1")), 100_000))
    except ValueError:
        return 1


async def home(request: web.Request) -> web.Response:
    page = page_number(request)
    found = await db.run(request, overview, request[STAFF], page)
    pages_count = max(1, -(-found.total // PAGE_SIZE))
    return pages.render(request, "console/home.html", {
        "overview": found, "page": page, "pages": pages_count,
    })


def certificate_detail(session: Session, staff: Staff, number: str) -> dict[str, Any] | None:
    certificate = session.scalar(
        select(Certificate).where(Certificate.number == number, roles.certificate_scope(staff)))
    if certificate is None:
        return None
    history = [
        {"occurred_at": e.occurred_at, "from_state": e.from_state, "to_state": e.to_state,
         "reason": e.reason, "actor": e.actor}
        for e in session.scalars(select(StatusEvent).where(
            StatusEvent.certificate_id == certificate.id).order_by(StatusEvent.id))
    ]
    open_alerts = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.certificate_number == number, Alert.status == AlertStatus.OPEN)) or 0
    return {"certificate": certificate_row(certificate, status.today(), open_alerts),
            "history": history}


async def certificate_page(request: web.Request) -> web.Response:
    number = request.match_info["number"]
    found = await db.run(request, certificate_detail, request[STAFF], number[:32])
    if found is None:
        # Not in this role's scope (or not at all): the same answer either way.
        return pages.error(request, 404, "console.not_found")
    return pages.render(request, "console/certificate.html", found)

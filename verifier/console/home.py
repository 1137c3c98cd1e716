"""The console's first page: what the signed-in role may see.

The certificate page itself lives with its lifecycle forms in ``certificate_pages``; it is
re-exported here because the console's route table names it ``home.certificate_page``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import status
from storage.enums import AlertStatus
from storage.models import Alert, Certificate
from verifier.console import db, pages, roles
from verifier.console.certificate_pages import certificate_page, certificate_row
from verifier.console.sessions import Staff
from verifier.console.state import STAFF

PAGE_SIZE = 50
__all__ = ["certificate_page", "certificate_row", "home", "overview", "page_number"]


@dataclass(frozen=True)
class Overview:
    certificates: list[dict[str, Any]]
    total: int
    alerts: dict[str, int]


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

"""The alert queue: one list of crawler misuse alerts, scan early-warning alerts and
consumer reports, filtered, sorted and paged, within what the signed-in role may see.

Filters come from the query string and are parsed here into one value, so the page, its
pager links and the tests all read the same thing; anything malformed is ignored rather
than refused (a bad date simply does not filter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from issuer.status import TIMEZONE
from storage.enums import AlertStatus
from storage.models import Alert
from verifier.console import roles
from verifier.console.sessions import Staff

PAGE_SIZE = 50
SOURCES = ("crawler", "scan", "report")
SORTS = ("newest", "oldest", "kind")
#: Crawler alert details searched by the seller filter.
SELLER_FIELDS = ("seller_name", "seller_credit_code", "matched_subject_name",
                 "matched_credit_code")
MAX_TERM = 120


@dataclass(frozen=True)
class AlertFilter:
    kind: str = ""
    status: str = ""
    source: str = ""
    seller: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    mine: bool = False
    sort: str = "newest"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> AlertFilter:
        status = query.get("status", "")
        source = query.get("source", "")
        sort = query.get("sort", "newest")
        return cls(
            kind=query.get("kind", "").strip()[:32],
            status=status if status in set(AlertStatus) else "",
            source=source if source in SOURCES else "",
            seller=query.get("seller", "").strip()[:MAX_TERM],
            since=_date(query.get("since", "")),
            until=_date(query.get("until", "")),
            mine=query.get("mine", "") in ("1", "on", "true"),
            sort=sort if sort in SORTS else "newest",
        )

    def query_string(self, **changes: Any) -> str:
        """This filter as a query string (for pager and sort links), with ``changes``."""
        values: dict[str, Any] = {
            "kind": self.kind, "status": self.status, "source": self.source,
            "seller": self.seller, "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "mine": "1" if self.mine else "", "sort": self.sort if self.sort != "newest" else "",
        }
        values.update(changes)
        return urlencode([(k, v) for k, v in values.items() if v not in ("", None)])


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def day_start(day: dt.date) -> dt.datetime:
    """The start of a Shanghai calendar day, in UTC (as timestamps are stored)."""
    return dt.datetime.combine(day, dt.time(0), TIMEZONE).astimezone(dt.UTC)


def seller_condition(term: str) -> ColumnElement[bool]:
    """Crawler alerts whose seller's shown or matched name or credit code contains ``term``."""
    lowered = term.lower()
    compact = "".join(term.split()).upper()
    checks = []
    for name in SELLER_FIELDS:
        value = Alert.details[name].as_string()
        checks.append(func.lower(value).contains(lowered, autoescape=True))
        if compact and "code" in name:
            checks.append(func.upper(func.replace(value, " ", "")).contains(compact,
                                                                             autoescape=True))
    return and_(Alert.source == "crawler", or_(*checks))


def conditions(staff: Staff, chosen: AlertFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [roles.alert_scope(staff)]
    if chosen.kind:
        where.append(Alert.kind == chosen.kind)
    if chosen.status:
        where.append(Alert.status == AlertStatus(chosen.status))
    if chosen.source:
        where.append(Alert.source == chosen.source)
    if chosen.seller:
        where.append(seller_condition(chosen.seller))
    if chosen.since:
        where.append(Alert.created_at >= day_start(chosen.since))
    if chosen.until:
        where.append(Alert.created_at < day_start(chosen.until + dt.timedelta(days=1)))
    if chosen.mine:
        where.append(Alert.assigned_to == staff.username)
    return where


def _ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "oldest":
        return query.order_by(Alert.created_at, Alert.id)
    if sort == "kind":
        return query.order_by(Alert.kind, Alert.created_at.desc(), Alert.id.desc())
    return query.order_by(Alert.created_at.desc(), Alert.id.desc())


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    kinds: list[str]  # every kind in this role's scope, for the filter's choices


def row(alert: Alert) -> dict[str, Any]:
    details = alert.details or {}
    return {
        "id": alert.id, "kind": alert.kind, "source": alert.source,
        "status": alert.status.value, "created_at": alert.created_at,
        "summary": alert.summary, "certificate_number": alert.certificate_number,
        "seller": details.get("seller_name") or details.get("seller_credit_code"),
        "assigned_to": alert.assigned_to,
    }


def search(session: Session, staff: Staff, chosen: AlertFilter, page: int) -> QueuePage:
    where = conditions(staff, chosen)
    total = session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0
    found = session.scalars(_ordered(select(Alert).where(*where), chosen.sort)
                            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    kinds = list(session.scalars(select(Alert.kind).where(roles.alert_scope(staff))
                                 .distinct().order_by(Alert.kind)))
    return QueuePage([row(a) for a in found], total, kinds)


def visible(session: Session, staff: Staff, alert_id: int) -> Alert | None:
    """The alert if ``staff`` may see it; None when it is out of scope or does not exist."""
    return session.scalar(select(Alert).where(Alert.id == alert_id, roles.alert_scope(staff)))

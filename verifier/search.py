"""Registry search, shared by the /registry page and the JSON API.

One query: free text matches holder name, credit code, certified product or
service, or certificate number; filters by scheme and public status; pages of
results in a stable order. ``expired`` is derived from the date, so the status
filter is expressed over the stored state and ``valid_until``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, and_, exists, func, or_, select

from issuer.status import PublicStatus, public_status
from storage.enums import CertificateState, Scheme
from storage.models import Certificate, CertificationBody, ScopeItem, Subject

MAX_PAGE_SIZE = 100
MAX_QUERY = 100


@dataclass(frozen=True)
class SearchHit:
    number: str
    scheme: Scheme
    status: PublicStatus
    holder_name: str
    holder_uscc: str
    body_name: str
    valid_until: dt.date
    scope: tuple[str, ...]


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _status_condition(status: PublicStatus, on: dt.date):  # type: ignore[no-untyped-def]
    live = Certificate.state.in_([CertificateState.VALID, CertificateState.SUSPENDED])
    if status is PublicStatus.EXPIRED:
        return and_(live, Certificate.valid_until < on)
    if status in (PublicStatus.VALID, PublicStatus.SUSPENDED):
        return and_(Certificate.state == CertificateState(status.value),
                    Certificate.valid_until >= on)
    return Certificate.state == CertificateState(status.value)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_registry(
    engine: Engine,
    *,
    query: str = "",
    scheme: Scheme | None = None,
    status: PublicStatus | None = None,
    page: int = 1,
    page_size: int = 20,
    on: dt.date,
) -> SearchPage:
    """Search the public registry. Raises ``ValueError`` for an out-of-range page size."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
    page = max(1, page)
    query = query.strip()[:MAX_QUERY]
    conditions = []
    if query:
        like = f"%{_escape_like(query)}%"
        upper = f"%{_escape_like(query.upper())}%"
        conditions.append(or_(
            Subject.name.like(like, escape="\\"),
            Subject.uscc.like(upper, escape="\\"),
            Certificate.number.like(upper, escape="\\"),
            exists().where(ScopeItem.certificate_id == Certificate.id,
                           or_(ScopeItem.name.like(like, escape="\\"),
                               ScopeItem.category.like(like, escape="\\"))),
        ))
    if scheme is not None:
        conditions.append(Certificate.scheme == scheme)
    if status is not None:
        conditions.append(_status_condition(status, on))
    base = (
        select(Certificate.id, Certificate.number, Certificate.scheme, Certificate.state,
               Certificate.valid_until, Subject.name, Subject.uscc,
               CertificationBody.name.label("body_name"))
        .join(Subject, Subject.id == Certificate.subject_id)
        .join(CertificationBody, CertificationBody.id == Certificate.body_id)
        .where(*conditions)
    )
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = connection.execute(
            base.order_by(Subject.name, Certificate.number)
            .limit(page_size).offset((page - 1) * page_size)
        ).all()
        scopes: dict[int, list[str]] = {}
        if rows:
            for certificate_id, name in connection.execute(
                select(ScopeItem.certificate_id, ScopeItem.name)
                .where(ScopeItem.certificate_id.in_([r.id for r in rows]))
                .order_by(ScopeItem.position)
            ):
                scopes.setdefault(certificate_id, []).append(name)
    hits = tuple(
        SearchHit(r.number, r.scheme, public_status(r.state, r.valid_until, on), r.name,
                  r.uscc, r.body_name, r.valid_until, tuple(scopes.get(r.id, ())))
        for r in rows
    )
    return SearchPage(hits, total, page, page_size)

"""The figures of the yearly reports, computed from the registry for one year.

Two reports use them: a certification body's post-certification surveillance report
(due to the alliance by the end of November) and the alliance's yearly report (due to the
market regulator by the end of December). Definitions, also in ``docs/lifecycle.md``:

* The year runs on the Shanghai calendar. Its figures are "as at" 31 December, or today
  while the year is still running (a report made in November covers the year so far).
* Certificates by scheme and status: every certificate that existed at the as-at moment,
  with the state its last status event before then gave it, shown as the public sees it
  (``expired`` derived from the validity date on the as-at day).
* Surveillance done: visits dated within the year up to the as-at day, by result.
* Surveillance overdue: certificates standing on the as-at day (valid or suspended, not
  expired) whose next visit was due before it: the due date the last visit up to then set,
  or one year after the certificate became valid if it had none.
* Suspensions and revocations: status events into those states within the year.
* Alerts: raised = created within the year; confirmed / dismissed = reviewed within the
  year with that outcome (an alert raised in one year may be reviewed in the next).
* Infringement records: confirmed within the year.

A body's report counts only the certificates it issued, and the alerts and infringement
records that name one of them; the alliance's counts everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from issuer import registry, status
from storage.base import utcnow
from storage.enums import AlertStatus, CertificateState, Scheme, SurveillanceResult
from storage.models import (
    Alert,
    Certificate,
    CertificationBody,
    InfringementRecord,
    StatusEvent,
    Subject,
    SurveillanceVisit,
)

FIRST_YEAR = 2000
STATUSES = [s.value for s in status.PublicStatus]
STANDING = (status.PublicStatus.VALID, status.PublicStatus.SUSPENDED)


class NoSuchYear(ValueError):
    """A year before the scheme or still in the future has no report."""


@dataclass(frozen=True)
class Period:
    """One report year: ``start`` <= moment < ``end`` (UTC), dates from Jan 1 to ``as_at``."""

    year: int
    start: dt.datetime
    end: dt.datetime
    first_day: dt.date
    as_at: dt.date
    complete: bool  # the year is over

    @classmethod
    def of(cls, year: int, now: dt.datetime | None = None) -> Period:
        now = now or utcnow()
        today = status.today(now)
        if not FIRST_YEAR <= year <= today.year:
            raise NoSuchYear(f"no report for {year}")
        start = dt.datetime(year, 1, 1, tzinfo=status.TIMEZONE).astimezone(dt.UTC)
        next_start = dt.datetime(year + 1, 1, 1, tzinfo=status.TIMEZONE).astimezone(dt.UTC)
        complete = year < today.year
        return cls(year=year, start=start, end=next_start if complete else now,
                   first_day=dt.date(year, 1, 1),
                   as_at=dt.date(year, 12, 31) if complete else today, complete=complete)


@dataclass(frozen=True)
class StatusChange:
    number: str
    holder: str
    body: str
    scheme: str
    occurred_at: dt.datetime
    reason: str
    actor: str


@dataclass(frozen=True)
class Infringement:
    id: int
    confirmed_at: dt.datetime
    kind: str
    seller: str
    certificate: str
    summary: str


@dataclass(frozen=True)
class YearlyFigures:
    period: Period
    body_code: str | None
    body_name: str | None
    #: scheme -> public status -> count; every scheme and status present, zeros included.
    certificates: dict[str, dict[str, int]]
    surveillance_done: dict[str, int]  # result -> visits
    surveillance_overdue: list[str]  # certificate numbers
    suspensions: list[StatusChange]
    revocations: list[StatusChange]
    alerts: dict[str, int]  # raised, confirmed, dismissed
    infringements: list[Infringement]

    @property
    def certificate_total(self) -> int:
        return sum(sum(by.values()) for by in self.certificates.values())


def _scope(body: CertificationBody | None) -> ColumnElement[bool]:
    return true() if body is None else Certificate.body_id == body.id


def _numbers(body: CertificationBody) -> Select[Any]:
    return select(Certificate.number).where(Certificate.body_id == body.id)


def _states_at(session: Session, period: Period, body: CertificationBody | None) -> list[Any]:
    """Each certificate existing at the as-at moment, with its state then (``to_state``).

    A certificate's events are written in order, so its newest event id before the
    moment is its last change before it.
    """
    last = (select(StatusEvent.certificate_id, func.max(StatusEvent.id).label("event_id"))
            .where(StatusEvent.occurred_at < period.end)
            .group_by(StatusEvent.certificate_id).subquery())
    return list(session.execute(
        select(Certificate.id, Certificate.number, Certificate.scheme, Certificate.valid_from,
               Certificate.valid_until, StatusEvent.to_state)
        .join(last, last.c.certificate_id == Certificate.id)
        .join(StatusEvent, StatusEvent.id == last.c.event_id)
        .where(_scope(body)).order_by(Certificate.number)).all())


def _due_dates_at(session: Session, on: dt.date, body: CertificationBody | None
                  ) -> dict[int, dt.date]:
    """Per certificate, the next due date its last visit up to ``on`` set (one query)."""
    rows = session.execute(
        select(SurveillanceVisit.certificate_id, SurveillanceVisit.next_due)
        .join(Certificate, Certificate.id == SurveillanceVisit.certificate_id)
        .where(SurveillanceVisit.visited_on <= on, _scope(body))
        .order_by(SurveillanceVisit.visited_on, SurveillanceVisit.id))
    return {certificate_id: next_due for certificate_id, next_due in rows}


def _changes(session: Session, period: Period, body: CertificationBody | None,
             to_state: CertificateState) -> list[StatusChange]:
    rows = session.execute(
        select(StatusEvent, Certificate.number, Certificate.scheme, Subject.name,
               CertificationBody.code)
        .join(Certificate, Certificate.id == StatusEvent.certificate_id)
        .join(Subject, Subject.id == Certificate.subject_id)
        .join(CertificationBody, CertificationBody.id == Certificate.body_id)
        .where(StatusEvent.to_state == to_state, StatusEvent.occurred_at >= period.start,
               StatusEvent.occurred_at < period.end, _scope(body))
        .order_by(StatusEvent.occurred_at, StatusEvent.id)).all()
    return [StatusChange(number=number, holder=holder, body=code, scheme=scheme.value,
                         occurred_at=event.occurred_at, reason=event.reason or "",
                         actor=event.actor)
            for event, number, scheme, holder, code in rows]


def _alerts(session: Session, period: Period, body: CertificationBody | None) -> dict[str, int]:
    scope = true() if body is None else Alert.certificate_number.in_(_numbers(body))
    raised = session.scalar(select(func.count()).select_from(Alert).where(
        scope, Alert.created_at >= period.start, Alert.created_at < period.end)) or 0
    reviewed = dict(session.execute(
        select(Alert.status, func.count()).where(
            scope, Alert.reviewed_at >= period.start, Alert.reviewed_at < period.end,
            Alert.status.in_((AlertStatus.CONFIRMED, AlertStatus.DISMISSED)))
        .group_by(Alert.status)).all())
    return {"raised": raised, "confirmed": reviewed.get(AlertStatus.CONFIRMED, 0),
            "dismissed": reviewed.get(AlertStatus.DISMISSED, 0)}


def _infringements(session: Session, period: Period, body: CertificationBody | None
                   ) -> list[Infringement]:
    query = select(InfringementRecord).where(InfringementRecord.confirmed_at >= period.start,
                                             InfringementRecord.confirmed_at < period.end)
    if body is not None:
        query = query.where(InfringementRecord.certificate_number.in_(_numbers(body)))
    return [Infringement(id=r.id, confirmed_at=r.confirmed_at, kind=r.kind,
                         seller=r.seller_name or r.seller_credit_code or "",
                         certificate=r.certificate_number or "", summary=r.summary)
            for r in session.scalars(query.order_by(InfringementRecord.confirmed_at,
                                                    InfringementRecord.id))]


def figures(session: Session, year: int, body: CertificationBody | None = None, *,
            now: dt.datetime | None = None) -> YearlyFigures:
    """Every figure of one year's report, for one body or (``body`` None) the alliance."""
    period = Period.of(year, now)
    counts = {s.value: dict.fromkeys(STATUSES, 0) for s in Scheme}
    overdue = []
    due_dates = _due_dates_at(session, period.as_at, body)
    for row in _states_at(session, period, body):
        shown = status.public_status(row.to_state, row.valid_until, period.as_at)
        counts[row.scheme.value][shown.value] += 1
        # Before any visit, the first is due a year after the certificate became valid.
        due = due_dates.get(row.id) or registry.add_years(row.valid_from, 1)
        if shown in STANDING and due < period.as_at:
            overdue.append(row.number)
    done = dict(session.execute(
        select(SurveillanceVisit.result, func.count())
        .join(Certificate, Certificate.id == SurveillanceVisit.certificate_id)
        .where(SurveillanceVisit.visited_on >= period.first_day,
               SurveillanceVisit.visited_on <= period.as_at, _scope(body))
        .group_by(SurveillanceVisit.result)).all())
    return YearlyFigures(
        period=period,
        body_code=body.code if body else None,
        body_name=body.name if body else None,
        certificates=counts,
        surveillance_done={r.value: done.get(r, 0) for r in SurveillanceResult},
        surveillance_overdue=overdue,
        suspensions=_changes(session, period, body, CertificateState.SUSPENDED),
        revocations=_changes(session, period, body, CertificateState.REVOKED),
        alerts=_alerts(session, period, body),
        infringements=_infringements(session, period, body),
    )

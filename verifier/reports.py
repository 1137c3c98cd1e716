"""Consumer reports of suspected fakes, from the page form and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert

from storage.base import utcnow
from storage.enums import AlertStatus
from storage.models import Alert, ConsumerReport

MAX_DESCRIPTION = 2000
#: Each report raises one alert of this kind (source ``report``) for staff to review.
REPORT_KIND = "consumer_report"


class InvalidReport(ValueError):
    """The report cannot be accepted; the message says which field and why."""


@dataclass(frozen=True)
class ReportForm:
    description: str
    code: str | None = None
    where_bought: str = ""
    contact: str = ""

    def cleaned(self) -> ReportForm:
        description = self.description.strip()
        if not description:
            raise InvalidReport("description: please describe what looks wrong")
        if len(description) > MAX_DESCRIPTION:
            raise InvalidReport(f"description: at most {MAX_DESCRIPTION} characters")
        if len(self.where_bought) > 300 or len(self.contact) > 200:
            raise InvalidReport("where_bought / contact: too long")
        code = (self.code or "").strip() or None
        if code is not None and len(code) > 256:
            raise InvalidReport("code: too long to be a mark code")
        return ReportForm(description, code, self.where_bought.strip(), self.contact.strip())


def report_alert(report_id: int, *, certificate_number: str | None, verdict: str | None,
                 description: str, created_at: dt.datetime) -> dict[str, Any]:
    """The alert that puts a report in the staff's queue (the contact stays in the report)."""
    about = f" about {certificate_number}" if certificate_number else ""
    text = " ".join(description.split())
    return {"kind": REPORT_KIND, "source": "report", "dedupe_key": f"report:{report_id}",
            "certificate_number": certificate_number, "unit_serial": None,
            "summary": f"Consumer report{about}: {text[:160]}",
            "details": {"report_id": report_id, "verdict": verdict},
            "created_at": created_at, "status": AlertStatus.OPEN}


def store_report(engine: Engine, form: ReportForm, *, certificate_number: str | None,
                 verdict: str | None, client_hash: str) -> int:
    """Write one report and its alert in one transaction; returns the report's id."""
    form = form.cleaned()
    now = utcnow()
    with engine.begin() as connection:
        report_id = int(connection.execute(
            insert(ConsumerReport).returning(ConsumerReport.id),
            {"created_at": now, "code": form.code, "certificate_number": certificate_number,
             "verdict": verdict, "where_bought": form.where_bought,
             "description": form.description, "contact": form.contact,
             "client_hash": client_hash},
        ).scalar_one())
        connection.execute(insert(Alert), report_alert(
            report_id, certificate_number=certificate_number, verdict=verdict,
            description=form.description, created_at=now))
        return report_id

"""Consumer reports of suspected fakes, from the page form and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert

from storage.base import utcnow
from storage.models import ConsumerReport

MAX_DESCRIPTION = 2000


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


def store_report(engine: Engine, form: ReportForm, *, certificate_number: str | None,
                 verdict: str | None, client_hash: str) -> int:
    """Write one report in its own transaction; returns its id."""
    form = form.cleaned()
    with engine.begin() as connection:
        return int(connection.execute(
            insert(ConsumerReport).returning(ConsumerReport.id),
            {"created_at": utcnow(), "code": form.code, "certificate_number": certificate_number,
             "verdict": verdict, "where_bought": form.where_bought,
             "description": form.description, "contact": form.contact,
             "client_hash": client_hash},
        ).scalar_one())

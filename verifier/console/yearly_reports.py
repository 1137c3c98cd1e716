"""The yearly reports as printable pages and as CSV files.

Both forms are made from the same lines (``report_lines``), so the file a body sends
the alliance says exactly what the page shows. Every line carries a stable ``key`` next
to its translated label, so a spreadsheet or a script can find a figure without reading
Chinese.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import status
from storage.models import Certificate, CertificationBody, StaffRole
from verifier.console import audit, db, messages, pages, roles, yearly_figures
from verifier.console.sessions import Staff
from verifier.console.state import STAFF
from verifier.console.yearly_figures import NoSuchYear, YearlyFigures
from verifier.i18n import negotiate
from verifier.render import moment

#: Reports are due by the end of these months (body: November; alliance: December).
DUE_MONTH = {"body": 11, "alliance": 12}
CSV_COLUMNS = ("key", "label", "value", "date", "certificate", "holder", "detail")
#: Lines that list one record each, after the summary figures.
DETAIL_KEYS = frozenset({"surveillance.overdue.certificate", "suspension", "revocation",
                         "infringement"})
#: UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly.
CSV_BOM = "\ufeff"


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    value: str = ""
    date: str = ""
    certificate: str = ""
    holder: str = ""
    detail: str = ""

    def cells(self) -> list[str]:
        return [self.key, self.label, self.value, self.date, self.certificate, self.holder,
                self.detail]


def due_date(kind: str, year: int) -> dt.date:
    """The last day of the month the report is due in."""
    month = DUE_MONTH[kind]
    first_after = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return first_after - dt.timedelta(days=1)


def report_lines(kind: str, f: YearlyFigures, t: Any) -> list[Line]:
    """Every figure of the report as one line each, summary first, then the detail lists."""
    lines = [
        Line("report.kind", t("reports.field.kind"), t(f"reports.kind.{kind}")),
        Line("report.year", t("reports.field.year"), str(f.period.year)),
        Line("report.as_at", t("reports.field.as_at"), f.period.as_at.isoformat()),
        Line("report.due", t("reports.field.due"), due_date(kind, f.period.year).isoformat()),
    ]
    if f.body_code:
        lines.append(Line("report.body", t("reports.field.body"), f.body_code,
                          detail=f.body_name or ""))
    for scheme, by_status in f.certificates.items():
        for shown, count in by_status.items():
            lines.append(Line(f"certificates.{scheme}.{shown}",
                              f"{t('scheme.' + scheme)} · {t('status.' + shown)}", str(count)))
    lines.append(Line("certificates.total", t("reports.certificates.total"),
                      str(f.certificate_total)))
    for result, count in f.surveillance_done.items():
        lines.append(Line(f"surveillance.done.{result}", t(f"reports.surveillance.{result}"),
                          str(count)))
    lines.append(Line("surveillance.overdue", t("reports.surveillance.overdue"),
                      str(len(f.surveillance_overdue))))
    lines.append(Line("suspensions", t("reports.suspensions"), str(len(f.suspensions))))
    lines.append(Line("revocations", t("reports.revocations"), str(len(f.revocations))))
    for name, count in f.alerts.items():
        lines.append(Line(f"alerts.{name}", t(f"reports.alerts.{name}"), str(count)))
    lines.append(Line("infringements", t("reports.infringements"), str(len(f.infringements))))
    for number in f.surveillance_overdue:
        lines.append(Line("surveillance.overdue.certificate", t("reports.surveillance.overdue"),
                          certificate=number))
    for key, changes in (("suspension", f.suspensions), ("revocation", f.revocations)):
        for change in changes:
            lines.append(Line(key, t(f"reports.{key}"), date=moment(change.occurred_at),
                              certificate=change.number, holder=change.holder,
                              detail=change.reason))
    for record in f.infringements:
        lines.append(Line("infringement", t("reports.infringement"),
                          date=moment(record.confirmed_at), certificate=record.certificate,
                          holder=record.seller, detail=f"{record.kind}: {record.summary}"))
    return lines


def to_csv(lines: list[Line], t: Any) -> bytes:
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(f"reports.csv.{c}") for c in CSV_COLUMNS])
    for line in lines:
        writer.writerow([_spreadsheet_safe(c) for c in line.cells()])
    return out.getvalue().encode("utf-8")


def _spreadsheet_safe(cell: str) -> str:
    """Keep text typed by others (reasons, seller names) from running as a formula."""
    if cell and cell[0] in "=+-@\t\r" and not _number(cell):
        return "'" + cell
    return cell


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _body(session: Session, staff: Staff, code: str) -> CertificationBody | None:
    """The body if ``staff`` may read its report (an officer only its own)."""
    body = session.scalar(select(CertificationBody).where(
        CertificationBody.code == code.upper()[:32]))
    if body is None:
        return None
    if staff.role is StaffRole.BODY_OFFICER and body.id != staff.body_id:
        return None
    return body


def _body_figures(session: Session, staff: Staff, code: str, year: int
                  ) -> YearlyFigures | None:
    body = _body(session, staff, code)
    return None if body is None else yearly_figures.figures(session, year, body)


def _index(session: Session, staff: Staff) -> dict[str, Any]:
    bodies = select(CertificationBody).order_by(CertificationBody.code)
    if staff.role is StaffRole.BODY_OFFICER:
        bodies = bodies.where(CertificationBody.id == staff.body_id)
    first = session.scalar(select(Certificate.publicity_start).order_by(
        Certificate.publicity_start).limit(1))
    this_year = status.today().year
    start = max(yearly_figures.FIRST_YEAR, first.year if first else this_year)
    return {"bodies": [{"code": b.code, "name": b.name} for b in session.scalars(bodies)],
            "years": list(range(this_year, start - 1, -1)),
            "alliance": staff.role in roles.ALLIANCE}


def _year(text: str) -> tuple[int, bool]:
    """``2026`` or ``2026.csv`` from the path: the year and whether CSV was asked for."""
    as_csv = text.endswith(".csv")
    return int(text.removesuffix(".csv")), as_csv


async def reports_page(request: web.Request) -> web.StreamResponse:
    """The choice of report; a filled-in choice goes straight to the report."""
    staff = request[STAFF]
    kind, year = request.query.get("kind"), request.query.get("year", "")
    if kind in DUE_MONTH and year.isdigit() and len(year) == 4:
        if kind == "alliance":
            return pages.redirect(f"/console/reports/alliance/{year}")
        code = request.query.get("body", "")
        if code.replace("-", "").isalnum() and code.isascii():
            return pages.redirect(f"/console/reports/body/{code.upper()}/{year}")
    return pages.render(request, "console/reports.html", await db.run(request, _index, staff))


async def _answer(request: web.Request, kind: str, found: YearlyFigures,
                  as_csv: bool) -> web.StreamResponse:
    t = messages.translator(negotiate(request))
    lines = report_lines(kind, found, t)
    if as_csv or request.query.get("format") == "csv":
        scope = f"-{found.body_code}" if found.body_code else ""
        name = f"shangpin-{kind}-report{scope}-{found.period.year}.csv"
        return web.Response(body=to_csv(lines, t), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"',
                                     **pages.NO_STORE})
    return pages.render(request, "console/report.html", {
        "kind": kind, "f": found,
        "lines": [ln for ln in lines
                  if ln.key not in DETAIL_KEYS and not ln.key.startswith("report.")],
        "due": due_date(kind, found.period.year),
    })


async def body_report(request: web.Request) -> web.StreamResponse:
    try:
        year, as_csv = _year(request.match_info["year"])
        found = await db.run(request, _body_figures, request[STAFF],
                             request.match_info["body_code"], year)
    except (ValueError, NoSuchYear):
        return pages.error(request, 404, "console.not_found")
    if found is None:  # another body's report answers like a missing one
        return pages.error(request, 404, "console.not_found")
    return await _answer(request, "body", found, as_csv)


def _refuse(session: Session, actor: str, path: str, client_hash: str) -> None:
    audit.record(session, actor=actor, action="access.denied", target=path[:200],
                 after={"report": "alliance"}, client_hash=client_hash)


async def alliance_report(request: web.Request) -> web.StreamResponse:
    staff = request[STAFF]
    if staff.role not in roles.ALLIANCE:
        await db.run(request, _refuse, staff.username, request.path, db.client_hash(request))
        return pages.error(request, 403, "console.forbidden")
    try:
        year, as_csv = _year(request.match_info["year"])
        found = await db.run(request, yearly_figures.figures, year)
    except (ValueError, NoSuchYear):
        return pages.error(request, 404, "console.not_found")
    return await _answer(request, "alliance", found, as_csv)

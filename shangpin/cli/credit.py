"""``shangpin credit``: credit files (信用档案) from the command line.

``sweep`` is the daily pass (run it from cron or a systemd timer): it records overdue
surveillance and repairs events whose clean period has passed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from shangpin.cli.context import App, emit, json_option, pass_app, table


def _day(text: str | None) -> dt.date:
    from issuer import status
    from issuer.errors import InvalidInput

    if text is None:
        return status.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--date must be a date as YYYY-MM-DD, got {text!r}") from None


def _event_record(event: Any) -> dict[str, Any]:
    from issuer import status

    return {
        "id": event.id,
        "kind": event.kind,
        "severity": event.severity.value,
        "occurred_on": status.today(event.occurred_at).isoformat(),
        "source": event.source,
        "certificate_number": event.certificate_number,
        "summary": event.summary,
        "repaired_at": event.repaired_at.isoformat() if event.repaired_at else None,
        "repaired_by": event.repaired_by,
        "repair_reason": event.repair_reason,
    }


@click.group()
def credit() -> None:
    """Credit files: events, the dynamic grade and credit repair."""


@credit.command("sweep")
@click.option("--date", "day", help="Run as of this day YYYY-MM-DD (default: today in Shanghai).")
@json_option
@pass_app
def credit_sweep(app: App, day: str | None, as_json: bool) -> None:
    """Record overdue surveillance and repair events whose clean period has passed."""
    from issuer import credit as credit_files
    from verifier.console import audit

    on = _day(day)
    with app.transaction() as session:
        done = credit_files.sweep(session, on)
        result: dict[str, Any] = {
            "date": on.isoformat(),
            "overdue": [_event_record(e) for e in done.overdue],
            "repaired": [_event_record(e) for e in done.repaired],
        }
        if done.overdue or done.repaired:
            audit.record(session, actor=f"cli:{app.settings.actor}", action="credit.sweep",
                         target=f"credit:{on.isoformat()}",
                         after={"overdue": len(done.overdue), "repaired": len(done.repaired)},
                         client_hash=audit.COMMAND_LINE)

    def human() -> None:
        click.echo(f"{on.isoformat()}: {len(result['overdue'])} overdue surveillance event(s), "
                   f"{len(result['repaired'])} event(s) repaired")
        for record in result["overdue"]:
            click.echo(f"  overdue   {record['certificate_number']}  {record['source']}")
        for record in result["repaired"]:
            click.echo(f"  repaired  #{record['id']} {record['kind']}  {record['repair_reason']}")

    emit(as_json, result, human)


@credit.command("show")
@click.argument("uscc")
@click.option("--date", "day", help="Grade as of this day YYYY-MM-DD (default: today).")
@json_option
@pass_app
def credit_show(app: App, uscc: str, day: str | None, as_json: bool) -> None:
    """One holder's credit file and its grade."""
    from issuer import credit as credit_files
    from issuer import registry

    on = _day(day)
    with app.transaction() as session:
        subject = registry.get_subject(session, uscc)
        rated = credit_files.ratings(session, [subject.id], on)[subject.id]
        events = credit_files.subject_events(session, [subject.id])[subject.id]
        result: dict[str, Any] = {
            "uscc": subject.uscc, "name": subject.name, "date": on.isoformat(),
            "grade": rated.grade.value, "points": rated.points, "counting": rated.counting,
            "events": [_event_record(e) for e in events],
        }

    def human() -> None:
        click.echo(f"{result['name']} ({result['uscc']}): grade {result['grade']}, "
                   f"{result['points']} point(s), {result['counting']} counting event(s)")
        table(["id", "date", "kind", "severity", "certificate", "repaired"],
              [[r["id"], r["occurred_on"], r["kind"], r["severity"], r["certificate_number"],
                r["repaired_at"] or ""] for r in result["events"]])

    emit(as_json, result, human)


COMMANDS = [credit]

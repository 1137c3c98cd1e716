"""``shangpin subject``, ``body`` and ``cert``: the registry and certificate lifecycle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from sqlalchemy import select

from issuer import registry, status
from issuer.errors import InvalidInput
from issuer.keys import KeyStore
from issuer.records import body_record, certificate_record, subject_record
from shangpin.cli.context import App, emit, json_option, pass_app, table
from storage.enums import Scheme, ScopeKind, SurveillanceResult
from storage.models import CertificationBody, Subject


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD, got {text!r}") from None


# ---------------------------------------------------------------- subjects


@click.group()
def subject() -> None:
    """Certificate holders (获证主体), keyed by unified social credit code."""


@subject.command("add")
@click.option("--name", required=True)
@click.option("--uscc", required=True, help="Unified social credit code (18 characters).")
@click.option("--address", default="")
@json_option
@pass_app
def subject_add(app: App, name: str, uscc: str, address: str, as_json: bool) -> None:
    """Add a holder; the credit code's check character is verified."""
    with app.transaction() as session:
        record = subject_record(registry.add_subject(session, name, uscc, address))
    emit(as_json, record, lambda: click.echo(f"subject {record['uscc']} {record['name']} added"))


@subject.command("list")
@json_option
@pass_app
def subject_list(app: App, as_json: bool) -> None:
    with app.transaction() as session:
        records = [
            subject_record(s) for s in session.scalars(select(Subject).order_by(Subject.name))
        ]
    emit(
        as_json,
        records,
        lambda: table(
            ["credit code", "name", "address"],
            [[r["uscc"], r["name"], r["address"]] for r in records],
        ),
    )


@subject.command("show")
@click.argument("uscc")
@json_option
@pass_app
def subject_show(app: App, uscc: str, as_json: bool) -> None:
    with app.transaction() as session:
        found = registry.get_subject(session, uscc)
        record = subject_record(found)
        record["certificates"] = [
            c.number for c in registry.search_certificates(session, subject_uscc=found.uscc)
        ]
    emit(as_json, record, lambda: _print_pairs(record))


# ---------------------------------------------------------------- bodies


@click.group()
def body() -> None:
    """Alliance certification bodies (联盟认证机构)."""


@body.command("add")
@click.option("--code", required=True, help="Short code, e.g. the approval number.")
@click.option("--name", required=True)
@click.option("--uscc", help="The body's own credit code, if known.")
@click.option("--address", default="")
@json_option
@pass_app
def body_add(app: App, code: str, name: str, uscc: str | None, address: str, as_json: bool) -> None:
    with app.transaction() as session:
        record = body_record(registry.add_body(session, code, name, uscc, address))
    emit(as_json, record, lambda: click.echo(f"body {record['code']} {record['name']} added"))


@body.command("list")
@json_option
@pass_app
def body_list(app: App, as_json: bool) -> None:
    with app.transaction() as session:
        records = [
            body_record(b)
            for b in session.scalars(select(CertificationBody).order_by(CertificationBody.code))
        ]
    emit(
        as_json,
        records,
        lambda: table(
            ["code", "name", "credit code"], [[r["code"], r["name"], r["uscc"]] for r in records]
        ),
    )


# ---------------------------------------------------------------- certificates


@click.group()
def cert() -> None:
    """Issue certificates and run their lifecycle."""


@cert.command("issue")
@click.option(
    "--scheme",
    type=click.Choice([s.value for s in Scheme]),
    default="shangpin",
    show_default=True,
    help="shangpin: 上品 certification; cultivation: 上海品牌 培育.",
)
@click.option("--subject", "subject_uscc", required=True, help="Holder's credit code.")
@click.option("--body", "body_code", required=True, help="Certification body code.")
@click.option("--standard", required=True, help="Standard certified against.")
@click.option("--product", multiple=True, metavar="NAME:CATEGORY", help="Certified product.")
@click.option("--service", multiple=True, metavar="NAME:CATEGORY", help="Certified service.")
@click.option("--number", help="Certificate number (default: next SP-/SB-YEAR-NNNNN).")
@click.option("--valid-from", help="YYYY-MM-DD (default: the day after publicity ends).")
@click.option("--valid-until", help="YYYY-MM-DD (default: three years of validity).")
@click.option(
    "--publicity-days",
    type=click.IntRange(0, 90),
    help="Length of publicity (公示); default SHANGPIN_PUBLICITY_DAYS or 7.",
)
@json_option
@pass_app
def cert_issue(
    app: App,
    scheme: str,
    subject_uscc: str,
    body_code: str,
    standard: str,
    product: tuple[str, ...],
    service: tuple[str, ...],
    number: str | None,
    valid_from: str | None,
    valid_until: str | None,
    publicity_days: int | None,
    as_json: bool,
) -> None:
    """Create a certificate; it enters publicity (公示) and its mark is signed."""
    scope = [registry.ScopeEntry.parse(p, ScopeKind.PRODUCT) for p in product]
    scope += [registry.ScopeEntry.parse(s, ScopeKind.SERVICE) for s in service]
    passphrase = app.settings.require_passphrase()
    with app.transaction() as session:
        certificate = registry.issue_certificate(
            session,
            scheme=Scheme(scheme),
            subject_uscc=subject_uscc,
            body_code=body_code,
            standard=standard,
            scope=scope,
            signer=KeyStore(session).signer(passphrase),
            actor=app.settings.actor,
            on=status.today(),
            publicity_days=app.settings.publicity_days
            if publicity_days is None
            else publicity_days,
            number=number,
            valid_from=_date(valid_from, "--valid-from"),
            valid_until=_date(valid_until, "--valid-until"),
        )
        record = _record(app, certificate)
    emit(
        as_json,
        record,
        lambda: click.echo(
            f"certificate {record['number']} issued; "
            f"in publicity until {record['publicity']['end']}"
        ),
    )


@cert.command("show")
@click.argument("number")
@json_option
@pass_app
def cert_show(app: App, number: str, as_json: bool) -> None:
    """Show a certificate with its status history and mark URL."""
    with app.transaction() as session:
        record = _record(app, registry.get_certificate(session, number), events=True)
    emit(as_json, record, lambda: _print_certificate(record))


@cert.command("list")
@click.option("--scheme", type=click.Choice([s.value for s in Scheme]))
@click.option(
    "--status",
    "shown",
    type=click.Choice([s.value for s in status.PublicStatus]),
    help="Filter by public status (expired is derived from the date).",
)
@click.option("--subject", "subject_uscc", help="Only this holder's certificates.")
@click.option(
    "--surveillance-due",
    "due_days",
    type=int,
    metavar="DAYS",
    help="Only certificates whose surveillance is overdue or due within DAYS.",
)
@json_option
@pass_app
def cert_list(
    app: App,
    scheme: str | None,
    shown: str | None,
    subject_uscc: str | None,
    due_days: int | None,
    as_json: bool,
) -> None:
    """List certificates."""
    on = status.today()
    with app.transaction() as session:
        found = registry.search_certificates(
            session, scheme=Scheme(scheme) if scheme else None, subject_uscc=subject_uscc
        )
        records = [_record(app, c) for c in found]
    if shown:
        records = [r for r in records if r["status"] == shown]
    if due_days is not None:
        limit = (on + dt.timedelta(days=due_days)).isoformat()
        records = [
            r
            for r in records
            if r["status"] in ("valid", "suspended")
            and (r["next_surveillance"] or r["valid_from"]) <= limit
        ]
    emit(
        as_json,
        records,
        lambda: table(
            ["number", "scheme", "status", "holder", "valid until", "next surveillance"],
            [
                [
                    r["number"],
                    r["scheme"],
                    r["status"],
                    r["subject"]["name"],
                    r["valid_until"],
                    r["next_surveillance"],
                ]
                for r in records
            ],
        ),
    )


def _lifecycle(action: status.Action, doc: str, needs_reason: bool) -> click.Command:
    @click.argument("number")
    @click.option("--reason", required=needs_reason, help="Written reason (published).")
    @json_option
    @pass_app
    def command(app: App, number: str, reason: str | None, as_json: bool) -> None:
        with app.transaction() as session:
            event = registry.change_status(
                session, number, action, actor=app.settings.actor, reason=reason
            )
            certificate = registry.get_certificate(session, number)
            record = _record(app, certificate)
            record["event"] = {
                "from": event.from_state.value if event.from_state else None,
                "to": event.to_state.value,
                "reason": event.reason,
            }
        emit(
            as_json,
            record,
            lambda: click.echo(
                f"certificate {record['number']}: "
                f"{record['event']['from']} -> {record['event']['to']}"
            ),
        )

    command.__doc__ = doc
    return click.command(action.value)(command)


for _action, _doc in (
    (status.Action.ACTIVATE, "End publicity and issue the certificate (no objection upheld)."),
    (status.Action.SUSPEND, "Suspend a valid certificate (reason required)."),
    (status.Action.REINSTATE, "Reinstate a suspended certificate."),
    (status.Action.REVOKE, "Revoke a certificate (reason required)."),
    (status.Action.TERMINATE, "End a certificate early at the holder's request (reason required)."),
):
    cert.add_command(_lifecycle(_action, _doc, _action in status.REASON_REQUIRED))


@cert.command("activate-due")
@json_option
@pass_app
def cert_activate_due(app: App, as_json: bool) -> None:
    """Issue every certificate whose publicity ended with no open or upheld objection."""
    with app.transaction() as session:
        numbers = registry.activate_due(session, actor=app.settings.actor)
    emit(
        as_json,
        numbers,
        lambda: click.echo(
            f"issued {len(numbers)} certificate(s)" + (": " + ", ".join(numbers) if numbers else "")
        ),
    )


@cert.command("object")
@click.argument("number")
@click.option("--by", "lodged_by", required=True, help="Who lodges the objection.")
@click.option("--text", required=True, help="What the objection says.")
@json_option
@pass_app
def cert_object(app: App, number: str, lodged_by: str, text: str, as_json: bool) -> None:
    """Lodge an objection during publicity (公示)."""
    with app.transaction() as session:
        objection = registry.lodge_objection(session, number, lodged_by=lodged_by, text=text)
        record = {"id": objection.id, "certificate": number.upper(), "outcome": "pending"}
    emit(as_json, record, lambda: click.echo(f"objection {record['id']} lodged"))


@cert.command("decide")
@click.argument("objection_id", type=int)
@click.option("--uphold/--dismiss", required=True)
@click.option("--reason", required=True)
@pass_app
def cert_decide(app: App, objection_id: int, uphold: bool, reason: str) -> None:
    """Decide an objection; an upheld one keeps the certificate from being issued."""
    with app.transaction() as session:
        objection = registry.decide_objection(
            session, objection_id, upheld=uphold, actor=app.settings.actor, reason=reason
        )
        click.echo(f"objection {objection.id} {objection.outcome.value}")


@cert.command("surveil")
@click.argument("number")
@click.option("--date", "visited", help="Visit date YYYY-MM-DD (default: today).")
@click.option(
    "--result",
    type=click.Choice([r.value for r in SurveillanceResult]),
    default="passed",
    show_default=True,
)
@click.option("--next-due", help="Next visit due YYYY-MM-DD (default and maximum: a year on).")
@click.option("--notes", default="")
@json_option
@pass_app
def cert_surveil(
    app: App,
    number: str,
    visited: str | None,
    result: str,
    next_due: str | None,
    notes: str,
    as_json: bool,
) -> None:
    """Record a post-certification surveillance visit (证后监督)."""
    today = status.today()
    with app.transaction() as session:
        visit = registry.record_surveillance(
            session,
            number,
            visited_on=_date(visited, "--date") or today,
            result=SurveillanceResult(result),
            next_due=_date(next_due, "--next-due"),
            notes=notes,
            actor=app.settings.actor,
            today=today,
        )
        record = {
            "certificate": number.upper(),
            "visited_on": visit.visited_on.isoformat(),
            "result": visit.result.value,
            "next_due": visit.next_due.isoformat(),
        }
    emit(
        as_json,
        record,
        lambda: click.echo(
            f"surveillance of {record['certificate']} on {record['visited_on']}: "
            f"{record['result']}; "
            f"next due {record['next_due']}"
        ),
    )


def _record(app: App, certificate: Any, events: bool = False) -> dict[str, Any]:
    return certificate_record(
        certificate, on=status.today(), host=app.settings.verify_host, events=events
    )


def _print_pairs(record: dict[str, Any]) -> None:
    for key, value in record.items():
        click.echo(f"{key:>18}: {value}")


def _print_certificate(r: dict[str, Any]) -> None:
    click.echo(f"{r['number']}  [{r['status']}]  {r['scheme']}")
    click.echo(f"  holder:    {r['subject']['name']} ({r['subject']['uscc']})")
    click.echo(f"  body:      {r['body']['name']} ({r['body']['code']})")
    click.echo(f"  standard:  {r['standard']}")
    for item in r["scope"]:
        click.echo(f"  {item['kind']:>9}: {item['name']} [{item['category']}]")
    click.echo(f"  publicity: {r['publicity']['start']} .. {r['publicity']['end']}")
    click.echo(f"  valid:     {r['valid_from']} .. {r['valid_until']}")
    click.echo(
        f"  surveillance: last {r['last_surveillance'] or '-'}, "
        f"next {r['next_surveillance'] or '-'}"
    )
    click.echo(f"  mark URL:  {r['mark_url']}")
    for e in r.get("events", []):
        click.echo(
            f"  {e['at'][:19]}  {e['from'] or '-'} -> {e['to']}  {e['actor']}"
            + (f"  ({e['reason']})" if e["reason"] else "")
        )


COMMANDS = [subject, body, cert]

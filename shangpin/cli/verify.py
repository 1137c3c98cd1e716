"""``shangpin verify``: check a code against the local keys and registry, offline."""

from __future__ import annotations

from typing import Any

import click

from issuer import registry, status
from issuer.errors import NotFound
from issuer.keys import KeyStore
from issuer.verification import Verdict, verify_code
from shangpin.cli.context import App, emit, json_option, pass_app

VERDICT_TEXT = {
    Verdict.AUTHENTIC: "authentic: signed by the alliance",
    Verdict.FORGED: "FORGED: the signature does not verify",
    Verdict.UNKNOWN_KEY: "UNKNOWN KEY: signed with a key this registry does not know",
    Verdict.COMPROMISED_KEY: "COMPROMISED KEY: signed with a key reported compromised",
    Verdict.MALFORMED: "MALFORMED: not a mark code",
}


@click.command()
@click.argument("code_or_url")
@json_option
@pass_app
def verify(app: App, code_or_url: str, as_json: bool) -> None:
    """Verify a mark code or URL; exit 0 only when it is authentic.

    The certificate's status is looked up in the local registry, because it is
    not part of the signed code.
    """
    on = status.today()
    with app.transaction() as session:
        keys = KeyStore(session).public_keys()
        result = verify_code(code_or_url, keys, app.settings.mark_hosts)
        record: dict[str, Any] = {"verdict": result.verdict.value, "reason": result.reason}
        payload = result.payload
        if payload is not None:
            record.update(
                certificate=payload.certificate_number,
                unit_serial=payload.unit_serial,
                valid_from=payload.valid_from.isoformat(),
                valid_until=payload.valid_until.isoformat(),
                kid=payload.kid,
                key_state=keys[payload.kid].state.value if payload.kid in keys else None,
                status=None,
                holder=None,
            )
        if result.authentic and payload is not None:
            try:
                certificate = registry.get_certificate(session, payload.certificate_number)
            except NotFound:
                record["status"] = "unknown_certificate"
            else:
                record["status"] = status.public_status(
                    certificate.state, certificate.valid_until, on
                ).value
                record["holder"] = {
                    "name": certificate.subject.name,
                    "uscc": certificate.subject.uscc,
                }
                record["scheme"] = certificate.scheme.value

    def human() -> None:
        click.echo(VERDICT_TEXT[result.verdict])
        if result.reason:
            click.echo(f"  reason:      {result.reason}")
        if payload is not None:
            click.echo(
                f"  certificate: {payload.certificate_number}"
                + (f"  unit {payload.unit_serial}" if payload.unit_serial else "")
            )
            click.echo(f"  validity:    {record['valid_from']} .. {record['valid_until']}")
        if record.get("status"):
            click.echo(f"  status:      {record['status']}")
        if record.get("holder"):
            click.echo(f"  holder:      {record['holder']['name']} ({record['holder']['uscc']})")

    emit(as_json, record, human)
    if not result.authentic:
        click.get_current_context().exit(1)


COMMANDS = [verify]

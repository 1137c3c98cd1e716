"""``shangpin verify``: check a code against the local keys and registry, or against a
signed offline bundle with no database and no network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from issuer import registry, status
from issuer.bundle import MAX_FILE, Bundle, BundleError, check, verify_bundle
from issuer.errors import NotFound
from issuer.keys import KeyStore
from issuer.verification import Verdict, verify_code
from shangpin.cli.context import App, emit, json_option, pass_app
from storage.base import utcnow

EXIT_REFUSED = 2

VERDICT_TEXT = {
    Verdict.AUTHENTIC: "authentic: signed by the alliance",
    Verdict.FORGED: "FORGED: the signature does not verify",
    Verdict.UNKNOWN_KEY: "UNKNOWN KEY: signed with a key this registry does not know",
    Verdict.COMPROMISED_KEY: "COMPROMISED KEY: signed with a key reported compromised",
    Verdict.MALFORMED: "MALFORMED: not a mark code",
}


def _age(delta: dt.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    return f"{days} d {hours} h" if days else f"{hours} h {seconds // 60} min"


def _load(path: Path) -> Bundle:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE + 1)  # a longer file is refused without reading it all
    except OSError as exc:
        click.echo(f"error: cannot read the bundle {path}: {exc.strerror}", err=True)
        click.get_current_context().exit(EXIT_REFUSED)
    try:
        return verify_bundle(data)
    except BundleError as exc:
        click.echo(f"error: the bundle {path} is refused: {exc}", err=True)
        click.get_current_context().exit(EXIT_REFUSED)
    raise AssertionError("unreachable")  # pragma: no cover


def verify_offline(code_or_url: str, path: Path, as_json: bool) -> None:
    """Verify with the bundle alone: signature, key state, status as of its date."""
    loaded = _load(path)
    now = utcnow()
    result = check(loaded, code_or_url)
    payload = result.payload
    stale = loaded.is_stale(now)
    head = loaded.tree_head
    record: dict[str, Any] = {
        "verdict": result.verdict.value,
        "status": result.status,
        "reason": result.reason,
        "status_as_of": loaded.date.isoformat(),
        "bundle": {
            "kid": loaded.kid,
            "issued_at": loaded.issued_at.isoformat(),
            "next_update": loaded.next_update.isoformat(),
            "age_seconds": int(loaded.age(now).total_seconds()),
            "stale": stale,
            "tree_head": None if head is None else {
                "size": head.size, "timestamp": head.time.isoformat(),
                "root_hash": head.root_hash.hex()},
        },
    }
    if payload is not None:
        record.update(
            certificate=payload.certificate_number,
            unit_serial=payload.unit_serial,
            valid_from=payload.valid_from.isoformat(),
            valid_until=payload.valid_until.isoformat(),
            kid=payload.kid,
            key_state=result.key_state.value if result.key_state else None,
        )
    if stale:
        click.echo(f"warning: the bundle is {_age(loaded.age(now))} old, past its next update"
                   f" ({loaded.next_update.isoformat()}); statuses may have changed since",
                   err=True)

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
        if result.verdict is Verdict.AUTHENTIC:
            click.echo(f"  status:      {result.status} (as of {loaded.date.isoformat()})")
        click.echo(f"  bundle:      issued {loaded.issued_at.isoformat()},"
                   f" {_age(loaded.age(now))} old" + (" (STALE)" if stale else ""))
        if head is not None:
            click.echo(f"  log head:    size {head.size} at {head.time.isoformat()}")

    emit(as_json, record, human)
    if result.verdict is not Verdict.AUTHENTIC:
        click.get_current_context().exit(1)


@click.command()
@click.argument("code_or_url")
@click.option("--bundle", "bundle_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Verify with this signed offline bundle only: no database, no network.")
@json_option
@pass_app
def verify(app: App, code_or_url: str, bundle_path: Path | None, as_json: bool) -> None:
    """Verify a mark code or URL; exit 0 only when it is authentic.

    The certificate's status is looked up in the local registry, because it is
    not part of the signed code; with --bundle, in the bundle's signed status table
    as of the bundle's date (exit 2 when the bundle is refused).
    """
    if bundle_path is not None:
        verify_offline(code_or_url, bundle_path, as_json)
        return
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

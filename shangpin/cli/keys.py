"""``shangpin keys``: signing keys. Private keys are never printed."""

from __future__ import annotations

import click

from issuer.keys import KeyStore, to_jwks
from issuer.records import key_record
from shangpin.cli.context import App, emit, json_option, pass_app, table


@click.group()
def keys() -> None:
    """Make, rotate, retire and publish signing keys."""


@keys.command("new")
@click.option("--note", help="Why this key was made (shown in listings).")
@click.option("--retire-others", is_flag=True, help="Rotate: retire every other active key.")
@json_option
@pass_app
def new(app: App, note: str | None, retire_others: bool, as_json: bool) -> None:
    """Make a new Ed25519 key; the newest active key signs from now on."""
    passphrase = app.settings.require_passphrase()
    with app.transaction() as session:
        store = KeyStore(session)
        previous = [k.kid for k in store.all() if k.state.value == "active"]
        key = store.create(passphrase, note)
        if retire_others:
            for kid in previous:
                store.retire(kid)
        record = key_record(key)
    emit(as_json, record, lambda: click.echo(f"new signing key {record['kid']} (active)"))


@keys.command("list")
@json_option
@pass_app
def list_(app: App, as_json: bool) -> None:
    """List keys and their states."""
    with app.transaction() as session:
        store = KeyStore(session)
        records = [key_record(k) for k in store.all()]
        signing = None
        if any(r["state"] == "active" for r in records):
            signing = store.newest_active().kid
    for record in records:
        record["signing"] = record["kid"] == signing

    def human() -> None:
        if not records:
            click.echo("no signing keys yet: run `shangpin keys new`")
            return
        table(
            ["kid", "state", "created", "signs", "note"],
            [
                [
                    r["kid"],
                    r["state"],
                    r["created_at"][:19],
                    "yes" if r["signing"] else "",
                    r["note"],
                ]
                for r in records
            ],
        )

    emit(as_json, records, human)


@keys.command()
@click.argument("kid")
@pass_app
def retire(app: App, kid: str) -> None:
    """Stop signing with a key; codes it signed keep verifying."""
    with app.transaction() as session:
        key = KeyStore(session).retire(kid)
        click.echo(f"key {key.kid} retired")


@keys.command()
@click.argument("kid")
@click.option("--reason", required=True, help="What happened (kept with the key).")
@pass_app
def compromise(app: App, kid: str, reason: str) -> None:
    """Mark a key compromised: every code it signed reports compromised_key."""
    with app.transaction() as session:
        key = KeyStore(session).compromise(kid, reason)
        click.echo(f"key {key.kid} marked compromised")


@keys.command()
@pass_app
def jwks(app: App) -> None:
    """Print the public keys as a JWKS (RFC 8037 OKP/Ed25519)."""
    import json

    with app.transaction() as session:
        document = to_jwks(KeyStore(session).public_keys())
    click.echo(json.dumps(document, indent=2))


COMMANDS = [keys]

"""``shangpin verify``: check a code against the local keys and registry, or against a
signed offline bundle with no database and no network."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from issuer import registry, status
from issuer.bundle import MAX_FILE, Bundle, BundleError, check, verify_bundle
from issuer.errors import InvalidInput, NotFound
from issuer.keys import KeyStore, from_jwks
from issuer.verification import PublicKey, Verdict, verify_code
from shangpin.cli.context import App, emit, json_option, pass_app
from storage.base import utcnow

EXIT_REFUSED = 2
#: The bundle checked out but is past its next update (or older than --max-age).
EXIT_STALE = 3
_DURATION = re.compile(r"([1-9][0-9]{0,5})([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}

VERDICT_TEXT = {
    Verdict.AUTHENTIC: "authentic: signed by the alliance",
    Verdict.FORGED: "FORGED: the signature does not verify",
    Verdict.UNKNOWN_KEY: "UNKNOWN KEY: signed with a key this registry does not know",
    Verdict.COMPROMISED_KEY: "COMPROMISED KEY: signed with a key reported compromised",
    Verdict.MALFORMED: "MALFORMED: not a mark code",
}

HOW_TO_PIN = (
    "no trust anchor for the bundle's signature: pass --trust-jwks FILE (the key set from"
    " https://<registry>/.well-known/shangpin/jwks.json, or `shangpin keys jwks`), or run"
    " where the registry's database is reachable"
)


def _age(delta: dt.timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    return f"{days} d {hours} h" if days else f"{hours} h {seconds // 60} min"


def _refuse(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    click.get_current_context().exit(EXIT_REFUSED)


def parse_duration(text: str) -> dt.timedelta:
    """``90m``, ``36h`` or ``2d``: a whole number of minutes, hours or days."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise click.BadParameter("a duration is a whole number with m, h or d, e.g. 36h or 2d")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _jwks_file(path: Path) -> dict[str, PublicKey]:
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        _refuse(f"cannot read the trusted key set {path}: {exc.strerror}")
    except (UnicodeDecodeError, ValueError):
        _refuse(f"the trusted key set {path} is not UTF-8 JSON")
    try:
        return from_jwks(document)
    except InvalidInput as exc:
        _refuse(f"the trusted key set {path} is unusable: {exc}")
    raise AssertionError("unreachable")  # pragma: no cover


def _database_keys(app: App) -> dict[str, PublicKey]:
    """The registry's keys when its database is here; empty when it is not. Never creates
    a database: an absent SQLite file or an unreachable server is simply no anchor."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from storage.session import Database, DatabaseError

    url = app.settings.database_url
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - a bad URL is no anchor; the message comes later
        return {}
    if parsed.get_backend_name() == "sqlite" and (
            not parsed.database or parsed.database == ":memory:"
            or not Path(parsed.database).is_file()):
        return {}
    try:
        database = Database.open(url, auto_upgrade=False)
    except (DatabaseError, SQLAlchemyError, OSError):
        return {}
    try:
        with database.transaction() as session:
            return KeyStore(session).public_keys()
    except SQLAlchemyError:
        return {}
    finally:
        database.close()


def _anchor(app: App, jwks: Path | None, kids: tuple[str, ...]
            ) -> tuple[Mapping[str, PublicKey], str]:
    """The keys trusted to sign bundles and where they came from. ``--trust-kid`` narrows
    a key source to those signers; alone it is no anchor, because a key id is a 24-bit
    digest that anyone can match with a key of their own."""
    if jwks is not None:
        keys, source = _jwks_file(jwks), "jwks"
    else:
        keys, source = _database_keys(app), "database"
        if not keys:
            _refuse(HOW_TO_PIN + (" (--trust-kid names the signer, but a key id alone is"
                                  " no proof of the key)" if kids else ""))
    if kids:
        wanted = {kid.lower() for kid in kids}
        keys = {kid: key for kid, key in keys.items() if kid in wanted}
    return keys, source


def _load(path: Path, trusted: Mapping[str, PublicKey]) -> Bundle:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE + 1)  # a longer file is refused without reading it all
    except OSError as exc:
        _refuse(f"cannot read the bundle {path}: {exc.strerror}")
    try:
        return verify_bundle(data, trusted)
    except BundleError as exc:
        _refuse(f"the bundle {path} is refused: {exc}")
    raise AssertionError("unreachable")  # pragma: no cover


def verify_offline(app: App, code_or_url: str, path: Path, as_json: bool, *,
                   trust_jwks: Path | None = None, trust_kids: tuple[str, ...] = (),
                   allow_stale: bool = False, max_age: dt.timedelta | None = None) -> None:
    """Verify with the bundle alone: signature, key state, status as of its date. The
    bundle's own signature is checked against a trust anchor, never its own key list."""
    trusted, source = _anchor(app, trust_jwks, trust_kids)
    loaded = _load(path, trusted)
    now = utcnow()
    result = check(loaded, code_or_url)
    payload = result.payload
    age = loaded.age(now)
    stale = loaded.is_stale(now) or (max_age is not None and age > max_age)
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
            "age_seconds": int(age.total_seconds()),
            "stale": stale,
            "tree_head": None if head is None else {
                "size": head.size, "timestamp": head.time.isoformat(),
                "root_hash": head.root_hash.hex()},
        },
        "signer": {"kid": loaded.kid, "trusted_by": source, "pinned": bool(trust_kids)},
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
        limit = (f"past its next update ({loaded.next_update.isoformat()})"
                 if loaded.is_stale(now) else f"older than --max-age {_age(max_age or age)}")
        click.echo(f"warning: the bundle is {_age(age)} old, {limit}; statuses may have"
                   " changed since" + ("" if allow_stale else
                                       " (exit 3; --allow-stale accepts it)"), err=True)

    def human() -> None:
        _echo_code(result, payload, record, " (STALE BUNDLE)" if stale else "")
        if result.verdict is Verdict.AUTHENTIC:
            click.echo(f"  status:      {result.status} (as of {loaded.date.isoformat()})")
        click.echo(f"  bundle:      issued {loaded.issued_at.isoformat()},"
                   f" {_age(age)} old" + (" (STALE)" if stale else ""))
        click.echo(f"  signed by:   key {loaded.kid} (trusted from "
                   + ("--trust-jwks" if source == "jwks" else "the local database")
                   + (", pinned by --trust-kid)" if trust_kids else ")"))
        if head is not None:
            click.echo(f"  log head:    size {head.size} at {head.time.isoformat()}")

    emit(as_json, record, human)
    if stale and not allow_stale:
        click.get_current_context().exit(EXIT_STALE)
    if result.verdict is not Verdict.AUTHENTIC:
        click.get_current_context().exit(1)


@click.command()
@click.argument("code_or_url")
@click.option("--bundle", "bundle_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Verify with this signed offline bundle only: no database, no network.")
@click.option("--trust-jwks", type=click.Path(dir_okay=False, path_type=Path),
              help="With --bundle: the registry's key set (/.well-known/shangpin/jwks.json);"
                   " the bundle must be signed by an active key in it.")
@click.option("--trust-kid", "trust_kids", multiple=True, metavar="KID",
              help="With --bundle: accept only a bundle signed by this key (repeatable).")
@click.option("--allow-stale", is_flag=True,
              help="With --bundle: do not fail (exit 3) when the bundle is out of date.")
@click.option("--max-age", type=str, metavar="DURATION",
              help="With --bundle: treat a bundle older than this (90m, 36h, 2d) as stale.")
@json_option
@pass_app
def verify(app: App, code_or_url: str, bundle_path: Path | None, trust_jwks: Path | None,
           trust_kids: tuple[str, ...], allow_stale: bool, max_age: str | None,
           as_json: bool) -> None:
    """Verify a mark code or URL; exit 0 only when it is authentic.

    The certificate's status is looked up in the local registry, because it is
    not part of the signed code; with --bundle, in the bundle's signed status table
    as of the bundle's date. With --bundle the exit status is 2 when the bundle is
    refused or nothing anchors its signer, 3 when it is stale (see --allow-stale).
    """
    if bundle_path is not None:
        verify_offline(app, code_or_url, bundle_path, as_json, trust_jwks=trust_jwks,
                       trust_kids=trust_kids, allow_stale=allow_stale,
                       max_age=None if max_age is None else parse_duration(max_age))
        return
    if trust_jwks or trust_kids or allow_stale or max_age:
        raise click.UsageError("--trust-jwks, --trust-kid, --allow-stale and --max-age go"
                               " with --bundle")
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
        _echo_code(result, payload, record)
        if record.get("status"):
            click.echo(f"  status:      {record['status']}")
        if record.get("holder"):
            click.echo(f"  holder:      {record['holder']['name']} ({record['holder']['uscc']})")

    emit(as_json, record, human)
    if not result.authentic:
        click.get_current_context().exit(1)


def _echo_code(result: Any, payload: Any, record: dict[str, Any], note: str = "") -> None:
    """The lines every verdict starts with: what it is, why, and what the code claims."""
    click.echo(VERDICT_TEXT[result.verdict] + note)
    if result.reason:
        click.echo(f"  reason:      {result.reason}")
    if payload is not None:
        click.echo(
            f"  certificate: {payload.certificate_number}"
            + (f"  unit {payload.unit_serial}" if payload.unit_serial else "")
        )
        click.echo(f"  validity:    {record['valid_from']} .. {record['valid_until']}")


COMMANDS = [verify]


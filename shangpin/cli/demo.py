"""``shangpin demo``: a realistic small registry to look around in."""

from __future__ import annotations

from pathlib import Path

import click

from issuer import registry, status
from issuer.records import certificate_record
from shangpin.cli.context import App, emit, json_option, pass_app


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
@click.option(
    "--marks",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also render each certificate's mark (PNG and SVG) into this directory.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (and succeed) when the database already holds the demo.",
)
@json_option
@pass_app
def seed(app: App, marks: Path | None, if_empty: bool, as_json: bool) -> None:
    """Fill an empty database with subjects, bodies and certificates in every status."""
    from shangpin.demo import is_seeded
    from shangpin.demo import seed as seed_registry

    passphrase = app.settings.require_passphrase()
    on = status.today()
    with app.transaction() as session:
        if if_empty and is_seeded(session):
            click.echo("the database already holds the demo; not seeding", err=True)
            return
        numbers = seed_registry(session, passphrase)
        records = [
            certificate_record(
                registry.get_certificate(session, n), on=on, host=app.settings.verify_host
            )
            for n in numbers
        ]
    if marks is not None:
        from issuer.artwork import Artwork, render_mark_png, render_mark_svg
        from storage.enums import Scheme

        artwork = Artwork.from_dir(app.settings.artwork_dir)
        marks.mkdir(parents=True, exist_ok=True)
        for r in records:
            scheme = Scheme(r["scheme"])
            (marks / f"{r['number']}.png").write_bytes(
                render_mark_png(r["mark_url"], r["number"], scheme, artwork=artwork)
            )
            (marks / f"{r['number']}.svg").write_text(
                render_mark_svg(r["mark_url"], r["number"], scheme, artwork=artwork),
                encoding="utf-8",
            )

    def human() -> None:
        for r in records:
            click.echo(f"{r['number']}  {r['status']:<10}  {r['subject']['name']}")
            click.echo(f"    {r['mark_url']}")
            click.echo(f"    local: http://127.0.0.1:8080/V/{r['mark_code']}")
        click.echo(f"database: {app.settings.database_url}")
        if marks is not None:
            click.echo(f"marks rendered into {marks}/")
        click.echo("next: `shangpin serve`, then open a local link above; "
                   "or `shangpin verify <mark URL>`")

    emit(as_json, records, human)


COMMANDS = [demo]

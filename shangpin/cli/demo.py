"""``shangpin demo``: the whole system on loopback to look around in; ``shangpin demo seed``:
the demo registry alone, in the configured database."""

from __future__ import annotations

from pathlib import Path

import click

from issuer import registry, status
from issuer.records import certificate_record
from shangpin.cli.context import App, emit, json_option, pass_app

#: The sample marketplace's floor (one listing per scenario), kept here so that loading the
#: command does not import the marketplace; a test checks the two agree.
MIN_PRODUCTS = 32


@click.group(invoke_without_command=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The demo's own directory (SQLite, keys, evidence) "
              "[default: DATA_DIR/demo]; reused when run again.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Verifier and console port on 127.0.0.1; a free one if busy.")
@click.option("--market-port", default=8081, show_default=True, type=click.IntRange(0, 65535),
              help="Sample marketplace port on 127.0.0.1; a free one if busy.")
@click.option("--no-crawl", is_flag=True, help="Serve without crawling the marketplace.")
@click.option("--products", default=60, show_default=True,
              type=click.IntRange(MIN_PRODUCTS, 10_000),
              help="Listings in the sample marketplace (fewer crawl faster).")
@click.pass_context
def demo(ctx: click.Context, data_dir: Path | None, port: int, market_port: int,
         no_crawl: bool, products: int) -> None:
    """Seed a demo, serve the verifier, console and a sample shop, crawl it, show where to look.

    Runs until Ctrl-C. With a subcommand, only that: "shangpin demo seed" fills the
    configured database with the demo registry.
    """
    if ctx.invoked_subcommand is not None:
        return
    from shangpin.demo_run import Options, run

    app = ctx.find_object(App)
    assert app is not None
    chosen = (data_dir or app.settings.data_dir / "demo").resolve()
    demo_database = f"sqlite:///{chosen / 'shangpin.db'}"
    if chosen == app.settings.data_dir.resolve() or _same_database(
        demo_database, app.settings.database_url
    ):
        raise click.UsageError(
            f"{chosen} holds the configured database: the demo seeds demo certificates "
            "and demo staff accounts, so it only runs in a directory of its own "
            "(the default is <data dir>/demo)"
        )
    options = Options(data_dir=chosen, port=port, market_port=market_port,
                      crawl=not no_crawl, products=products)
    run(app.settings, options, click.echo)


def _same_database(a: str, b: str) -> bool:
    """Whether two database URLs name the same SQLite file (other URLs never match a demo's)."""
    from sqlalchemy.engine import make_url

    first, second = make_url(a), make_url(b)
    if first.get_backend_name() != "sqlite" or second.get_backend_name() != "sqlite":
        return False
    if not first.database or not second.database:
        return False
    return Path(first.database).resolve() == Path(second.database).resolve()


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

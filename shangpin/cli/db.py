"""``shangpin db``: migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import Engine

from shangpin.cli.context import App, pass_app
from storage import migrate
from storage.session import make_engine


@contextmanager
def _engine(app: App) -> Iterator[Engine]:
    """A bare engine: these commands must work on a database at any revision."""
    engine = make_engine(app.settings.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@click.group()
def db() -> None:
    """Create and migrate the database (SQLite files are upgraded automatically)."""


@db.command()
@click.option("--revision", default="head", show_default=True)
@pass_app
def upgrade(app: App, revision: str) -> None:
    """Bring the database to the newest schema."""
    with _engine(app) as engine:
        migrate.upgrade(engine, revision)
        click.echo(f"database at revision {migrate.current_revision(engine)}")


@db.command()
@click.option("--revision", default="base", show_default=True)
@click.option("--yes", is_flag=True, help="Confirm dropping data.")
@pass_app
def downgrade(app: App, revision: str, yes: bool) -> None:
    """Step the schema back (to base drops every table)."""
    if not yes:
        raise click.UsageError("downgrading can drop data; pass --yes to confirm")
    with _engine(app) as engine:
        migrate.downgrade(engine, revision)
        click.echo(f"database at revision {migrate.current_revision(engine) or 'base'}")


@db.command()
@pass_app
def current(app: App) -> None:
    """Show the schema revision of the database."""
    with _engine(app) as engine:
        click.echo(migrate.current_revision(engine) or "base (empty)")


@db.command()
@pass_app
def check(app: App) -> None:
    """Exit non-zero when the models and the migrations disagree."""
    with _engine(app) as engine:
        migrate.upgrade(engine)
        diff = migrate.differences(engine)
    if diff:
        for item in diff:
            click.echo(f"  {item}", err=True)
        raise click.ClickException("models and migrations disagree; write a migration")
    click.echo("models and migrations agree")


COMMANDS = [db]

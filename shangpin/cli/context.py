"""What every command receives: the settings and a lazily opened database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import click
from sqlalchemy.orm import Session

from shangpin.settings import Settings
from storage.session import Database


@dataclass
class App:
    settings: Settings
    _database: Database | None = field(default=None, repr=False)

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = Database.open(self.settings.database_url)
        return self._database

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.database.transaction() as session:
            yield session

    def close(self) -> None:
        if self._database is not None:
            self._database.close()


pass_app = click.make_pass_decorator(App)


def json_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(function)


def emit(as_json: bool, data: Any, human: Callable[[], None]) -> None:
    """Print ``data`` as JSON, or call ``human`` to print it for people."""
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        human()


def table(headers: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    grid = Table(*headers, show_lines=False, header_style="bold")
    for row in rows:
        grid.add_row(*("" if v is None else str(v) for v in row))
    Console().print(grid)

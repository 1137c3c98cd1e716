"""The ``shangpin`` command. Each group lives in its own module; this one wires them.

Every expected failure (bad input, unknown record, illegal transition, missing
passphrase, unreachable database) ends as one line on stderr and exit status 2.
"""

from __future__ import annotations

from typing import Any

import click

from shangpin import __version__
from shangpin.cli.context import App
from shangpin.settings import ConfigurationError, Settings

EXIT_USER_ERROR = 2


def _expected_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import OperationalError

    from issuer.errors import IssuerError
    from storage.session import DatabaseError
    from storage.uscc import InvalidCreditCode

    expected: list[type[BaseException]] = [
        ConfigurationError,
        IssuerError,
        DatabaseError,
        InvalidCreditCode,
        OperationalError,
    ]
    try:
        from issuer.artwork import ArtworkError

        expected.append(ArtworkError)
    except ImportError:  # pragma: no cover - artwork needs Pillow, always installed
        pass
    return tuple(expected)


def _one_line(exc: BaseException) -> str:
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError):
        return "the database is unavailable: " + str(exc.orig).strip().splitlines()[0]
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


#: Commands whose modules are heavy to import (OpenCV...), loaded only when used.
LAZY_COMMANDS = {
    "detect": "crawler.detect_cli:detect",
    "crawl": "shangpin.cli.crawl:crawl",
    "market": "shangpin.cli.market:market",
}


class ShangpinGroup(click.Group):
    """Turns the errors users can cause into a one-line message and exit status 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            import importlib

            module, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _expected_errors() as exc:
            click.echo(f"error: {_one_line(exc)}", err=True)
            ctx.exit(EXIT_USER_ERROR)


@click.group(cls=ShangpinGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shangpin")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Issue, verify and monitor the "上品" (Shanghai Brand) certification mark."""
    ctx.obj = App(Settings.from_env())
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from shangpin.cli import bundle, codes, db, demo, keys, marks, registry, serve, users, verify
    from shangpin.cli import credit as credit_files
    from shangpin.cli import log as transparency_log

    for module in (db, keys, registry, marks, codes, verify, bundle, demo, serve, users,
                   credit_files, transparency_log):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli.main(prog_name="shangpin", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main()

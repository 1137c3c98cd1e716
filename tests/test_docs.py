"""Every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

import click

from shangpin.cli import cli
from shangpin.settings import ENVIRONMENT

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands(command: click.Command, path: list[str]) -> list[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        found = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            found += _commands(sub, [*path, name])
        return found
    return [(" ".join(path), command)]


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in text]
    assert not missing, f"undocumented settings: {missing}"


def test_every_command_and_option_is_documented() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(cli, ["shangpin"])
    assert len(commands) > 20
    for path, command in commands:
        assert f"`{path}" in text, f"{path} is not in docs/cli.md"
        row = next(line for line in text.splitlines() if f"`{path}" in line)
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    if opt.startswith("--") and opt != "--json":
                        assert opt in row, f"{path} {opt} is not in docs/cli.md"

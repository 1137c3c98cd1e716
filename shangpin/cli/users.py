"""``shangpin users``: console accounts. Passwords are read from a terminal (twice,
never echoed) or from standard input, never from the command line where they would
land in shell history and the process list."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from shangpin.cli.context import App, emit, json_option, pass_app, table

EXIT_USER_ERROR = 2


@contextmanager
def _account_errors() -> Iterator[None]:
    """Account problems end as one line and exit status 2, like every other command."""
    from verifier.console.accounts import AccountError

    try:
        yield
    except AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USER_ERROR)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if password.endswith("\r"):
            password = password[:-1]
        if not password:
            click.echo("error: no password on standard input", err=True)
            sys.exit(EXIT_USER_ERROR)
        return password
    if not sys.stdin.isatty():
        click.echo("error: no terminal to ask for the password: use --password-stdin", err=True)
        sys.exit(EXIT_USER_ERROR)
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


def _audit_actor(app: App) -> str:
    return f"cli:{app.settings.actor}"


def _run(app: App, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    from verifier.console import audit

    with _account_errors(), app.transaction() as session:
        return work(session, *args, actor=_audit_actor(app), client_hash=audit.COMMAND_LINE,
                    **kwargs)


@click.group()
def users() -> None:
    """Staff console accounts and their roles."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["alliance_admin", "alliance_reviewer", "body_officer", "holder"]),
              help="What the account may do in the console.")
@click.option("--body", "body_code", help="The officer's certification body (code).")
@click.option("--subject", "subject_uscc", help="The holder's credit code (USCC).")
@click.option("--display-name", help="Name shown in the console (default: the user name).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@json_option
@pass_app
def users_add(app: App, username: str, role: str, body_code: str | None,
              subject_uscc: str | None, display_name: str | None, password_stdin: bool,
              as_json: bool) -> None:
    """Add a console account."""
    from verifier.console import accounts

    password = _password(password_stdin)
    user = _run(app, accounts.add_user, username=username, role=role, password=password,
                display_name=display_name, body_code=body_code, subject_uscc=subject_uscc)
    record = accounts.user_record(user)
    emit(as_json, record,
         lambda: click.echo(f"console user {record['username']} ({record['role']}) added"))


@users.command("list")
@json_option
@pass_app
def users_list(app: App, as_json: bool) -> None:
    """Every console account, its role and whether it is active or locked."""
    from verifier.console import accounts

    with app.transaction() as session:
        records = [accounts.user_record(u) for u in accounts.list_users(session)]
    emit(as_json, records, lambda: table(
        ["user", "name", "role", "body", "subject", "active", "locked until"],
        [[r["username"], r["display_name"], r["role"], r["body"], r["subject"],
          "yes" if r["active"] else "no", r["locked_until"]] for r in records]))


@users.command("disable")
@click.argument("username")
@pass_app
def users_disable(app: App, username: str) -> None:
    """Disable an account and sign it out everywhere."""
    from verifier.console import accounts

    user = _run(app, accounts.set_active, username, False)
    click.echo(f"console user {user.username} disabled")


@users.command("enable")
@click.argument("username")
@pass_app
def users_enable(app: App, username: str) -> None:
    """Enable a disabled account again."""
    from verifier.console import accounts

    user = _run(app, accounts.set_active, username, True)
    click.echo(f"console user {user.username} enabled")


@users.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_app
def users_reset_password(app: App, username: str, password_stdin: bool) -> None:
    """Set a new password; clears a lock-out and signs the account out everywhere."""
    from verifier.console import accounts

    with _account_errors(), app.transaction() as session:
        accounts.get_user(session, username)  # an unknown name fails before the prompt
    password = _password(password_stdin)
    user = _run(app, accounts.set_password, username, password)
    click.echo(f"password of console user {user.username} reset")


COMMANDS = [users]

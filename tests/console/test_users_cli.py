"""``shangpin users``: a real process for adding an account, in-process runs for the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from issuer import registry
from shangpin.cli import cli
from storage.models import AuditEntry, StaffUser
from storage.session import Database
from verifier.console import passwords

SECRET = "a-long-enough-secret-9"  # test fixture only
HOLDER_USCC = "91310000000010000K"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh SQLite registry with one certification body and one holder."""
    url = f"sqlite:///{tmp_path / 'shangpin.db'}"
    database = Database.open(url)
    with database.transaction() as session:
        registry.add_body(session, "SBCA-01", "Test certification body")
        registry.add_subject(session, "Test holder", HOLDER_USCC)
    database.close()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}
    environ.update(SHANGPIN_DATABASE_URL=url, SHANGPIN_DATA_DIR=str(tmp_path),
                   SHANGPIN_ACTOR="cli-test")
    yield environ


def _user(env: dict[str, str], username: str) -> StaffUser | None:
    database = Database.open(env["SHANGPIN_DATABASE_URL"])
    try:
        with database.transaction() as session:
            return session.scalar(select(StaffUser).where(StaffUser.username == username))
    finally:
        database.close()


def _invoke(env: dict[str, str], *args: str, password: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=password, env=env)
    return result.exit_code, result.output


def test_users_add_in_a_real_process(env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "shangpin", "users", "add", "Officer.Li", "--role",
         "body_officer", "--body", "SBCA-01", "--display-name", "李警官", "--password-stdin"],
        input=SECRET + "\n", env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "officer.li" in proc.stdout
    assert SECRET not in proc.stdout + proc.stderr
    user = _user(env, "officer.li")
    assert user is not None and user.display_name == "李警官" and user.active
    assert user.password_hash.startswith("$argon2id$") and SECRET not in user.password_hash
    assert passwords.verify_password(user.password_hash, SECRET)


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "body_officer", "--body", "NO-SUCH"], "unknown certification body 'NO-SUCH'"),
    (["--role", "body_officer"], "a body_officer needs --body CODE"),
    (["--role", "holder", "--subject", "91310000000010000X"], "check character"),
    (["--role", "alliance_admin", "--body", "SBCA-01"], "belongs to no body or subject"),
], ids=["unknown-body", "officer-without-body", "bad-uscc", "admin-with-body"])
def test_users_add_refuses_bad_input_in_one_line(env: dict[str, str], args: list[str],
                                                 message: str) -> None:
    code, output = _invoke(env, "users", "add", "someone", *args, "--password-stdin",
                           password=SECRET + "\n")
    assert code == 2
    assert message in output and output.count("\n") == 1 and output.startswith("error: ")
    assert _user(env, "someone") is None


@pytest.mark.parametrize("weak", ["short-1", "aaaaaaaaaaaaaaaa", "someone-is-my-name"])
def test_weak_passwords_are_refused(env: dict[str, str], weak: str) -> None:
    code, output = _invoke(env, "users", "add", "someone", "--role", "alliance_reviewer",
                           "--password-stdin", password=weak + "\n")
    assert code == 2 and output.startswith("error: the password must")
    assert weak not in output
    assert _user(env, "someone") is None


def test_no_terminal_and_no_stdin_flag_is_an_error(env: dict[str, str]) -> None:
    code, output = _invoke(env, "users", "add", "someone", "--role", "alliance_reviewer")
    assert code == 2 and "--password-stdin" in output


def test_list_disable_and_reset_password(env: dict[str, str]) -> None:
    assert _invoke(env, "users", "add", "holder1", "--role", "holder", "--subject", HOLDER_USCC,
                   "--password-stdin", password=SECRET + "\n")[0] == 0
    code, output = _invoke(env, "users", "list", "--json")
    assert code == 0
    [listed] = json.loads(output)
    assert listed == {"username": "holder1", "display_name": "holder1", "role": "holder",
                      "body": None, "subject": HOLDER_USCC, "active": True,
                      "locked_until": None}
    assert _invoke(env, "users", "disable", "holder1")[0] == 0
    user = _user(env, "holder1")
    assert user is not None and not user.active
    new_secret = "another-long-secret-7"
    code, output = _invoke(env, "users", "reset-password", "holder1", "--password-stdin",
                           password=new_secret + "\n")
    assert code == 0 and new_secret not in output
    user = _user(env, "holder1")
    assert user is not None and passwords.verify_password(user.password_hash, new_secret)
    assert _invoke(env, "users", "disable", "nobody")[0] == 2
    database = Database.open(env["SHANGPIN_DATABASE_URL"])
    with database.transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        actors = set(session.scalars(select(AuditEntry.actor)))
    database.close()
    assert actions == ["user.add", "user.disable", "user.reset_password"]
    assert actors == {"cli:cli-test"}

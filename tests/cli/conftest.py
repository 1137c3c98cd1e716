"""Run the real ``shangpin`` command against a fresh database per test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PASSPHRASE = "cli-test-passphrase"  # test fixture only


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Shangpin = Callable[..., Result]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}
    env.update(
        SHANGPIN_DATA_DIR=str(tmp_path / "var"),
        SHANGPIN_KEY_PASSPHRASE=PASSPHRASE,
        SHANGPIN_ACTOR="cli-test",
        SHANGPIN_VERIFY_HOST="verify.shangpin.example",
    )
    return env


@pytest.fixture
def shangpin(cli_env: dict[str, str], tmp_path: Path) -> Shangpin:
    """Call the installed command as a user would: a real process, no stdin."""

    def run(*args: str, env: dict[str, str] | None = None, check: bool = True) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "shangpin", *args],
            env={**cli_env, **(env or {})},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"shangpin {' '.join(args)} exited {proc.returncode}: {proc.stderr}"
            )
        return result

    return run


@pytest.fixture
def seeded(shangpin: Shangpin) -> dict[str, dict[str, Any]]:
    """A demo registry; returns the certificates by status."""
    records = shangpin("demo", "seed", "--json").json()
    return {r["status"]: r for r in records}

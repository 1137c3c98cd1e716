"""``shangpin credit sweep`` and ``shangpin credit show`` on a fresh SQLite registry."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from issuer import registry
from issuer.credit import rating
from shangpin.cli import cli
from storage.enums import SurveillanceResult
from storage.models import AuditEntry, CreditEvent
from storage.session import Database
from tests.factories import make_certificate

BASE = dt.date(2024, 3, 1)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'shangpin.db'}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHANGPIN_")}
    environ.update(SHANGPIN_DATABASE_URL=url, SHANGPIN_DATA_DIR=str(tmp_path),
                   SHANGPIN_ACTOR="cli-test")
    yield environ


def _seed(url: str) -> tuple[str, str, dt.date]:
    """One certificate with a visit on file: (number, holder's credit code, next due)."""
    database = Database.open(url)
    try:
        with database.transaction() as session:
            certificate = make_certificate(session, "valid", today=BASE)
            registry.record_surveillance(
                session, certificate.number,
                visited_on=certificate.valid_from + dt.timedelta(days=30),
                result=SurveillanceResult.PASSED, actor="auditor")
            assert certificate.next_surveillance is not None
            return certificate.number, certificate.subject.uscc, certificate.next_surveillance
    finally:
        database.close()


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def _count(url: str, model: type, **where: str) -> int:
    database = Database.open(url)
    try:
        with database.transaction() as session:
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return session.scalar(query) or 0
    finally:
        database.close()


def test_sweep_records_overdue_once_and_repairs_later(env: dict[str, str]) -> None:
    url = env["SHANGPIN_DATABASE_URL"]
    number, uscc, due = _seed(url)
    late = due + dt.timedelta(days=2)
    code, output = _run(env, "credit", "sweep", "--date", late.isoformat(), "--json")
    assert code == 0, output
    swept = json.loads(output)
    assert [e["source"] for e in swept["overdue"]] == [f"overdue:{number}:{due.isoformat()}"]
    assert swept["repaired"] == []
    assert _count(url, AuditEntry, action="credit.sweep", actor="cli:cli-test") == 1
    code, output = _run(env, "credit", "sweep", "--date", late.isoformat(), "--json")
    assert json.loads(output)["overdue"] == []
    assert _count(url, CreditEvent) == 2  # the passed visit and one overdue event
    assert _count(url, AuditEntry, action="credit.sweep") == 1  # nothing done, nothing audited

    code, output = _run(env, "credit", "show", uscc, "--date", late.isoformat(), "--json")
    shown = json.loads(output)
    # One minor (1 point) against one passed visit more than 12 months old: B.
    assert (shown["grade"], shown["points"], shown["counting"]) == ("B", 1, 1)

    repaired_on = rating.add_months(late, 6)
    code, output = _run(env, "credit", "sweep", "--date", repaired_on.isoformat())
    assert code == 0 and "1 event(s) repaired" in output
    code, output = _run(env, "credit", "show", uscc, "--date", repaired_on.isoformat(), "--json")
    shown = json.loads(output)
    assert shown["grade"] == "A"
    [overdue] = [e for e in shown["events"] if e["kind"] == "surveillance_overdue"]
    assert overdue["repaired_by"] == "system"
    assert overdue["repair_reason"] == "clean period of 6 months passed"


def test_bad_input_is_one_line_and_exit_status_2(env: dict[str, str]) -> None:
    _seed(env["SHANGPIN_DATABASE_URL"])
    code, output = _run(env, "credit", "sweep", "--date", "2025-13-01")
    assert code == 2 and "--date must be a date" in output
    code, output = _run(env, "credit", "show", "91310000000000000X")
    assert code == 2 and output.startswith("error:") and len(output.strip().splitlines()) == 1

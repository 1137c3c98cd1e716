"""Migration 0005 puts every consumer report made before the queue existed into it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from storage import migrate
from storage.base import utcnow
from storage.models import Alert, ConsumerReport
from storage.session import make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0004(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = (f"sqlite:///{tmp_path / 'old.db'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_database"))
    engine = make_engine(url)
    migrate.upgrade(engine, "0004")
    try:
        yield engine
    finally:
        engine.dispose()


def test_existing_reports_get_their_alerts(at_0004: Engine) -> None:
    now = utcnow()
    with at_0004.begin() as connection:
        ids = [connection.execute(insert(ConsumerReport.__table__).returning(
            ConsumerReport.__table__.c.id), {
                "created_at": now, "code": None, "certificate_number": number,
                "verdict": None, "where_bought": "", "description": text,
                "contact": "13900000000", "client_hash": "x"}).scalar_one()
               for number, text in (("SP-2025-00001", "假货\n两行"), (None, "没有码"))]
    migrate.upgrade(at_0004)
    assert migrate.differences(at_0004) == []
    with at_0004.connect() as connection:
        alerts = connection.execute(select(Alert.__table__).order_by(Alert.id)).all()
    assert [a.dedupe_key for a in alerts] == [f"report:{i}" for i in ids]
    assert [(a.kind, a.source, a.status) for a in alerts] == [
        ("consumer_report", "report", "open")] * 2
    assert alerts[0].certificate_number == "SP-2025-00001"
    assert alerts[0].summary == "Consumer report about SP-2025-00001: 假货 两行"
    assert alerts[1].details == {"report_id": ids[1], "verdict": None}
    assert all("13900000000" not in str(a.details) for a in alerts)
    # Down and up again: the backfill adds nothing twice.
    migrate.downgrade(at_0004, "0004")
    migrate.upgrade(at_0004)
    with at_0004.connect() as connection:
        assert len(connection.execute(select(Alert.__table__)).all()) == 2

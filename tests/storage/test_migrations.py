"""Migrations bring empty SQLite and PostgreSQL databases to head and back to base."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

import storage.models  # noqa: F401
from storage import migrate
from storage.base import Base
from storage.session import Database, DatabaseError, make_engine


def _round_trip(url: str) -> None:
    engine = make_engine(url)
    try:
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert migrate.differences(engine) == [], "models and migrations disagree"
        migrate.downgrade(engine)
        assert migrate.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)  # and up again: downgrade left nothing behind
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_sqlite_upgrade_and_downgrade(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'empty.db'}")


@pytest.mark.postgres
def test_postgres_upgrade_and_downgrade(pg_database: str) -> None:
    _round_trip(pg_database)


def test_new_sqlite_database_is_brought_to_head(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "fresh.db"
    database = Database.open(f"sqlite:///{path}")
    try:
        assert path.exists()
        assert migrate.current_revision(database.engine) == migrate.head_revision()
    finally:
        database.close()


@pytest.mark.postgres
def test_postgres_is_not_migrated_behind_the_operators_back(pg_database: str) -> None:
    with pytest.raises(DatabaseError, match="shangpin db upgrade"):
        Database.open(pg_database)


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(DatabaseError, match="not a database URL"):
        make_engine("not a url at all")

"""Alembic, configured in code: ``shangpin db upgrade|downgrade|current|check``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # env.py uses this engine rather than building its own from a URL.
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and current_revision(engine) == head_revision():
        return
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


def require_head(engine: Engine) -> None:
    from storage.session import DatabaseError

    current = current_revision(engine)
    if current != head_revision():
        raise DatabaseError(
            f"database is at revision {current or 'none'}, not {head_revision()}: "
            "run `shangpin db upgrade`"
        )


def differences(engine: Engine) -> list[object]:
    """What autogenerate would change: empty when models and migrations agree."""
    import storage.models  # noqa: F401  (registers every table)
    from storage.base import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return list(compare_metadata(context, Base.metadata))

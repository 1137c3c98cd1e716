"""Alembic environment: runs against the engine ``storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context

import storage.models  # noqa: F401  (registers every table)
from storage.base import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()

"""Engines and sessions. SQLite by default, PostgreSQL through the same URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker


class DatabaseError(RuntimeError):
    """The database cannot be used as configured; the message says what to do."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite make its directory, enforce foreign keys and use WAL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"SHANGPIN_DATABASE_URL is not a database URL: {url!r}") from None
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we install; plain postgresql:// would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A database host that silently drops packets must not hang callers for minutes.
    connect_args = dict(kwargs.pop("connect_args", {}))
    if "connect_timeout" not in parsed.query:
        connect_args.setdefault("connect_timeout", 5)
    kwargs.setdefault("pool_timeout", 5)
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL is still crash-safe for the database; it skips an fsync per commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@dataclass
class Database:
    """An engine with its session factory; ``open`` brings a new SQLite file to head."""

    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, url: str, *, auto_upgrade: bool = True, **engine_kwargs: Any) -> Database:
        from storage import migrate

        engine = make_engine(url, **engine_kwargs)
        try:
            if engine.dialect.name == "sqlite" and auto_upgrade:
                migrate.upgrade(engine)
            else:
                migrate.require_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, sessionmaker(engine, expire_on_commit=False))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits at the end of the block, or rolls back entirely."""
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()

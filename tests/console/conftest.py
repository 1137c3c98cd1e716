"""A real verifier with its console on loopback, over the demo registry, on SQLite
and on PostgreSQL, with one account per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from storage.models import Alert, AuditEntry, Certificate, CertificationBody, Subject
from storage.session import Database, make_engine
from tests.conftest import fresh_pg_database
from tests.verifier.conftest import ServerThread, make_settings, seed_registry
from verifier.console import accounts
from verifier.console.state import CONSOLE
from verifier.console.state import Console as ConsoleState

PASSWORD = "console-test-password-1"  # test fixture only
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    url: str
    database_url: str
    engine: Engine
    #: username -> role; every account's password is PASSWORD.
    users: dict[str, str] = field(default_factory=dict)
    officer_body: str = ""  # the body code of user "officer"
    other_body: str = ""  # a body with certificates that "officer" must not see
    holder_uscc: str = ""  # the subject of user "holder"
    data_dir: Path = Path()
    #: The running console's own state (its limiters), for tests that tighten them.
    state: ConsoleState | None = None

    @property
    def session_key(self) -> bytes:
        """The server's session key: made on first start and kept in the data dir."""
        return (self.data_dir / "session.key").read_bytes()

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD, *,
                client: httpx.Client | None = None, next_path: str = "") -> httpx.Client:
        """A client signed in as ``username`` (the answer must be the redirect)."""
        client = client or self.client()
        response = login(client, username, password, next_path=next_path)
        assert response.status_code == 303, response.text
        return client

    @contextmanager
    def as_user(self, username: str) -> Iterator[httpx.Client]:
        """A signed-in client for one ``with`` block."""
        client = self.sign_in(username)
        try:
            yield client
        finally:
            client.close()

    def audit_count(self, **where: str) -> int:
        query = select(func.count()).select_from(AuditEntry)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        with self.engine.connect() as connection:
            return connection.scalar(query) or 0


def csrf_token(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def login(client: httpx.Client, username: str, password: str, *,
          next_path: str = "") -> httpx.Response:
    form = client.get("/console/login")
    assert form.status_code == 200
    return client.post("/console/login", data={
        "username": username, "password": password, "csrf_token": csrf_token(form.text),
        "next": next_path})


def _seed_accounts(url: str) -> dict[str, str]:
    """Accounts for every role; returns the facts the tests need."""
    database = Database.open(url)
    try:
        with database.transaction() as session:
            counts = dict(session.execute(
                select(Certificate.body_id, func.count()).group_by(Certificate.body_id)).all())
            bodies = sorted(session.scalars(select(CertificationBody)),
                            key=lambda b: -counts.get(b.id, 0))
            own, other = bodies[0], bodies[1]
            assert counts.get(own.id) and counts.get(other.id), "demo needs two bodies in use"
            holder = session.scalars(select(Subject).join(
                Certificate, Certificate.subject_id == Subject.id).order_by(Subject.id)).first()
            assert holder is not None
            made = {
                "admin": ("alliance_admin", {}),
                "reviewer": ("alliance_reviewer", {}),
                "officer": ("body_officer", {"body_code": own.code}),
                "holder": ("holder", {"subject_uscc": holder.uscc}),
            }
            # One open alert on a certificate of each body, so counts differ by role.
            for body in (own, other):
                number = session.scalars(select(Certificate.number).where(
                    Certificate.body_id == body.id).order_by(Certificate.number)).first()
                session.add(Alert(kind="test", source="scan", dedupe_key=f"test:{body.code}",
                                  certificate_number=number, summary="test alert"))
            for username, (role, scope) in made.items():
                accounts.add_user(session, username=username, role=role, password=PASSWORD,
                                  actor="test-setup", client_hash="test", **scope)
            return {"officer_body": own.code, "other_body": other.code,
                    "holder_uscc": holder.uscc}
    finally:
        database.close()


def serve_console(url: str, data_dir: Path, **overrides: Any) -> Iterator[Console]:
    seed_registry(url)
    facts = _seed_accounts(url)
    engine = make_engine(url)
    settings = make_settings(url, data_dir, **overrides)
    try:
        with ServerThread(settings) as server:
            runner = server._runner  # the app itself, to reach the console's limiters
            assert runner is not None
            yield Console(server.url, url, engine,
                          users={"admin": "alliance_admin", "reviewer": "alliance_reviewer",
                                 "officer": "body_officer", "holder": "holder"},
                          data_dir=data_dir, state=runner.app[CONSOLE], **facts)
    finally:
        engine.dispose()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def console(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A seeded verifier with accounts, per backend, shared by one module's tests."""
    data_dir = tmp_path_factory.mktemp("console")
    if request.param == "sqlite":
        yield from serve_console(f"sqlite:///{data_dir / 'shangpin.db'}", data_dir)
    else:
        with fresh_pg_database(request.getfixturevalue("pg_server"), "shangpin_console") as url:
            yield from serve_console(url, data_dir)

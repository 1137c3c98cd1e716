"""CSRF defence, role checks, record-level scope, and the append-only audit trail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from storage.models import AuditEntry, Certificate, CertificationBody, StaffUser, Subject
from tests.console.conftest import PASSWORD, Console, csrf_token

NUMBERS = re.compile(r'<tr data-number="([^"]+)">')


def _active(console: Console, username: str) -> bool:
    with console.engine.connect() as connection:
        return bool(connection.scalar(select(StaffUser.active).where(
            StaffUser.username == username)))


def _password_hash(console: Console, username: str) -> str:
    with console.engine.connect() as connection:
        return str(connection.scalar(select(StaffUser.password_hash).where(
            StaffUser.username == username)))


def test_a_form_without_or_with_a_wrong_token_changes_nothing(console: Console) -> None:
    with console.as_user("admin") as client:
        token = csrf_token(client.get("/console/users").text)
        audit_rows = console.audit_count()
        attempts = [
            {},  # no token at all
            {"csrf_token": ""},
            {"csrf_token": token[:-2] + ("AA" if not token.endswith("AA") else "BB")},
        ]
        for data in attempts:
            response = client.post("/console/users/reviewer/disable", data=data)
            assert response.status_code == 403
            assert "未做任何更改" in response.text
            assert response.headers["cache-control"] == "no-store"
        # The right token, but posted from another site's page.
        foreign = client.post("/console/users/reviewer/disable", data={"csrf_token": token},
                              headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        assert _active(console, "reviewer")
        assert console.audit_count() == audit_rows  # not even an audit row
        # A password change without the token leaves the hash as it was.
        before = _password_hash(console, "admin")
        refused = client.post("/console/account/password", data={
            "current": PASSWORD, "new": "another-strong-pass-1", "again": "another-strong-pass-1"})
        assert refused.status_code == 403 and _password_hash(console, "admin") == before
        # With the right token the same forms work, and are recorded.
        done = client.post("/console/users/reviewer/disable", data={"csrf_token": token})
        assert done.status_code == 303 and not _active(console, "reviewer")
        client.post("/console/users/reviewer/enable", data={"csrf_token": token})
        assert _active(console, "reviewer")
    with console.engine.connect() as connection:
        row = connection.execute(select(AuditEntry).where(
            AuditEntry.action == "user.disable", AuditEntry.target == "user:reviewer")
            .order_by(AuditEntry.id.desc())).first()
    assert row is not None and row.actor == "admin"
    assert row.before["active"] is True and row.after["active"] is False
    assert len(row.client_hash) == 32


def test_the_login_form_needs_its_token_too(console: Console) -> None:
    audit_rows = console.audit_count()
    with console.client() as client:
        client.get("/console/login")  # sets the nonce cookie
        response = client.post("/console/login", data={
            "username": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403 and "sp_console=" not in response.headers.get(
        "set-cookie", "")
    assert console.audit_count() == audit_rows


def test_a_reviewer_cannot_reach_admin_pages(console: Console) -> None:
    with console.as_user("reviewer") as client:
        token = csrf_token(client.get("/console/").text)
        for path in ("/console/audit", "/console/users"):
            response = client.get(path)
            assert response.status_code == 403, path
            assert "您的角色无权执行此操作" in response.text
        forbidden = client.post("/console/users/admin/disable", data={"csrf_token": token})
        assert forbidden.status_code == 403
        assert _active(console, "admin")
        assert "/console/audit" not in client.get("/console/").text  # not even offered
    assert console.audit_count(actor="reviewer", action="access.denied") >= 3


def _numbers_on_home(client: object) -> set[str]:
    numbers: set[str] = set()
    page = 1
    while True:
        html = client.get(f"/console/?page={page}").text  # type: ignore[attr-defined]
        found = NUMBERS.findall(html)
        numbers |= set(found)
        if f"?page={page + 1}" not in html:
            return numbers
        page += 1


def test_an_officer_sees_only_its_own_bodys_certificates(console: Console) -> None:
    with console.engine.connect() as connection:
        own = set(connection.scalars(select(Certificate.number).join(CertificationBody).where(
            CertificationBody.code == console.officer_body)))
        other = set(connection.scalars(select(Certificate.number).join(CertificationBody).where(
            CertificationBody.code == console.other_body)))
    assert own and other
    with console.as_user("officer") as client:
        assert _numbers_on_home(client) == own
        mine = sorted(own)[0]
        assert client.get(f"/console/certificates/{mine}").status_code == 200
        theirs = client.get(f"/console/certificates/{sorted(other)[0]}")
        assert theirs.status_code == 404 and sorted(other)[0] not in theirs.text


def test_a_holder_sees_only_its_own_certificates(console: Console) -> None:
    with console.engine.connect() as connection:
        own = set(connection.scalars(select(Certificate.number).join(Subject).where(
            Subject.uscc == console.holder_uscc)))
        everyone = set(connection.scalars(select(Certificate.number)))
    assert own and everyone - own
    with console.as_user("holder") as client:
        assert _numbers_on_home(client) == own
        stranger = sorted(everyone - own)[0]
        assert client.get(f"/console/certificates/{stranger}").status_code == 404
        assert client.get("/console/audit").status_code == 403


def _open_alerts_on_home(client: object) -> int:
    home = client.get("/console/").text  # type: ignore[attr-defined]
    found = re.search(r'data-status="open"><span class="count-value">(\d+)<', home)
    assert found
    return int(found.group(1))


def test_alliance_staff_see_everything_others_their_own_alerts(console: Console) -> None:
    with console.engine.connect() as connection:
        everyone = set(connection.scalars(select(Certificate.number)))
        open_alerts = connection.scalar(text("SELECT count(*) FROM alerts WHERE status = 'open'"))
        officer_alerts = connection.scalar(
            text("SELECT count(*) FROM alerts JOIN certificates c ON c.number = "
                 "alerts.certificate_number JOIN certification_bodies b ON b.id = c.body_id "
                 "WHERE alerts.status = 'open' AND b.code = :code"),
            {"code": console.officer_body})
    assert open_alerts and officer_alerts and officer_alerts < open_alerts
    with console.as_user("reviewer") as client:
        assert _numbers_on_home(client) == everyone
        assert _open_alerts_on_home(client) == open_alerts
    with console.as_user("officer") as client:
        assert _open_alerts_on_home(client) == officer_alerts


def test_logins_are_in_the_audit_trail_and_only_admins_read_it(console: Console) -> None:
    with console.as_user("admin") as client:
        page = client.get("/console/audit?action=login.success&actor=admin")
    assert page.status_code == 200
    rows = re.findall(r'<tr data-action="([^"]+)">', page.text)
    assert rows and set(rows) == {"login.success"}
    with console.engine.connect() as connection:
        counted = connection.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "login.success", AuditEntry.actor == "admin"))
    assert len(rows) == min(counted or 0, 100)


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(actor="someone-else"),
    delete(AuditEntry),
], ids=["update", "delete"])
def test_audit_rows_cannot_be_changed_or_removed(console: Console, statement: object) -> None:
    before = console.audit_count()
    assert before > 0
    with pytest.raises(DBAPIError, match="append-only"), console.engine.begin() as connection:
        connection.execute(statement)  # type: ignore[call-overload]
    assert console.audit_count() == before
    assert console.audit_count(actor="someone-else") == 0


def test_postgresql_refuses_truncating_the_audit_trail(console: Console) -> None:
    if console.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has only DELETE, tested above")
    before = console.audit_count()
    with pytest.raises(DBAPIError, match="append-only"), console.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_entries"))
    assert console.audit_count() == before

"""Signing in and out: sessions, lock-out, no user enumeration, safe redirects."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from storage.models import StaffSession, StaffUser
from tests.console.conftest import PASSWORD, Console, csrf_token, login
from verifier.console.sessions import digest
from verifier.ratelimit import RateLimiter


def _sessions_of(console: Console, username: str) -> int:
    with console.engine.connect() as connection:
        return len(connection.execute(select(StaffSession.id).join(StaffUser).where(
            StaffUser.username == username)).all())


def test_pages_need_a_session_and_remember_where_to_go(console: Console) -> None:
    with console.client() as client:
        response = client.get("/console/audit?actor=admin")
        assert response.status_code == 303
        expected = "/console/login?next=%2Fconsole%2Faudit%3Factor%3Dadmin"
        assert response.headers["location"] == expected
        assert client.get("/console").headers["location"] == "/console/"
        signed_in = login(client, "admin", PASSWORD, next_path="/console/audit?actor=admin")
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/console/audit?actor=admin"


def test_login_logout_round_trip(console: Console) -> None:
    with console.client() as client:
        form = client.get("/console/login")
        assert "工作人员登录" in form.text and form.headers["content-language"] == "zh-CN"
        assert "Staff sign-in" in client.get("/console/login?lang=en").text
        before = _sessions_of(console, "reviewer")
        response = login(client, "reviewer", PASSWORD)
        assert response.status_code == 303 and response.headers["location"] == "/console/"
        cookie = next(c for c in response.headers.get_list("set-cookie")
                      if c.startswith("sp_console="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age" not in cookie
        assert _sessions_of(console, "reviewer") == before + 1
        home = client.get("/console/")
        assert home.status_code == 200 and 'data-role="alliance_reviewer"' in home.text
        out = client.post("/console/logout", data={"csrf_token": csrf_token(home.text)})
        assert out.status_code == 303 and out.headers["location"] == "/console/login?ended=1"
        assert _sessions_of(console, "reviewer") == before
        assert client.get("/console/").status_code == 303
    assert console.audit_count(actor="reviewer", action="logout") >= 1


def test_a_new_login_replaces_the_session_token(console: Console) -> None:
    with console.client() as client:
        login(client, "holder", PASSWORD)
        first = client.cookies["sp_console"]
        login(client, "holder", PASSWORD)
        second = client.cookies["sp_console"]
    assert first != second
    with console.engine.connect() as connection:
        digests = set(connection.scalars(select(StaffSession.token_digest)))
    key = console.session_key
    assert digest(key, first) not in digests and digest(key, second) in digests


def test_unknown_user_and_wrong_password_look_the_same(console: Console) -> None:
    with console.client() as client:
        unknown = login(client, "nobody-here", "whatever-password-1")
        wrong = login(client, "holder", "not-the-password-1")
    assert unknown.status_code == wrong.status_code == 401
    message = "用户名或密码不正确，或账户已被暂时锁定。"
    assert message in unknown.text and message in wrong.text
    assert "sp_console" not in unknown.headers.get("set-cookie", "")


def test_five_wrong_passwords_lock_the_account(console: Console) -> None:
    with console.client() as client:
        for _ in range(5):
            assert login(client, "officer", "wrong-password-123").status_code == 401
        with console.engine.connect() as connection:
            user = connection.execute(select(StaffUser).where(
                StaffUser.username == "officer")).one()
        assert user.locked_until is not None
        assert user.locked_until > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
        # Now even the right password is refused, with the same generic answer.
        locked = login(client, "officer", PASSWORD)
        assert locked.status_code == 401 and "sp_console=" not in locked.headers.get(
            "set-cookie", "")
    assert console.audit_count(actor="officer", action="login.lockout") == 1
    assert console.audit_count(actor="officer", action="login.locked") == 1
    # When the lock-out has run out, the right password works again.
    with console.engine.begin() as connection:
        connection.execute(update(StaffUser).where(StaffUser.username == "officer").values(
            locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    console.sign_in("officer").close()


def test_next_never_leaves_the_console(console: Console) -> None:
    for target in ("https://evil.example/", "//evil.example/console", "/\\evil.example",
                   "/registry", "javascript:alert(1)"):
        with console.client() as client:
            response = login(client, "admin", PASSWORD, next_path=target)
            assert response.headers["location"] == "/console/", target


def test_idle_and_expired_sessions_end(console: Console) -> None:
    for column in ("last_seen_at", "expires_at"):
        with console.client() as client:
            console.sign_in("reviewer", client=client)
            assert client.get("/console/").status_code == 200
            key = console.session_key
            past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)
            with console.engine.begin() as connection:
                connection.execute(update(StaffSession).where(
                    StaffSession.token_digest == digest(key, client.cookies["sp_console"])
                ).values({column: past}))
            assert client.get("/console/").status_code == 303, column


def test_console_answers_are_never_cached_nor_framed(console: Console) -> None:
    with console.as_user("admin") as client:
        for path in ("/console/", "/console/audit", "/console/users",
                     "/console/account/password"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "no-store"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["x-content-type-options"] == "nosniff"
    with console.client() as client:
        assert client.get("/console/login").headers["cache-control"] == "no-store"


def test_sign_in_attempts_are_limited_per_account_and_per_client(console: Console) -> None:
    state = console.state
    assert state is not None
    saved = state.per_client, state.per_account
    state.per_client, state.per_account = RateLimiter(50, 900), RateLimiter(3, 900)
    try:
        with console.client() as client:
            for _ in range(3):
                assert login(client, "reviewer", "wrong-password-xyz").status_code == 401
            refused = login(client, "reviewer", PASSWORD)  # right, but over the limit
            assert refused.status_code == 429 and "登录尝试过于频繁" in refused.text
            assert login(client, "admin", PASSWORD).status_code == 303  # other accounts: fine
        state.per_client = RateLimiter(2, 900)
        with console.client() as client:
            assert login(client, "holder", PASSWORD).status_code == 303
            assert login(client, "admin", PASSWORD).status_code == 303
            assert login(client, "holder", PASSWORD).status_code == 429
    finally:
        state.per_client, state.per_account = saved
    # Refused attempts never reached the password check, so they left no failure count.
    with console.engine.connect() as connection:
        failed = connection.scalar(select(StaffUser.failed_logins).where(
            StaffUser.username == "reviewer"))
    assert failed == 3

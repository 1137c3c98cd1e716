"""Status actions on the console certificate page: who may do what, and the public pages."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from issuer import status
from storage.models import AuditEntry
from tests.console.conftest import Console, csrf_token
from tests.console.lifecycle_factory import audit_rows, make, state_of

TAGS = re.compile(r"<[^>]+>")
#: A message key shown instead of its text: a key missing from the catalogue.
RAW_KEY = re.compile(r"\b(lifecycle|surveillance|reports|console|status|scheme|scope)\.[a-z_]+")


def _post(client: httpx.Client, number: str, **data: str) -> httpx.Response:
    token = csrf_token(client.get("/console/").text)
    return client.post(f"/console/certificates/{number}/status",
                       data={"csrf_token": token, **data})


def _public(console: Console, path: str) -> str:
    with console.client() as client:
        response = client.get(path)
    assert response.status_code == 200
    return response.text


def test_suspend_needs_a_reason_and_shows_on_the_public_pages_at_once(console: Console) -> None:
    made = make(console.engine, console.officer_body)
    target = f"certificate:{made.number}"
    with console.as_user("officer") as client:
        page = client.get(f"/console/certificates/{made.number}")
        assert page.status_code == 200
        # Only what the rules allow from "valid": no reinstating, no issuing.
        for action in ("suspend", "revoke", "terminate"):
            assert f'id="action-{action}"' in page.text
        for action in ("reinstate", "activate"):
            assert f'id="action-{action}"' not in page.text

        refused = _post(client, made.number, action="suspend", reason="   ")
        assert refused.status_code == 400 and "请填写原因" in refused.text
        assert state_of(console.engine, made.number) == "valid"
        assert audit_rows(console.engine, "certificate.suspend", target) == 0

        reason = "证后监督发现标志使用超出认证范围，暂停至整改完成"
        done = _post(client, made.number, action="suspend", reason=reason)
        assert done.status_code == 303
        assert done.headers["location"].startswith(f"/console/certificates/{made.number}?done=")
    assert state_of(console.engine, made.number) == "suspended"
    certificate_page = _public(console, f"/certificates/{made.number}")
    scan_page = _public(console, made.mark_path)
    for html in (certificate_page, scan_page):
        assert "暂停" in html and reason in html
    with console.engine.connect() as connection:
        row = connection.execute(select(AuditEntry).where(
            AuditEntry.action == "certificate.suspend", AuditEntry.target == target)).one()
    assert row.actor == "officer"
    assert row.before["state"] == "valid" and row.after["state"] == "suspended"
    assert row.after["reason"] == reason

    with console.as_user("officer") as client:
        page = client.get(f"/console/certificates/{made.number}?done=suspend")
        assert 'data-done="suspend"' in page.text and 'id="action-reinstate"' in page.text
        assert _post(client, made.number, action="reinstate", reason="").status_code == 400
        assert state_of(console.engine, made.number) == "suspended"
        assert _post(client, made.number, action="reinstate",
                     reason="整改完成，复查合格").status_code == 303
    assert state_of(console.engine, made.number) == "valid"
    assert "有效" in _public(console, made.mark_path)


def test_revoke_and_terminate_end_the_certificate(console: Console) -> None:
    revoked = make(console.engine, console.other_body)
    terminated = make(console.engine, console.other_body, outcome="suspended")
    with console.as_user("admin") as client:
        assert _post(client, revoked.number, action="revoke",
                     reason="抽检不合格且逾期未整改").status_code == 303
        assert _post(client, terminated.number, action="terminate",
                     reason="获证主体申请注销").status_code == 303
        # Nothing more may happen to an ended certificate.
        page = client.get(f"/console/certificates/{revoked.number}")
        assert 'id="no-actions"' in page.text and 'id="action-' not in page.text
        again = _post(client, revoked.number, action="reinstate", reason="误操作")
        assert again.status_code == 409 and "撤销" in again.text
    assert state_of(console.engine, revoked.number) == "revoked"
    assert state_of(console.engine, terminated.number) == "terminated"
    assert "撤销" in _public(console, f"/certificates/{revoked.number}")
    assert "终止" in _public(console, terminated.mark_path)


def test_an_illegal_change_is_refused_with_the_rule_and_changes_nothing(console: Console) -> None:
    made = make(console.engine, console.officer_body)
    with console.as_user("admin") as client:
        response = _post(client, made.number, action="reinstate", reason="无需恢复")
        assert response.status_code == 409
        assert "不能执行此操作" in response.text and "未做任何更改" in response.text
        unknown = _post(client, made.number, action="delete", reason="x")
        assert unknown.status_code == 400
    assert state_of(console.engine, made.number) == "valid"
    assert audit_rows(console.engine, "certificate.reinstate", f"certificate:{made.number}") == 0


def test_a_reviewer_cannot_revoke(console: Console) -> None:
    made = make(console.engine, console.officer_body)
    with console.as_user("reviewer") as client:
        page = client.get(f"/console/certificates/{made.number}")
        assert page.status_code == 200 and 'id="lifecycle"' not in page.text
        denied_before = console.audit_count(action="access.denied", actor="reviewer")
        response = _post(client, made.number, action="revoke", reason="越权尝试")
        assert response.status_code == 403
    assert state_of(console.engine, made.number) == "valid"
    assert audit_rows(console.engine, "certificate.revoke", f"certificate:{made.number}") == 0
    assert console.audit_count(action="access.denied", actor="reviewer") == denied_before + 1


def test_an_officer_cannot_touch_another_bodys_certificate(console: Console) -> None:
    made = make(console.engine, console.other_body)
    with console.as_user("officer") as client:
        assert client.get(f"/console/certificates/{made.number}").status_code == 404
        response = _post(client, made.number, action="suspend", reason="越权尝试")
        assert response.status_code == 404
    assert state_of(console.engine, made.number) == "valid"
    assert audit_rows(console.engine, "certificate.suspend", f"certificate:{made.number}") == 0


def test_a_form_without_the_csrf_token_changes_nothing(console: Console) -> None:
    made = make(console.engine, console.officer_body)
    with console.as_user("admin") as client:
        rows = console.audit_count()  # after signing in, which is recorded
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(f"/console/certificates/{made.number}/status",
                                   data={"action": "revoke", "reason": "伪造请求", **data})
            assert response.status_code == 403
    assert state_of(console.engine, made.number) == "valid"
    assert console.audit_count() == rows


def test_objections_hold_issuing_until_decided(console: Console) -> None:
    held = make(console.engine, console.officer_body, outcome="publicity", days_ago=20)
    stopped = make(console.engine, console.officer_body, outcome="publicity", days_ago=20)
    with console.as_user("officer") as client:
        page = client.get(f"/console/certificates/{held.number}")
        assert 'id="action-activate"' in page.text and 'id="lodge-objection"' in page.text
        token = csrf_token(page.text)
        for number in (held.number, stopped.number):
            empty = client.post(f"/console/certificates/{number}/objections",
                                data={"csrf_token": token, "lodged_by": "", "text": "x"})
            assert empty.status_code == 400
            lodged = client.post(f"/console/certificates/{number}/objections", data={
                "csrf_token": token, "lodged_by": "消费者张某", "text": "该企业产品曾被抽检不合格"})
            assert lodged.status_code == 303
        refused = _post(client, held.number, action="activate")
        assert refused.status_code == 409 and "异议未处理" in refused.text
        assert state_of(console.engine, held.number) == "publicity"

        def objection_id(number: str) -> str:
            html = client.get(f"/console/certificates/{number}").text
            return html.split('data-objection="', 1)[1].split('"', 1)[0]

        held_objection, stopped_objection = objection_id(held.number), objection_id(stopped.number)
        no_reason = client.post(
            f"/console/certificates/{held.number}/objections/{held_objection}",
            data={"csrf_token": token, "outcome": "dismiss", "reason": ""})
        assert no_reason.status_code == 400
        # An objection is decided on its own certificate's page only.
        crossed = client.post(
            f"/console/certificates/{held.number}/objections/{stopped_objection}",
            data={"csrf_token": token, "outcome": "dismiss", "reason": "不成立"})
        assert crossed.status_code == 404
        assert client.post(
            f"/console/certificates/{held.number}/objections/{held_objection}",
            data={"csrf_token": token, "outcome": "dismiss",
                  "reason": "经核查，抽检问题已整改"}).status_code == 303
        assert client.post(
            f"/console/certificates/{stopped.number}/objections/{stopped_objection}",
            data={"csrf_token": token, "outcome": "uphold",
                  "reason": "核实存在未整改问题"}).status_code == 303
        assert _post(client, held.number, action="activate").status_code == 303
        upheld = _post(client, stopped.number, action="activate")
        assert upheld.status_code == 409 and "异议成立" in upheld.text
    assert state_of(console.engine, held.number) == "valid"
    assert state_of(console.engine, stopped.number) == "publicity"
    assert "有效" in _public(console, held.mark_path)
    assert audit_rows(console.engine, "objection.dismiss", f"certificate:{held.number}") == 1
    assert audit_rows(console.engine, "objection.uphold", f"certificate:{stopped.number}") == 1


def test_issuing_waits_for_the_publicity_window(console: Console) -> None:
    made = make(console.engine, console.officer_body, outcome="publicity", days_ago=2)
    with console.as_user("officer") as client:
        page = client.get(f"/console/certificates/{made.number}")
        assert 'id="action-activate"' not in page.text
        response = _post(client, made.number, action="activate")
        assert response.status_code == 409 and "公示期至" in response.text
    assert state_of(console.engine, made.number) == "publicity"


def test_every_lifecycle_page_has_its_texts_in_both_languages(console: Console) -> None:
    pending = make(console.engine, console.officer_body, outcome="publicity", days_ago=20)
    visited = make(console.engine, console.officer_body, days_ago=300, visit=(250, -15))
    year = status.today().year
    paths = [f"/console/certificates/{pending.number}", f"/console/certificates/{visited.number}",
             "/console/certificates/new", "/console/surveillance", "/console/reports",
             f"/console/reports/body/{console.officer_body}/{year}",
             f"/console/reports/alliance/{year}"]
    with console.as_user("admin") as client:
        token = csrf_token(client.get("/console/").text)
        client.post(f"/console/certificates/{pending.number}/objections", data={
            "csrf_token": token, "lodged_by": "某人", "text": "异议"})
        for language in ("zh", "en"):
            for path in paths:
                response = client.get(path, params={"lang": language})
                assert response.status_code == 200, path
                text = TAGS.sub(" ", response.text)
                assert not RAW_KEY.search(text), (path, language, RAW_KEY.search(text))
                assert f'lang="{"en" if language == "en" else "zh-CN"}"' in response.text


def test_a_holder_reads_its_certificate_without_forms_or_objectors(console: Console) -> None:
    made = make(console.engine, console.officer_body, outcome="publicity", days_ago=20,
                subject_uscc=console.holder_uscc)
    with console.as_user("admin") as client:
        token = csrf_token(client.get("/console/").text)
        assert client.post(f"/console/certificates/{made.number}/objections", data={
            "csrf_token": token, "lodged_by": "投诉人李某", "text": "异议内容"}).status_code == 303
    with console.as_user("holder") as client:
        page = client.get(f"/console/certificates/{made.number}")
        assert page.status_code == 200
        for hidden in ('id="lifecycle"', 'id="objections"', "投诉人李某", 'id="record-visit"'):
            assert hidden not in page.text
        assert _post(client, made.number, action="activate").status_code == 403
    assert state_of(console.engine, made.number) == "publicity"

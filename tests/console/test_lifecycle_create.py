"""Creating a certificate from the console: field checks, scope of an officer, signing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shangpin.demo import demo_uscc
from storage.models import Certificate, CertificationBody, Subject
from storage.uscc import check_character
from tests.console.conftest import Console, csrf_token, serve_console
from tests.console.lifecycle_factory import audit_rows, state_of
from verifier.console import lifecycle_create


def _form(client: httpx.Client, **fields: str) -> dict[str, str]:
    page = client.get("/console/certificates/new")
    assert page.status_code == 200
    return {"csrf_token": csrf_token(page.text), "scheme": "shangpin",
            "standard": "T/SHBA 050-2026", "publicity_days": "7", "scope_kind_0": "product",
            "scope_name_0": "红烧酱油", "scope_category_0": "调味品", **fields}


def _count(console: Console, model: Any) -> int:
    with console.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model)) or 0


def _new_code(serial: int) -> str:
    body = f"91310000{serial:08d}0"[:17]
    return body + check_character(body)


def test_a_bad_credit_code_is_shown_on_its_field_and_nothing_is_written(
        console: Console) -> None:
    good = _new_code(77_001)
    wrong_check = good[:17] + ("1" if good[17] != "1" else "2")
    certificates, subjects = _count(console, Certificate), _count(console, Subject)
    with console.as_user("admin") as client:
        for code, says in ((wrong_check, "校验位错误"), ("91310000ABC", "应为 18 位"),
                           ("91310000OOOOOOOO0X", "不允许的字符")):
            response = client.post("/console/certificates/new", data=_form(
                client, subject_mode="new", new_name="上海测试新主体有限公司", new_uscc=code,
                body_code=console.other_body))
            assert response.status_code == 400
            assert 'id="error-new_uscc"' in response.text and says in response.text
            # The form comes back as it was typed.
            assert "上海测试新主体有限公司" in response.text and "红烧酱油" in response.text
        missing = client.post("/console/certificates/new", data=_form(
            client, subject_uscc="", standard="", scope_name_0="", scope_category_0="",
            body_code=console.other_body))
        assert missing.status_code == 400
        for field in ("subject_uscc", "standard", "scope"):
            assert f'id="error-{field}"' in missing.text
    assert (_count(console, Certificate), _count(console, Subject)) == (certificates, subjects)


def test_an_admin_creates_a_certificate_for_a_new_holder(console: Console) -> None:
    code = _new_code(77_002)
    with console.as_user("admin") as client:
        response = client.post("/console/certificates/new", data=_form(
            client, subject_mode="new", new_name="上海新字号食品有限公司", new_uscc=code.lower(),
            new_address="上海市静安区南京西路 1 号", body_code=console.other_body))
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        number = location.split("/console/certificates/", 1)[1].split("?", 1)[0]
        page = client.get(location)
        assert 'data-done="created"' in page.text and "红烧酱油" in page.text
    assert state_of(console.engine, number) == "publicity"
    with console.engine.connect() as connection:
        body = connection.scalar(select(CertificationBody.code).join(
            Certificate, Certificate.body_id == CertificationBody.id).where(
            Certificate.number == number))
        holder = connection.scalar(select(Subject.name).where(Subject.uscc == code))
    assert body == console.other_body and holder == "上海新字号食品有限公司"
    assert audit_rows(console.engine, "certificate.create", f"certificate:{number}") == 1
    assert audit_rows(console.engine, "subject.add", f"subject:{code}") == 1
    with console.client() as public:
        shown = public.get(f"/certificates/{number}")
    assert shown.status_code == 200 and "公示中" in shown.text
    # The same code again is refused: that holder now exists.
    with console.as_user("admin") as client:
        again = client.post("/console/certificates/new", data=_form(
            client, subject_mode="new", new_name="重复主体", new_uscc=code,
            body_code=console.other_body))
        assert again.status_code == 400 and "已有该代码的主体" in again.text


def test_an_officer_creates_only_for_its_own_body(console: Console) -> None:
    with console.as_user("officer") as client:
        page = client.get("/console/certificates/new")
        assert console.other_body not in page.text  # no choice of another body
        response = client.post("/console/certificates/new", data=_form(
            client, subject_uscc=demo_uscc(1000), body_code=console.other_body))
        assert response.status_code == 303
        number = response.headers["location"].split("/console/certificates/", 1)[1]
        number = number.split("?", 1)[0]
    with console.engine.connect() as connection:
        body = connection.scalar(select(CertificationBody.code).join(
            Certificate, Certificate.body_id == CertificationBody.id).where(
            Certificate.number == number))
    assert body == console.officer_body


def test_reviewers_and_holders_cannot_create(console: Console) -> None:
    before = _count(console, Certificate)
    for username in ("reviewer", "holder"):
        with console.as_user(username) as client:
            assert client.get("/console/certificates/new").status_code == 403
            token = csrf_token(client.get("/console/").text)
            response = client.post("/console/certificates/new", data={
                "csrf_token": token, "scheme": "shangpin", "subject_uscc": demo_uscc(1000),
                "standard": "T/X", "scope_name_0": "x", "scope_category_0": "y"})
            assert response.status_code == 403
    assert _count(console, Certificate) == before


@pytest.fixture(scope="module")
def unsigned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console whose server has no key passphrase (SQLite only)."""
    data_dir = tmp_path_factory.mktemp("console-unsigned")
    yield from serve_console(f"sqlite:///{data_dir / 'shangpin.db'}", data_dir,
                             key_passphrase=None)


def test_without_the_key_passphrase_nothing_is_written(unsigned: Console) -> None:
    certificates, subjects = _count(unsigned, Certificate), _count(unsigned, Subject)
    with unsigned.as_user("admin") as client:
        response = client.post("/console/certificates/new", data=_form(
            client, subject_mode="new", new_name="上海无签名测试有限公司",
            new_uscc=_new_code(77_003), body_code=unsigned.other_body))
        assert response.status_code == 503
        assert "SHANGPIN_KEY_PASSPHRASE" in response.text and "未保存任何数据" in response.text
    assert (_count(unsigned, Certificate), _count(unsigned, Subject)) == (certificates, subjects)


def _suggested(page: str) -> list[str]:
    listed = page[page.index('<datalist id="known-subjects">'):]
    listed = listed[:listed.index("</datalist>")]
    return re.findall(r'<option value="([0-9A-Z]{18})">', listed)


def test_the_form_suggests_only_subjects_the_user_may_see_and_at_most_a_few(
        console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    with console.engine.connect() as connection:
        own = set(connection.scalars(select(Subject.uscc).join(
            Certificate, Certificate.subject_id == Subject.id).join(
            CertificationBody, CertificationBody.id == Certificate.body_id).where(
            CertificationBody.code == console.officer_body)))
        everyone = set(connection.scalars(select(Subject.uscc)))
    assert own and everyone - own, "the demo needs clients of other bodies"
    with console.as_user("officer") as client:
        page = client.get("/console/certificates/new").text
    shown = _suggested(page)
    assert shown and set(shown) <= own
    assert 'id="subject-hint"' in page
    monkeypatch.setattr(lifecycle_create, "MAX_SUGGESTIONS", 3)
    with console.as_user("admin") as client:
        assert len(_suggested(client.get("/console/certificates/new").text)) == 3

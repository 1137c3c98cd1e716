"""Seller matching: a valid credit code alone decides, else the normalised name; and the
registry view that feeds the rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from crawler.listing import Seller
from crawler.misuse.matching import (
    MatchMethod,
    SubjectRef,
    clean_credit_code,
    match_seller,
    name_index,
    normalise_name,
)
from crawler.misuse.registry_view import RegistryView
from issuer import status
from storage.enums import Scheme
from tests.factories import make_certificate, make_subject, make_uscc

CODE_A = make_uscc()
CODE_B = make_uscc()
A = SubjectRef(1, "上海桂香食品（集团）有限公司", CODE_A)
B = SubjectRef(2, "上海茶韵贸易有限公司", CODE_B)
BY_CODE = {A.credit_code: A, B.credit_code: B}
BY_NAME = name_index([A, B])


# ---------------------------------------------------------------- names and codes


@pytest.mark.parametrize("shown", [
    "上海桂香食品(集团)有限公司",  # half-width brackets
    "上海桂香食品【集团】有限公司",  # other brackets
    " 上海 桂香食品（集团）有限公司。",  # spaces and punctuation
    "上海桂香食品\u3000(集团)有限公司",  # ideographic space
])
def test_name_spellings_normalise_alike(shown: str) -> None:
    assert normalise_name(shown) == normalise_name(A.name)


def test_full_width_and_case_fold_alike() -> None:
    assert normalise_name("ＡＢＣ Ｆｏｏｄ Co., Ltd.") == normalise_name("abc food co ltd")
    assert normalise_name("ABC·FOOD") == "abcfood"


def test_different_names_stay_different() -> None:
    assert normalise_name("上海桂香食品集团有限公司") != normalise_name(A.name)  # brackets kept
    assert normalise_name("上海桂香食品有限公司") != normalise_name(A.name)
    assert normalise_name("   。") == ""


def test_credit_code_is_cleaned_then_checked() -> None:
    spaced = " ".join([CODE_A[:6].lower(), CODE_A[6:12], CODE_A[12:]])
    assert clean_credit_code(spaced) == CODE_A
    wrong_check = CODE_A[:17] + ("0" if CODE_A[17] != "0" else "1")
    assert clean_credit_code(wrong_check) is None
    full_width = CODE_A.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert clean_credit_code(full_width) is None  # only spaces and case are forgiven
    assert clean_credit_code("") is None
    assert clean_credit_code(None) is None


# ---------------------------------------------------------------- matching rules


def test_a_valid_code_matches_by_code_only() -> None:
    match = match_seller("上海茶韵贸易有限公司", CODE_A.lower(), by_code=BY_CODE,
                         by_name=BY_NAME)
    assert match.method is MatchMethod.CREDIT_CODE
    assert match.subject == A  # the code wins over a name that is B's


def test_a_valid_code_no_subject_has_is_no_match_even_if_the_name_matches() -> None:
    match = match_seller(A.name, make_uscc(), by_code=BY_CODE, by_name=BY_NAME)
    assert match.method is MatchMethod.NONE
    assert match.subject is None
    assert match.credit_code is not None


def test_an_invalid_code_falls_back_to_the_name() -> None:
    match = match_seller("上海桂香食品(集团)有限公司", CODE_A[:17] + "?", by_code=BY_CODE,
                         by_name=BY_NAME)
    assert match.method is MatchMethod.NAME
    assert match.subject == A


def test_full_width_name_matches() -> None:
    shown = "上海茶韵贸易有限公司".replace("上海", "上海　")
    assert match_seller(shown, None, by_code=BY_CODE, by_name=BY_NAME).subject == B


def test_two_subjects_with_one_normalised_name_are_no_match() -> None:
    twin = SubjectRef(3, "上海茶韵贸易 有限公司", make_uscc())
    match = match_seller(B.name, None, by_code=BY_CODE, by_name=name_index([A, B, twin]))
    assert match.method is MatchMethod.NONE
    assert match.name_candidates == 2


def test_no_name_and_no_code_is_no_match() -> None:
    assert match_seller(None, None, by_code=BY_CODE, by_name=BY_NAME).method is MatchMethod.NONE
    assert match_seller("。", None, by_code=BY_CODE, by_name=BY_NAME).method is MatchMethod.NONE


# ---------------------------------------------------------------- the registry view


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """SQL statements executed on the engine during the test."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_registry_view_matches_and_loads_in_one_query(session: Session,
                                                      statements: list[str]) -> None:
    seller = make_subject(session, "上海桂香食品（集团）有限公司")
    suspended = make_certificate(session, "suspended", subject=seller)
    expired = make_certificate(session, "expired", subject=seller, scheme=Scheme.CULTIVATION)
    theirs = make_certificate(session, "valid")
    session.flush()
    view = RegistryView()
    on = status.today()
    spaced = f"{seller.uscc[:9]} {seller.uscc[9:].lower()}"
    view.lookup(session, Seller("whatever", spaced), [], on)  # loads the name index
    statements.clear()

    found = view.lookup(session, Seller("whatever", spaced), [theirs.number], on)
    assert len(statements) == 1
    assert found.match.method is MatchMethod.CREDIT_CODE
    assert found.match.subject is not None and found.match.subject.id == seller.id
    shown = {c.number: (c.scheme, c.status.value) for c in found.certificates}
    assert shown == {suspended.number: ("shangpin", "suspended"),
                     expired.number: ("cultivation", "expired")}
    assert [s.name for c in found.certificates for s in c.scope] == ["桂花糕", "桂花糕"]
    resolved = found.resolve(theirs.number)
    assert resolved is not None and resolved.subject_id == theirs.subject_id
    assert found.resolve("SP-1999-00001") is None


def test_registry_view_matches_by_name_without_a_valid_code(session: Session) -> None:
    seller = make_subject(session, "上海茶韵（国际）贸易有限公司")
    make_certificate(session, "valid", subject=seller)
    session.flush()
    found = RegistryView().lookup(session, Seller("上海茶韵(国际)贸易 有限公司", "N/A"), [],
                                  status.today())
    assert found.match.method is MatchMethod.NAME
    assert found.match.subject is not None and found.match.subject.id == seller.id
    assert [c.status.value for c in found.certificates] == ["valid"]


def test_registry_view_sees_a_new_subject_after_its_refresh_interval(session: Session) -> None:
    now = [0.0]
    view = RegistryView(refresh_seconds=30, clock=lambda: now[0])
    on = status.today()
    assert view.lookup(session, Seller("上海新来食品有限公司"), [], on).match.subject is None
    newcomer = make_subject(session, "上海新来食品有限公司")
    session.flush()
    # Within the interval the name index is not re-read; a credit code is always read live.
    assert view.lookup(session, Seller("上海新来食品有限公司"), [], on).match.subject is None
    by_code = view.lookup(session, Seller(None, newcomer.uscc), [], on)
    assert by_code.match.subject is not None
    now[0] = 31.0
    found = view.lookup(session, Seller("上海新来食品有限公司"), [], on)
    assert found.match.subject is not None and found.match.subject.id == newcomer.id


def test_statuses_are_judged_on_the_capture_date(session: Session) -> None:
    seller = make_subject(session)
    certificate = make_certificate(session, "valid", subject=seller)
    session.flush()
    after = certificate.valid_until + dt.timedelta(days=1)
    found = RegistryView().lookup(session, Seller(None, seller.uscc), [], after)
    assert [c.status.value for c in found.certificates] == ["expired"]

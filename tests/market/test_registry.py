"""Seeding the marketplace's holders: every status, idempotent, beside the demo in either order."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import InvalidInput, NotFound
from shangpin import demo
from shangpin.market import load_registry, seed_registry
from shangpin.market.cast import make_cast
from storage.models import Certificate, Subject
from storage.uscc import check_character, is_valid_uscc
from tests.market.conftest import PASSPHRASE


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Subject)) or 0,
        session.scalar(select(func.count()).select_from(Certificate)) or 0,
    )


def test_every_status_and_both_schemes(session: Session) -> None:
    # Dated ten days back: every status shows as planned on that day.
    today = status.today() - dt.timedelta(days=10)
    market = seed_registry(session, PASSPHRASE, seed=11, today=today)
    shown = {}
    for role, holder in market.holders.items():
        certificate = registry.get_certificate(session, holder.number)
        assert certificate.subject.uscc == holder.plan.uscc
        assert certificate.mark_code == holder.mark_code
        assert certificate.scheme is holder.plan.scheme
        assert [(i.kind, i.name, i.category) for i in certificate.scope] == list(holder.plan.scope)
        public = status.public_status(certificate.state, certificate.valid_until, today).value
        assert public == holder.plan.outcome, role
        shown[role] = public
    assert set(shown.values()) == {"valid", "suspended", "revoked", "expired", "terminated",
                                   "publicity"}
    assert list(shown.values()).count("valid") >= 3
    assert {h.plan.scheme.value for h in market.holders.values()} == {"shangpin", "cultivation"}


def test_seeding_again_changes_nothing(session: Session) -> None:
    first = seed_registry(session, PASSPHRASE, seed=12)
    before = _counts(session)
    again = seed_registry(session, PASSPHRASE, seed=12)
    assert again == first
    assert _counts(session) == before
    assert load_registry(session, seed=12) == first
    # Another seed's holders sit beside them, with numbers of their own.
    other = seed_registry(session, PASSPHRASE, seed=13)
    numbers = {h.number for h in first.holders.values()} | {
        h.number for h in other.holders.values()}
    assert len(numbers) == len(first.holders) + len(other.holders)


def test_unseeded_registry_is_refused_clearly(session: Session) -> None:
    with pytest.raises(NotFound, match="sample market of seed 15 is not in the registry"):
        load_registry(session, seed=15)


def test_a_holder_name_taken_by_another_subject_is_refused(session: Session) -> None:
    plan = next(iter(make_cast(16).holders.values()))
    body = "91310000MA1234567"  # another company's code, the holder's name
    registry.add_subject(session, plan.name, body + check_character(body))
    before = _counts(session)
    with pytest.raises(InvalidInput, match="ambiguous"):
        seed_registry(session, PASSPHRASE, seed=16)
    assert _counts(session) == before


def test_demo_then_market(session: Session) -> None:
    numbers = demo.seed(session, PASSPHRASE)
    market = seed_registry(session, PASSPHRASE, seed=17)
    assert not {h.number for h in market.holders.values()} & set(numbers)
    assert _counts(session) == (len(demo.SUBJECTS) + len(market.holders),
                                len(numbers) + len(market.holders))


def test_market_then_demo(session: Session) -> None:
    market = seed_registry(session, PASSPHRASE, seed=18)
    numbers = demo.seed(session, PASSPHRASE)
    assert len(numbers) == len(demo.PLAN)
    assert not {h.number for h in market.holders.values()} & set(numbers)
    # The demo still refuses to seed itself twice.
    with pytest.raises(InvalidInput, match="already holds certificates"):
        demo.seed(session, PASSPHRASE)
    assert load_registry(session, seed=18) == market


def test_credit_codes_cannot_meet_the_demo_or_each_other() -> None:
    demo_codes = {demo.demo_uscc(1000 + i * 7919) for i in range(len(demo.SUBJECTS))}
    for seed in range(20):
        cast = make_cast(seed)
        holders = {h.uscc for h in cast.holders.values()}
        shops = {s.uscc for s in cast.shops if s.uscc}
        assert all(is_valid_uscc(code) for code in holders | shops)
        assert not (holders | shops) & demo_codes
        assert not holders & shops
        assert not {h.name for h in cast.holders.values()} & {s.name for s in cast.shops}
        assert not {h.name for h in cast.holders.values()} & {n for n, _ in demo.SUBJECTS}

"""The marketplace's products and ground truth: deterministic, and faithful to the rule table."""

from __future__ import annotations

import unicodedata

import pytest

from shangpin.market import Market
from shangpin.market.catalogue import (
    ALERT_KINDS,
    CLONED,
    FORGED,
    MIN_PRODUCTS,
    OUT_OF_SCOPE,
    SCENARIOS,
    UNCERTIFIED,
)
from storage.uscc import is_valid_uscc
from tests.market.conftest import HOST, Seeded, seed_database


def _norm(text: str) -> str:
    """The rule table's normalisation, near enough for these names: NFKC, case, spaces."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _covered(market: Market, path: str) -> bool:
    product = market.product(path)
    holder = market.registry.holders[product.shop.holder or ""]
    return any(
        _norm(category) == _norm(product.category) or _norm(name) in _norm(product.title)
        for _kind, name, category in holder.plan.scope
    )


def test_same_seed_same_pages_and_images(seeded: Seeded, market: Market) -> None:
    again = Market(seeded.registry, host=HOST)
    assert again.paths() == market.paths()
    assert all(again.page(path) == market.page(path) for path in market.paths())
    assert again.expected_alerts() == market.expected_alerts()
    # One image of every kind, rendered afresh by the second market.
    firsts: dict[str, str] = {}
    for product in market.products:
        for image in product.images:
            firsts.setdefault(f"{image.recipe}:{image.decoy}", image.name)
    assert len(firsts) >= 10
    for name in firsts.values():
        assert again.image(name) == market.image(name)


def test_another_seed_makes_another_market(seeded: Seeded, market: Market,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("other-seed") / "shangpin.db"
    other = Market(seed_database(f"sqlite:///{path}", 8).registry, host=HOST)
    assert other.page("/") != market.page("/")
    assert [p.title for p in other.products] != [p.title for p in market.products]
    # Same scenarios, same kinds of alert, different listings.
    assert sorted(k for _, k in other.expected_alerts()) == sorted(
        k for _, k in market.expected_alerts())


def test_size_and_pagination(seeded: Seeded, market: Market) -> None:
    assert len(market.products) == 60 and market.pages >= 5
    assert all(1 <= len(p.image_urls) <= 3 for p in market.products)
    bigger = Market(seeded.registry, host=HOST, products=90)
    assert len(bigger.products) == 90 and bigger.pages == 8
    with pytest.raises(ValueError, match=f"at least {MIN_PRODUCTS}"):
        Market(seeded.registry, products=MIN_PRODUCTS - 1)


def test_every_kind_of_alert_is_expected(market: Market) -> None:
    assert {kind for _, kind in market.expected_alerts()} == ALERT_KINDS


def test_one_entry_per_listing_and_kind(market: Market) -> None:
    expected = market.expected_alerts()
    twice = next(p for p in market.products if p.scenario == "uncertified")
    assert sum(1 for i in twice.images if i.recipe == "emblem") == 2
    assert [k for path, k in expected if path == twice.path] == [UNCERTIFIED]
    mixed = next(p for p in market.products if p.scenario == "forged-and-uncertified")
    assert {k for path, k in expected if path == mixed.path} == {FORGED, UNCERTIFIED}
    assert len(expected) == sum(len(s.expected) for s in SCENARIOS)


def test_genuine_paths_are_every_listing_without_an_alert(market: Market) -> None:
    alerted = {path for path, _ in market.expected_alerts()}
    genuine = market.genuine_paths()
    assert not alerted & genuine
    assert alerted | genuine == {p.path for p in market.products}
    marked = {p.path for p in market.products if p.genuine_mark}
    assert len(marked) >= 6 and marked <= genuine
    # Unmarked goods, decoys and broken images are quiet too.
    assert any(p.scenario.startswith("unmarked") for p in market.products)
    assert {"decoy-seal", "decompression-bomb", "private-redirect-image"} <= {
        market.product(path).scenario for path in genuine}


def test_scope_as_the_rules_read_it(market: Market) -> None:
    for product in market.products:
        if product.genuine_mark:
            assert _covered(market, product.path), product.scenario
        if OUT_OF_SCOPE in product.expected:
            assert not _covered(market, product.path)
    by_title = next(p for p in market.products if p.scenario == "genuine-emblem-title")
    plan = market.registry.holders[by_title.shop.holder or ""].plan
    assert by_title.category != plan.scope_category and plan.scope_name in by_title.title


def test_sellers_as_the_licence_pages_show_them(market: Market) -> None:
    holders = {h.plan.uscc for h in market.registry.holders.values()}
    by_role = {s.holder: s for s in market.shops if s.holder}
    for role, holder in market.registry.holders.items():
        shown = by_role[role].credit_code
        assert shown is None or shown.replace(" ", "") == holder.plan.uscc
    assert by_role["duck"].credit_code is None  # matched by its name only
    assert " " in (by_role["wine"].credit_code or "")
    shops = [s for s in market.shops if s.holder is None]
    assert sum(s.credit_code is None for s in shops) == 2
    mistyped = [s for s in shops if s.credit_code and not is_valid_uscc(s.credit_code)]
    assert len(mistyped) == 1
    for shop in shops:
        assert shop.credit_code is None or shop.credit_code.replace(" ", "") not in holders
    # A cloned code is always a certificate of someone other than the seller.
    for product in market.products:
        if CLONED in product.expected:
            qr = next(i for i in product.images if i.qr_text)
            owner = next(h for h in market.registry.holders.values()
                         if h.mark_code in (qr.qr_text or ""))
            assert product.shop.holder != owner.plan.role


def test_hostile_titles(market: Market) -> None:
    titles = [p.title for p in market.products]
    assert any("<script>" in t for t in titles)
    assert max(len(t) for t in titles) > 200


def test_site_config(market: Market) -> None:
    import tomllib

    config = tomllib.loads(market.site_config("http://127.0.0.1:8123"))
    assert config["name"] == "sample-market"
    assert config["start_urls"] == ["http://127.0.0.1:8123/"]
    assert config["allow_private"] is True
    assert set(config["selectors"]) == {
        "listing_links", "next_page", "title", "price", "category", "seller_name",
        "seller_link", "seller_credit_code", "image_urls"}
    assert config["limits"] == {"max_page_bytes": 2_000_000, "max_image_bytes": 8_000_000}

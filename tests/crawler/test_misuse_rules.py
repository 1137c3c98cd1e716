"""The misuse rule table (docs/misuse.md), row by row: pure values in, decisions out."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.detector import Detection, DetectionResult, QrFind
from crawler.misuse.coverage import Product, ScopeView, covers
from crawler.misuse.matching import MatchMethod, SellerMatch, SubjectRef
from crawler.misuse.registry_view import changed_at
from crawler.misuse.rules import (
    CertificateView,
    Decision,
    Kind,
    decide,
    qr_certificate_number,
    status_decision,
)
from issuer.status import PublicStatus
from tests.crawler import imagegen

SELLER = SubjectRef(1, "上海桂香食品有限公司", "91310000000000001X")
OTHER = SubjectRef(2, "上海别家食品有限公司", "91310000000000002X")
MATCHED = SellerMatch(MatchMethod.CREDIT_CODE, SELLER, credit_code=SELLER.credit_code)
UNMATCHED = SellerMatch(MatchMethod.NONE)
CAKES = (ScopeView("桂花糕", "糕点"),)
TEA = (ScopeView("龙井茶", "茶叶"),)
PRODUCT = Product("【老字号】桂花糕礼盒 500g", "糕点")
QUAD = [[10.0, 10.0], [60.0, 10.0], [60.0, 60.0], [10.0, 60.0]]
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def cert(number: str, status: str, *, scheme: str = "shangpin", holder: SubjectRef = SELLER,
         day: int = 0, scope: tuple[ScopeView, ...] = CAKES) -> CertificateView:
    return CertificateView(number, scheme, holder.id, PublicStatus(status),
                           T0 + dt.timedelta(days=day), scope)


def emblem(mark: str = "shangpin", score: float = 0.8) -> Detection:
    return Detection(mark, score, QUAD)


def qr(number: str, verdict: str | None = "authentic") -> QrFind:
    return QrFind(imagegen.mark_code_url(number), verdict, QUAD)


def image(*finds: Detection | QrFind) -> DetectionResult:
    return DetectionResult([f for f in finds if isinstance(f, Detection)],
                           [f for f in finds if isinstance(f, QrFind)])


def kinds(decisions: list[Decision]) -> list[str]:
    return [d.kind.value for d in decisions]


def no_registry(_number: str) -> CertificateView | None:
    return None


def run(certificates: list[CertificateView], *finds: Detection | QrFind,
        match: SellerMatch = MATCHED, product: Product = PRODUCT,
        registry: list[CertificateView] | None = None) -> list[Decision]:
    by_number = {c.number: c for c in [*(registry or []), *certificates]}
    own = certificates if match.subject is not None else []
    return decide(match, own, product, image(*finds), by_number.get)


# ---------------------------------------------------------------- status rule (emblems)


def test_valid_certificate_that_covers_the_product_allows_the_emblem() -> None:
    assert run([cert("SP-1", "valid")], emblem()) == []


def test_valid_certificate_that_does_not_cover_is_out_of_scope() -> None:
    decisions = run([cert("SP-1", "valid", scope=TEA)], emblem())
    assert kinds(decisions) == ["out_of_scope"]
    assert decisions[0].certificate_number == "SP-1"


def test_a_valid_certificate_outranks_ended_ones_that_cover() -> None:
    decisions = run([cert("SP-1", "valid", scope=TEA), cert("SP-2", "revoked", day=5)],
                    emblem())
    assert kinds(decisions) == ["out_of_scope"]
    assert decisions[0].certificate_number == "SP-1"


@pytest.mark.parametrize(("status", "kind"), [
    ("suspended", "use_while_suspended"),
    ("revoked", "use_after_revocation"),
    ("expired", "use_after_expiry"),
    ("terminated", "use_after_termination"),
])
def test_ended_certificate_names_the_misuse(status: str, kind: str) -> None:
    decisions = run([cert("SP-1", status)], emblem())
    assert kinds(decisions) == [kind]
    assert decisions[0].certificate_number == "SP-1"
    assert decisions[0].find == emblem()


@pytest.mark.parametrize("certificates", [
    [],
    [cert("SP-1", "publicity")],
    [cert("CU-1", "valid", scheme="cultivation")],  # a certificate of the other scheme
], ids=["no certificate", "only in publicity", "other scheme only"])
def test_no_standing_certificate_of_the_scheme_is_uncertified_use(
        certificates: list[CertificateView]) -> None:
    decisions = run(certificates, emblem())
    assert kinds(decisions) == ["uncertified_use"]
    assert decisions[0].certificate_number is None


def test_unmatched_seller_showing_the_emblem_is_uncertified() -> None:
    assert kinds(run([cert("SP-1", "valid")], emblem(), match=UNMATCHED)) == ["uncertified_use"]


def test_each_emblem_is_judged_by_its_own_scheme() -> None:
    certificates = [cert("SP-1", "valid"), cert("CU-1", "suspended", scheme="cultivation")]
    assert kinds(run(certificates, emblem("shangpin"))) == []
    assert kinds(run(certificates, emblem("cultivation"))) == ["use_while_suspended"]
    both = run(certificates, emblem("shangpin"), emblem("cultivation"))
    assert kinds(both) == ["use_while_suspended"]
    assert both[0].certificate_number == "CU-1"


def test_the_most_recently_changed_certificate_decides() -> None:
    suspended_later = [cert("SP-1", "revoked", day=10), cert("SP-2", "suspended", day=20)]
    revoked_later = [cert("SP-1", "revoked", day=30), cert("SP-2", "suspended", day=20)]
    assert kinds(run(suspended_later, emblem())) == ["use_while_suspended"]
    assert kinds(run(revoked_later, emblem())) == ["use_after_revocation"]


def test_covering_certificates_decide_before_more_recent_others() -> None:
    certificates = [cert("SP-1", "suspended", day=1),
                    cert("SP-2", "terminated", day=50, scope=TEA)]
    decisions = run(certificates, emblem())
    assert kinds(decisions) == ["use_while_suspended"]
    assert decisions[0].certificate_number == "SP-1"


def test_when_none_covers_the_most_recent_of_all_decides() -> None:
    certificates = [cert("SP-1", "suspended", day=1, scope=TEA),
                    cert("SP-2", "expired", day=50, scope=TEA)]
    assert kinds(run(certificates, emblem())) == ["use_after_expiry"]


def test_a_certificate_in_publicity_never_decides() -> None:
    certificates = [cert("SP-1", "suspended", day=1), cert("SP-2", "publicity", day=90)]
    assert kinds(run(certificates, emblem())) == ["use_while_suspended"]


def test_one_decision_per_kind_per_image() -> None:
    decisions = run([], emblem(score=0.7), emblem(score=0.9))
    assert kinds(decisions) == ["uncertified_use"]
    assert decisions[0].find.score == 0.9  # type: ignore[union-attr]


def test_status_rule_alone() -> None:
    assert status_decision([], PRODUCT) == (Kind.UNCERTIFIED_USE, None)
    valid = cert("SP-1", "valid")
    assert status_decision([valid], PRODUCT) == (None, None)


# ---------------------------------------------------------------- QR codes decide the image


@pytest.mark.parametrize("verdict", ["forged", "malformed", "unknown_key", "compromised_key"])
def test_a_code_that_fails_verification_is_forged(verdict: str) -> None:
    decisions = run([cert("SP-1", "valid")], qr("SP-1", verdict), emblem())
    assert kinds(decisions) == ["forged_code"]  # the emblem beside it raises nothing more
    assert decisions[0].certificate_number == "SP-1"
    assert isinstance(decisions[0].find, QrFind)


def test_unreadable_forged_code_has_no_certificate_number() -> None:
    find = QrFind("HTTPS://SHANGPIN.EXAMPLE/V/NOTACODE", "malformed", QUAD)
    decisions = run([], find)
    assert kinds(decisions) == ["forged_code"]
    assert decisions[0].certificate_number is None


def test_authentic_code_of_another_holder_is_cloned() -> None:
    theirs = cert("SP-9", "valid", holder=OTHER)
    decisions = run([cert("SP-1", "valid")], qr("SP-9"), emblem(), registry=[theirs])
    assert kinds(decisions) == ["cloned_code"]
    assert decisions[0].certificate_number == "SP-9"


def test_authentic_code_shown_by_an_unmatched_seller_is_cloned() -> None:
    theirs = cert("SP-9", "valid", holder=OTHER)
    assert kinds(run([], qr("SP-9"), match=UNMATCHED, registry=[theirs])) == ["cloned_code"]


def test_authentic_code_of_a_number_the_registry_lacks_is_cloned() -> None:
    assert kinds(run([cert("SP-1", "valid")], qr("SP-404"))) == ["cloned_code"]


def test_holders_valid_code_allows_the_image_whatever_the_emblem() -> None:
    # The emblem is of a scheme the seller holds nothing of; the QR still decides alone.
    assert run([cert("SP-1", "valid")], qr("SP-1"), emblem("cultivation")) == []


@pytest.mark.parametrize(("status", "kind"), [
    ("suspended", "use_while_suspended"),
    ("revoked", "use_after_revocation"),
    ("expired", "use_after_expiry"),
    ("terminated", "use_after_termination"),
    ("publicity", "uncertified_use"),
])
def test_holders_code_is_judged_on_that_certificate_only(status: str, kind: str) -> None:
    # Another certificate of the seller stands and covers; the code names this one.
    certificates = [cert("SP-1", "valid"), cert("SP-2", status)]
    decisions = run(certificates, qr("SP-2"))
    assert kinds(decisions) == [kind]
    assert decisions[0].certificate_number == "SP-2"


def test_holders_valid_code_on_a_product_it_does_not_cover_is_out_of_scope() -> None:
    decisions = run([cert("SP-1", "valid", scope=TEA)], qr("SP-1"))
    assert kinds(decisions) == ["out_of_scope"]


def test_qr_codes_that_are_not_mark_urls_raise_nothing() -> None:
    other = QrFind("https://shop.example/item/1", None, QUAD)
    assert run([], other) == []
    assert kinds(run([], other, emblem())) == ["uncertified_use"]  # the emblem still counts


def test_an_image_with_no_find_raises_nothing() -> None:
    assert run([], match=UNMATCHED) == []


def test_several_codes_in_one_image_each_decide() -> None:
    theirs = cert("SP-9", "valid", holder=OTHER)
    decisions = run([cert("SP-1", "suspended")], qr("SP-1"), qr("SP-9"), qr("SP-7", "forged"),
                    registry=[theirs])
    assert kinds(decisions) == ["use_while_suspended", "cloned_code", "forged_code"]


# ---------------------------------------------------------------- helpers of the table


def test_certificate_number_is_read_from_a_mark_url() -> None:
    assert qr_certificate_number(imagegen.mark_code_url("SP-2026-00042")) == "SP-2026-00042"
    assert qr_certificate_number("HTTPS://SHANGPIN.EXAMPLE/V/NOTACODE") is None


def test_coverage_by_category_or_by_name_in_the_title() -> None:
    assert covers(CAKES, Product("礼盒", "糕 点"))  # category, spaces ignored
    assert covers(CAKES, Product("苏式 桂花糕 4 块", None))  # name in title
    assert covers((ScopeView("Osmanthus Cake", "pastry"),), Product("OSMANTHUS  CAKE gift", None))
    assert not covers(CAKES, Product("绿豆糕", "茶叶"))
    assert not covers((ScopeView("", "  "),), Product("anything", None))  # empty never matches


def test_expiry_counts_as_a_change_on_the_day_after_the_last_valid_day() -> None:
    stored = dt.datetime(2024, 3, 1, 4, tzinfo=dt.UTC)
    expired = changed_at(PublicStatus.EXPIRED, stored, dt.date(2025, 6, 30))
    # Midnight in Shanghai at the start of 1 July is 16:00 UTC on 30 June.
    assert expired == dt.datetime(2025, 6, 30, 16, tzinfo=dt.UTC)
    assert changed_at(PublicStatus.SUSPENDED, stored, dt.date(2025, 6, 30)) == stored
    later = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)  # a change stored after the expiry
    assert changed_at(PublicStatus.EXPIRED, later, dt.date(2025, 6, 30)) == later

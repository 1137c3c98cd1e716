"""The yearly figures over a small registry whose every date is chosen, so each count is
known in advance: states as at year end, year boundaries in Shanghai time, body scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.keys import KeyStore
from shangpin.demo import demo_uscc
from storage.enums import AlertStatus, Scheme, ScopeKind, SurveillanceResult
from storage.models import Alert, CertificationBody, InfringementRecord
from verifier.console import yearly_figures
from verifier.console.yearly_figures import NoSuchYear, YearlyFigures

PASSPHRASE = "figures-test-passphrase"  # test fixture only
NOW = dt.datetime(2026, 6, 15, 10, tzinfo=status.TIMEZONE).astimezone(dt.UTC)


def at(day: str, clock: str = "10:00") -> dt.datetime:
    """A Shanghai wall-clock moment as aware UTC."""
    local = dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=status.TIMEZONE)
    return local.astimezone(dt.UTC)


class World:
    a: str
    b: str
    c: str
    d: str
    e: str
    f: str

    def __init__(self, session: Session) -> None:
        self.session = session
        self.signer = KeyStore(session).signer(PASSPHRASE)
        self.x = registry.add_body(session, "TX-01", "测试机构甲")
        self.y = registry.add_body(session, "TY-02", "测试机构乙")
        self.uscc = registry.add_subject(session, "上海年报测试有限公司", demo_uscc(424_242)).uscc

    def issue(self, body: CertificationBody, day: str, *, scheme: Scheme = Scheme.SHANGPIN,
              activate: str | None = None, valid_until: str | None = None) -> str:
        on = dt.date.fromisoformat(day)
        number = registry.issue_certificate(
            self.session, scheme=scheme, subject_uscc=self.uscc, body_code=body.code,
            standard="T/TEST", scope=[registry.ScopeEntry(ScopeKind.PRODUCT, "样品", "测试")],
            signer=self.signer, actor="test", on=on, now=at(day),
            number=registry.next_number(self.session, scheme, on.year),
            valid_until=dt.date.fromisoformat(valid_until) if valid_until else None).number
        if activate:
            self.change(number, status.Action.ACTIVATE, activate)
        return number

    def change(self, number: str, action: status.Action, day: str, reason: str = "") -> None:
        registry.change_status(self.session, number, action, actor="test",
                               reason=reason or None, now=at(day))

    def visit(self, number: str, day: str, next_due: str, result: SurveillanceResult) -> None:
        registry.record_surveillance(self.session, number,
                                     visited_on=dt.date.fromisoformat(day), result=result,
                                     next_due=dt.date.fromisoformat(next_due), actor="test")

    def alert(self, key: str, number: str | None, created: dt.datetime,
              outcome: AlertStatus = AlertStatus.OPEN,
              reviewed: dt.datetime | None = None) -> Alert:
        alert = Alert(kind="misuse", source="crawler", dedupe_key=f"figures:{key}",
                      certificate_number=number, summary=key, created_at=created,
                      status=outcome, reviewed_at=reviewed,
                      reviewed_by="reviewer" if reviewed else None)
        self.session.add(alert)
        self.session.flush()
        return alert


@pytest.fixture
def world(session: Session) -> World:
    KeyStore(session).create(PASSPHRASE, note="figures test")
    w = World(session)
    passed, failed = SurveillanceResult.PASSED, SurveillanceResult.FAILED
    # F: valid until mid-2025, so expired at year end; a failed visit in March 2025.
    w.f = w.issue(w.x, "2022-06-01", activate="2022-06-09", valid_until="2025-06-30")
    w.visit(w.f, "2025-03-01", "2026-02-28", failed)
    # B (cultivation): never visited, so due a year after validity began: overdue in 2025.
    w.b = w.issue(w.x, "2024-01-01", scheme=Scheme.CULTIVATION, activate="2024-01-09")
    # A: visited, then suspended in October 2025.
    w.a = w.issue(w.x, "2024-03-01", activate="2024-03-09")
    w.visit(w.a, "2025-02-01", "2026-01-31", passed)
    w.change(w.a, status.Action.SUSPEND, "2025-10-01", "整改期间暂停")
    # C (other body): issued and revoked within 2025.
    w.c = w.issue(w.y, "2025-05-01", activate="2025-05-09")
    w.change(w.c, status.Action.REVOKE, "2025-11-01", "抽检不合格")
    # D: in publicity over the new year; E: created only in 2026.
    w.d = w.issue(w.y, "2025-12-20", activate="2026-01-05")
    w.e = w.issue(w.x, "2026-02-01")
    # B revoked after the year end: still valid in 2025's report.
    w.change(w.b, status.Action.REVOKE, "2026-02-01", "主体注销")
    # Alerts across the Shanghai new year (UTC is eight hours behind).
    confirmed = w.alert("a", w.a, at("2025-12-31", "23:30"), AlertStatus.CONFIRMED,
                        at("2026-01-01", "00:30"))
    w.session.add(InfringementRecord(alert_id=confirmed.id, kind="misuse",
                                     certificate_number=w.a, summary="仿冒标志",
                                     evidence={}, confirmed_by="reviewer",
                                     confirmed_at=at("2026-01-01", "00:30")))
    w.alert("c", w.c, at("2025-01-01", "00:10"), AlertStatus.DISMISSED, at("2025-06-01"))
    w.alert("none", None, at("2024-12-31", "23:59"))
    w.session.flush()
    return w


def _nonzero(f: YearlyFigures) -> dict[str, int]:
    return {f"{scheme}.{shown}": n for scheme, by in f.certificates.items()
            for shown, n in by.items() if n}


def test_the_alliance_figures_as_at_the_end_of_a_past_year(world: World) -> None:
    f = yearly_figures.figures(world.session, 2025, now=NOW)
    assert f.period.as_at == dt.date(2025, 12, 31) and f.period.complete
    assert _nonzero(f) == {"shangpin.suspended": 1, "shangpin.revoked": 1,
                           "shangpin.publicity": 1, "shangpin.expired": 1,
                           "cultivation.valid": 1}
    assert f.certificate_total == 5
    assert f.surveillance_done == {"passed": 1, "failed": 1}
    assert f.surveillance_overdue == [world.b]
    assert [(c.number, c.reason) for c in f.suspensions] == [(world.a, "整改期间暂停")]
    assert [(c.number, c.reason) for c in f.revocations] == [(world.c, "抽检不合格")]
    assert f.alerts == {"raised": 2, "confirmed": 0, "dismissed": 1}
    assert f.infringements == []


def test_a_body_sees_only_its_own(world: World) -> None:
    f = yearly_figures.figures(world.session, 2025, world.x, now=NOW)
    assert _nonzero(f) == {"shangpin.suspended": 1, "shangpin.expired": 1,
                           "cultivation.valid": 1}
    assert f.revocations == [] and [c.number for c in f.suspensions] == [world.a]
    assert f.alerts == {"raised": 1, "confirmed": 0, "dismissed": 0}
    other = yearly_figures.figures(world.session, 2025, world.y, now=NOW)
    assert _nonzero(other) == {"shangpin.revoked": 1, "shangpin.publicity": 1}
    assert other.surveillance_done == {"passed": 0, "failed": 0}
    assert other.alerts == {"raised": 1, "confirmed": 0, "dismissed": 1}


def test_the_running_year_is_as_at_today(world: World) -> None:
    f = yearly_figures.figures(world.session, 2026, now=NOW)
    assert f.period.as_at == dt.date(2026, 6, 15) and not f.period.complete
    assert _nonzero(f) == {"shangpin.suspended": 1, "shangpin.revoked": 1,
                           "shangpin.valid": 1, "shangpin.publicity": 1,
                           "shangpin.expired": 1, "cultivation.revoked": 1}
    assert [c.number for c in f.revocations] == [world.b]
    assert f.alerts == {"raised": 0, "confirmed": 1, "dismissed": 0}
    assert [r.certificate for r in f.infringements] == [world.a]
    # A was due again on 2026-01-31 and is still standing (suspended): overdue now.
    assert f.surveillance_overdue == [world.a]


def test_no_report_for_a_year_not_yet_begun(world: World) -> None:
    with pytest.raises(NoSuchYear):
        yearly_figures.figures(world.session, 2027, now=NOW)
    with pytest.raises(NoSuchYear):
        yearly_figures.figures(world.session, 1999, now=NOW)

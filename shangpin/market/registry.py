"""The registry side of the sample marketplace: its holders and their certificates.

Seeded through ``issuer.registry`` like any real holder, so the misuse rules meet the
marketplace's sellers in the same tables the verifier reads. Seeding is idempotent and sits
beside the demo registry (``shangpin demo seed``) in either order: the credit codes differ
by construction and certificate numbers come from ``registry.next_number``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import InvalidInput, NotFound
from issuer.keys import KeyStore
from shangpin.market.cast import Cast, HolderPlan, make_cast
from storage.base import utcnow
from storage.models import Certificate, CertificationBody, Subject

ACTOR = "market-seed"
BODY_CODE = "SBCA-MKT"
BODY_NAME = "沪上示范认证中心（样品商城）"
STANDARDS = {"shangpin": "T/SHBA 050-2024", "cultivation": "上海品牌培育评价规范"}
#: outcome -> (issued this many days ago, the status change this many days ago or None)
TIMELINE: dict[str, tuple[int, int | None]] = {
    "valid": (150, None),
    "suspended": (300, 100),
    "revoked": (420, 60),
    "terminated": (380, 45),
    "expired": (1200, None),
    "publicity": (2, None),
}
EXPIRED_DAYS_AGO = 25
REASONS = {
    "suspended": "证后监督抽检不合格，暂停至整改完成",
    "revoked": "暂停期满仍未整改，撤销认证证书",
    "terminated": "获证主体申请提前终止（停止生产该产品）",
}
ACTIONS = {
    "suspended": status.Action.SUSPEND,
    "revoked": status.Action.REVOKE,
    "terminated": status.Action.TERMINATE,
}


@dataclass(frozen=True)
class HolderRecord:
    """A holder as the marketplace needs it: the plan and its certificate's number and code."""

    plan: HolderPlan
    number: str
    mark_code: str


@dataclass(frozen=True)
class MarketRegistry:
    """What the registry holds for one marketplace seed; plain values, no session."""

    cast: Cast
    holders: dict[str, HolderRecord]

    @property
    def seed(self) -> int:
        return self.cast.seed


def seed_registry(
    session: Session, passphrase: str, *, seed: int, today: dt.date | None = None
) -> MarketRegistry:
    """Create the marketplace's holders and certificates, or return them if already there."""
    cast = make_cast(seed)
    codes = [plan.uscc for plan in cast.holders.values()]
    present = session.scalars(select(Subject.uscc).where(Subject.uscc.in_(codes))).all()
    if present:
        return load_registry(session, seed=seed)
    names = [plan.name for plan in cast.holders.values()]
    clash = session.scalar(select(Subject.name).where(Subject.name.in_(names)).limit(1))
    if clash is not None:
        raise InvalidInput(
            f"another holder is already named {clash}: sellers matched by name would be "
            "ambiguous; seed the sample market with another --seed"
        )
    now = utcnow() if today is None else _at(today)
    today = status.today(now)
    keys = KeyStore(session)
    if not [key for key in keys.all() if key.state.value == "active"]:
        keys.create(passphrase, note="sample market key")
    signer = keys.signer(passphrase)
    body = _body(session)
    for i, plan in enumerate(cast.holders.values()):
        address = f"上海市浦东新区示范路 {101 + i * 12} 号"
        registry.add_subject(session, plan.name, plan.uscc, address)
        _issue(session, plan, body.code, signer, today)
    return load_registry(session, seed=seed)


def load_registry(session: Session, *, seed: int) -> MarketRegistry:
    """Read back what ``seed_registry`` made; a clear error if it was never seeded."""
    cast = make_cast(seed)
    holders = {}
    for role, plan in cast.holders.items():
        certificate = session.scalar(
            select(Certificate)
            .join(Subject)
            .where(Subject.uscc == plan.uscc, Certificate.scheme == plan.scheme)
            .order_by(Certificate.id)
            .limit(1)
        )
        if certificate is None:
            raise NotFound(
                f"the sample market of seed {seed} is not in the registry "
                f"(no certificate for {plan.name}); seed it first"
            )
        holders[role] = HolderRecord(plan, certificate.number, certificate.mark_code)
    return MarketRegistry(cast, holders)


def _body(session: Session) -> CertificationBody:
    body = session.scalar(select(CertificationBody).where(CertificationBody.code == BODY_CODE))
    return body or registry.add_body(session, BODY_CODE, BODY_NAME)


def _issue(
    session: Session, plan: HolderPlan, body_code: str, signer: tuple[str, bytes], today: dt.date
) -> None:
    """One certificate, walked through the real lifecycle to the status its role needs."""
    issued_ago, changed_ago = TIMELINE[plan.outcome]
    issued = today - dt.timedelta(days=issued_ago)
    valid_from = issued + dt.timedelta(days=8)  # the day after the 7-day publicity
    valid_until = (
        today - dt.timedelta(days=EXPIRED_DAYS_AGO)
        if plan.outcome == "expired"
        else registry.add_years(valid_from, 3) - dt.timedelta(days=1)
    )
    certificate = registry.issue_certificate(
        session,
        scheme=plan.scheme,
        subject_uscc=plan.uscc,
        body_code=body_code,
        standard=STANDARDS[plan.scheme.value],
        scope=[registry.ScopeEntry(*entry) for entry in plan.scope],
        signer=signer,
        actor=ACTOR,
        on=issued,
        number=registry.next_number(session, plan.scheme, issued.year),
        valid_from=valid_from,
        valid_until=valid_until,
        now=_at(issued),
    )
    if plan.outcome == "publicity":
        return
    registry.change_status(
        session, certificate.number, status.Action.ACTIVATE, actor=ACTOR, now=_at(valid_from)
    )
    if changed_ago is not None:
        registry.change_status(
            session,
            certificate.number,
            ACTIONS[plan.outcome],
            actor=ACTOR,
            reason=REASONS[plan.outcome],
            now=_at(today - dt.timedelta(days=changed_ago)),
        )


def _at(day: dt.date) -> dt.datetime:
    """Ten in the morning, Shanghai time: registry dates are Shanghai calendar dates."""
    return dt.datetime.combine(day, dt.time(10), tzinfo=status.TIMEZONE).astimezone(dt.UTC)

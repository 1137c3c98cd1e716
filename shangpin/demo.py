"""A small, realistic demo registry: two bodies, holders, both schemes, every status.

The holders and bodies are fictional; their credit codes are generated with
valid check characters. Dates are relative to ``today`` so every status shows
as intended whenever the demo is seeded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import registry, status
from issuer.errors import InvalidInput
from issuer.keys import KeyStore
from storage.base import utcnow
from storage.enums import Scheme, ScopeKind, SurveillanceResult
from storage.models import Certificate, Subject
from storage.uscc import check_character

ACTOR = "demo-seed"


def demo_uscc(serial: int) -> str:
    """A fictional Shanghai enterprise credit code with a correct check character."""
    body = f"91310000{serial:08d}X"[:17]
    body = body.replace("X", "0")
    return body + check_character(body)


SUBJECTS = [
    ("上海梧桐食品有限公司", "上海市徐汇区衡山路 88 号"),
    ("上海申江制衣有限公司", "上海市杨浦区长阳路 1687 号"),
    ("上海浦江茶业有限公司", "上海市闵行区浦江镇联航路 1188 号"),
    ("上海云间家居用品有限公司", "上海市松江区新松江路 1500 号"),
    ("上海明珠精密仪器有限公司", "上海市浦东新区张江路 500 号"),
    ("上海弄堂点心餐饮管理有限公司", "上海市黄浦区南京东路 300 号"),
    ("上海外滩数字科技有限公司", "上海市黄浦区中山东一路 12 号"),
    ("上海百年酱园酿造有限公司", "上海市嘉定区城中路 66 号"),
]
BODIES = [
    ("SBCA-01", "上海品质认证中心（示例）"),
    ("SBCA-02", "长三角标准认证有限公司（示例）"),
]


@dataclass(frozen=True)
class DemoCertificate:
    """One demo certificate and the status it should show."""

    subject: int
    body: int
    scheme: Scheme
    scope: tuple[tuple[ScopeKind, str, str], ...]
    standard: str
    issued_days_ago: int
    outcome: str  # publicity, valid, suspended, revoked, terminated, expired


PLAN = [
    DemoCertificate(
        0,
        0,
        Scheme.SHANGPIN,
        ((ScopeKind.PRODUCT, "桂花糕", "糕点"), (ScopeKind.PRODUCT, "鲜肉月饼", "糕点")),
        "T/SHBA 001-2023",
        400,
        "valid",
    ),
    DemoCertificate(
        1,
        0,
        Scheme.SHANGPIN,
        ((ScopeKind.PRODUCT, "羊毛西装", "服装"),),
        "T/SHBA 012-2023",
        300,
        "valid",
    ),
    DemoCertificate(
        2,
        1,
        Scheme.CULTIVATION,
        ((ScopeKind.PRODUCT, "碧螺春绿茶", "茶叶"),),
        "上海品牌培育评价规范",
        200,
        "valid",
    ),
    DemoCertificate(
        3,
        1,
        Scheme.SHANGPIN,
        ((ScopeKind.PRODUCT, "实木餐桌", "家具"),),
        "T/SHBA 020-2023",
        500,
        "suspended",
    ),
    DemoCertificate(
        4,
        0,
        Scheme.SHANGPIN,
        ((ScopeKind.PRODUCT, "电子天平", "仪器仪表"),),
        "T/SHBA 031-2022",
        600,
        "revoked",
    ),
    DemoCertificate(
        5,
        1,
        Scheme.SHANGPIN,
        ((ScopeKind.SERVICE, "中式点心堂食", "餐饮服务"),),
        "T/SHBA 045-2022",
        450,
        "terminated",
    ),
    DemoCertificate(
        6,
        0,
        Scheme.CULTIVATION,
        ((ScopeKind.SERVICE, "电商平台运营", "电子商务"),),
        "上海品牌培育评价规范",
        1200,
        "expired",
    ),
    DemoCertificate(
        7,
        1,
        Scheme.SHANGPIN,
        ((ScopeKind.PRODUCT, "特级生抽", "调味品"),),
        "T/SHBA 008-2024",
        2,
        "publicity",
    ),
]
REASONS = {
    "suspended": "证后监督发现原材料供应商变更未报告，暂停至整改完成",
    "revoked": "监督抽检不合格且逾期未整改，撤销认证证书",
    "terminated": "获证主体申请注销认证证书（停止该项服务）",
}


def subject_codes() -> list[str]:
    """The credit codes of the demo's own holders."""
    return [demo_uscc(1000 + i * 7919) for i in range(len(SUBJECTS))]


def is_seeded(session: Session) -> bool:
    """Whether the demo's own holders are in the registry already."""
    return bool(session.scalar(
        select(func.count()).select_from(Subject).where(Subject.uscc.in_(subject_codes()))
    ))


def certificates(session: Session) -> list[Certificate]:
    """The demo's own certificates, in the order they were issued (read back on a re-run)."""
    return list(session.scalars(
        select(Certificate).join(Subject)
        .where(Subject.uscc.in_(subject_codes()))
        .order_by(Certificate.id)
    ))


def seed(session: Session, passphrase: str, *, now: dt.datetime | None = None) -> list[str]:
    """Add the demo's holders and certificates; returns the certificate numbers made.

    Other holders may be there already (the sample marketplace seeds its own beside these);
    the demo's own may not, so seeding twice is refused.
    """
    if is_seeded(session):
        raise InvalidInput("the database already holds certificates of the demo; seed it once")
    now = now or utcnow()
    today = status.today(now)
    keys = KeyStore(session)
    if not [k for k in keys.all() if k.state.value == "active"]:
        keys.create(passphrase, note="demo key")
    signer = keys.signer(passphrase)
    subjects = [
        registry.add_subject(session, name, demo_uscc(1000 + i * 7919), address)
        for i, (name, address) in enumerate(SUBJECTS)
    ]
    bodies = [registry.add_body(session, code, name) for code, name in BODIES]
    numbers = []
    for item in PLAN:
        issued = today - dt.timedelta(days=item.issued_days_ago)
        valid_from = issued + dt.timedelta(days=8)
        valid_until = (
            today - dt.timedelta(days=30)
            if item.outcome == "expired"
            else registry.add_years(valid_from, 3) - dt.timedelta(days=1)
        )
        certificate = registry.issue_certificate(
            session,
            scheme=item.scheme,
            subject_uscc=subjects[item.subject].uscc,
            body_code=bodies[item.body].code,
            standard=item.standard,
            scope=[registry.ScopeEntry(*entry) for entry in item.scope],
            signer=signer,
            actor=ACTOR,
            on=issued,
            number=registry.next_number(session, item.scheme, issued.year),
            valid_from=valid_from,
            valid_until=valid_until,
            now=min(now, _at(issued)),
        )
        numbers.append(certificate.number)
        if item.outcome == "publicity":
            continue
        at = _at(valid_from)
        registry.change_status(
            session, certificate.number, status.Action.ACTIVATE, actor=ACTOR, now=at
        )
        if item.issued_days_ago > 380 and item.outcome in ("valid", "suspended"):
            visit = valid_from + dt.timedelta(days=330)
            registry.record_surveillance(
                session,
                certificate.number,
                visited_on=visit,
                result=SurveillanceResult.PASSED,
                actor=ACTOR,
            )
        action = {
            "suspended": status.Action.SUSPEND,
            "revoked": status.Action.REVOKE,
            "terminated": status.Action.TERMINATE,
        }.get(item.outcome)
        if action is not None:
            registry.change_status(
                session,
                certificate.number,
                action,
                actor=ACTOR,
                reason=REASONS[item.outcome],
                now=min(now, at + dt.timedelta(days=item.issued_days_ago // 2)),
            )
        elif item.outcome == "valid" and certificate.next_surveillance is None:
            certificate.next_surveillance = registry.add_years(valid_from, 1)
    return numbers


def _at(day: dt.date) -> dt.datetime:
    """Ten in the morning, Shanghai time, on ``day``."""
    return dt.datetime.combine(day, dt.time(10), tzinfo=status.TIMEZONE).astimezone(dt.UTC)

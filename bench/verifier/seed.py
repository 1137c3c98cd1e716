"""A large, realistic registry for the verifier load benchmark, seeded fast.

The registry functions write one certificate at a time through the ORM, which is
right for staff and far too slow for 100,000 certificates and a million scans.
Here the schema still comes from the migrations (``Database.open``), the signing
key from ``KeyStore`` and every mark code from the real signer, but rows go in as
Core ``executemany`` batches, one transaction per table. A manifest written last
beside the database marks it complete (and lists the codes to load with), so a
later run reuses it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from issuer import ed25519, status
from issuer.keys import KeyStore
from issuer.marks import sign_payload
from issuer.payload import MarkPayload
from issuer.registry import NUMBER_PREFIX, add_years
from storage.base import Base, utcnow
from storage.enums import CertificateState, Scheme, ScopeKind, SurveillanceResult
from storage.models import (
    Certificate,
    CertificationBody,
    Scan,
    ScopeItem,
    StatusEvent,
    Subject,
    SurveillanceVisit,
    UnitCodeBatch,
)
from storage.session import Database
from storage.uscc import check_character

PASSPHRASE = "bench-verifier-passphrase"  # bench fixture only, never a real key
HOST = "VERIFY.SHANGPIN.BENCH"
MANIFEST_VERSION = 1
CHUNK = 50_000
ACTOR = "bench-seed"

#: Public outcome of a certificate -> share of the registry (percent).
OUTCOMES = {"valid": 70, "suspended": 8, "expired": 8, "revoked": 5, "terminated": 5,
            "publicity": 4}
REASONS = {
    "suspended": ["证后监督发现原材料供应商变更未报告，暂停至整改完成",
                  "监督抽检一项指标不合格，暂停使用认证证书及标志",
                  "未按期接受年度证后监督，暂停认证证书"],
    "revoked": ["监督抽检不合格且逾期未整改，撤销认证证书",
                "超范围使用“上品”标志且拒不改正，撤销认证证书"],
    "terminated": ["获证主体申请注销认证证书（停止该项服务）",
                   "获证主体申请提前终止（产品停产）"],
}
DISTRICTS = [("310101", "黄浦区"), ("310104", "徐汇区"), ("310105", "长宁区"),
             ("310106", "静安区"), ("310107", "普陀区"), ("310109", "虹口区"),
             ("310110", "杨浦区"), ("310112", "闵行区"), ("310113", "宝山区"),
             ("310114", "嘉定区"), ("310115", "浦东新区"), ("310116", "金山区"),
             ("310117", "松江区"), ("310118", "青浦区"), ("310120", "奉贤区"),
             ("310151", "崇明区")]
TRADE = list("梧桐申江浦云间明珠弄堂外滩百年酱园锦绣华亭松鹤豫园静安徐汇虹桥枫泾朱家角"
             "金泽七宝南翔新场练塘罗店川沙高桥周浦航头惠南泥城书院大团万祥老港宣桥")
INDUSTRY = ["食品", "制衣", "茶业", "家居用品", "精密仪器", "餐饮管理", "数字科技", "酿造",
            "日化", "丝绸", "乳业", "糕点", "电器", "文具", "五金", "医疗器械", "印刷",
            "皮具", "钟表", "眼镜", "化妆品", "汽车零部件", "新材料", "生物科技"]
FORMS = ["有限公司", "股份有限公司", "实业有限公司", "科技有限公司"]
ROADS = ["衡山路", "长阳路", "联航路", "新松江路", "张江路", "南京东路", "中山东一路",
         "城中路", "淮海中路", "四川北路", "漕宝路", "沪太路", "曹安公路", "浦东大道"]
BODIES = [("SBCA-01", "上海品质认证中心（示例）"), ("SBCA-02", "长三角标准认证有限公司（示例）"),
          ("SBCA-03", "上海质量体系审核中心（示例）"), ("SBCA-04", "浦江检验认证有限公司（示例）"),
          ("SBCA-05", "华东品牌评价中心（示例）"), ("SBCA-06", "上海标准化服务认证所（示例）")]
PRODUCTS = [(ScopeKind.PRODUCT, n, c) for n, c in [
    ("桂花糕", "糕点"), ("鲜肉月饼", "糕点"), ("羊毛西装", "服装"), ("真丝围巾", "服装"),
    ("碧螺春绿茶", "茶叶"), ("实木餐桌", "家具"), ("电子天平", "仪器仪表"), ("特级生抽", "调味品"),
    ("黄酒", "酒类"), ("鲜牛奶", "乳制品"), ("润肤霜", "化妆品"), ("钢笔", "文具"),
    ("电饭煲", "家用电器"), ("机械手表", "钟表"), ("光学镜片", "眼镜"), ("医用口罩", "医疗器械"),
    ("刹车片", "汽车零部件"), ("皮鞋", "鞋类"), ("大白兔奶糖", "糖果"), ("香皂", "日化用品")]]
SERVICES = [(ScopeKind.SERVICE, n, c) for n, c in [
    ("中式点心堂食", "餐饮服务"), ("电商平台运营", "电子商务"), ("酒店住宿", "住宿服务"),
    ("家政服务", "居民服务"), ("物流配送", "交通运输"), ("软件开发", "信息技术服务")]]
STANDARDS = ["T/SHBA 001-2023", "T/SHBA 012-2023", "T/SHBA 020-2023", "T/SHBA 031-2022",
             "T/SHBA 045-2022", "T/SHBA 008-2024", "上海品牌培育评价规范"]
AGENTS = ["wechat"] * 45 + ["ios"] * 20 + ["android"] * 20 + ["alipay"] * 8 + ["desktop"] * 7
CHANNELS = ["page"] * 80 + ["api"] * 15 + ["photo"] * 5
LANGUAGES = ["zh"] * 9 + ["en"]
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class BenchCode:
    """One code the load generator requests, and what the service should answer for it."""

    code: str
    number: str
    kind: str  # certificate, unit, forged, unknown
    expected: str  # public status, forged or unknown_certificate
    serial: int | None = None


@dataclass
class Manifest:
    certificates: int
    scans: int
    host: str
    kid: str
    public_key: str  # hex
    codes: list[BenchCode]
    seconds: dict[str, float] = field(default_factory=dict)
    version: int = MANIFEST_VERSION

    @property
    def public_key_bytes(self) -> bytes:
        return bytes.fromhex(self.public_key)


def manifest_path(db: Path) -> Path:
    return db.with_name(db.stem + ".manifest.json")


def org_code(serial: int) -> str:
    """A 9-character organisation code (GB 11714) with its own check character."""
    body = f"{serial % 10**8:08d}"
    total = sum(_ORG_ALPHABET.index(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(serial: int, division: str, kind: str = "91") -> str:
    """A Shanghai credit code: type, division, organisation code, GB 32100 check character."""
    # 7919 is prime to 10**8, so distinct serials give distinct organisation codes.
    body = kind + division + org_code(10_000_000 + serial * 7919)
    return body + check_character(body)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=status.TIMEZONE).astimezone(dt.UTC)


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Seeder:
    """Builds the rows; ``run`` writes them table by table and returns the manifest."""

    def __init__(self, database: Database, certificates: int, scans: int, codes: int) -> None:
        self.database = database
        self.certificates = certificates
        self.scans = scans
        self.codes = codes
        self.rng = random.Random(4)
        self.now = utcnow()
        self.today = status.today(self.now)
        self.seconds: dict[str, float] = {}
        # Per certificate: (number, valid_from, valid_until, public status, mark code).
        self.issued: list[tuple[str, dt.date, dt.date, str, str]] = []
        self.batches: list[tuple[int, int, int]] = []  # (certificate index, first, last)

    def _insert(self, model: type[Base], rows: Iterable[dict[str, Any]]) -> None:
        """Core executemany in chunks, in one transaction (on a Connection: no ORM units)."""
        started = time.perf_counter()
        with self.database.engine.begin() as connection:
            for chunk in _chunks(rows):
                connection.execute(insert(model), chunk)
        self.seconds[model.__tablename__] = round(time.perf_counter() - started, 2)

    def run(self) -> Manifest:
        with self.database.transaction() as session:
            keys = KeyStore(session)
            keys.create(PASSPHRASE, note="verifier load benchmark")
            kid, seed = keys.signer(PASSPHRASE)
        self.kid = kid
        self.signer = ed25519.Signer(seed)
        self._insert(CertificationBody, self._bodies())
        self._insert(Subject, self._subjects())
        events: list[dict[str, Any]] = []
        visits: list[dict[str, Any]] = []
        scope: list[dict[str, Any]] = []
        started = time.perf_counter()
        certificates = list(self._certificates(events, visits, scope))
        self.seconds["build and sign certificates"] = round(time.perf_counter() - started, 2)
        self._insert(Certificate, certificates)
        self._insert(ScopeItem, scope)
        self._insert(StatusEvent, events)
        self._insert(SurveillanceVisit, visits)
        self._insert(UnitCodeBatch, self._unit_batches())
        started = time.perf_counter()
        codes, extra = self._bench_codes()
        self.seconds["sign bench codes"] = round(time.perf_counter() - started, 2)
        self._insert(Scan, self._scans(codes, extra))
        return Manifest(self.certificates, self.scans, HOST, self.kid,
                        self.signer.public_key.hex(), codes, self.seconds)

    def _bodies(self) -> Iterator[dict[str, Any]]:
        for i, (code, name) in enumerate(BODIES, start=1):
            yield {"id": i, "code": code, "name": name, "created_at": self.now,
                   "uscc": credit_code(900_000 + i, "310000", "12"),
                   "address": f"上海市黄浦区{ROADS[i]} {100 + i} 号"}

    def _subjects(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for i in range(self.subject_count):
            division, district = DISTRICTS[i % len(DISTRICTS)]
            name = (f"上海{rng.choice(TRADE)}{rng.choice(TRADE)}"
                    f"{rng.choice(INDUSTRY)}{rng.choice(FORMS)}")
            yield {"id": i + 1, "name": name, "uscc": credit_code(i, division),
                   "address": f"上海市{district}{rng.choice(ROADS)} {rng.randint(1, 2999)} 号",
                   "created_at": self.now}

    @property
    def subject_count(self) -> int:
        # Most holders have one certificate, some several.
        return max(1, self.certificates * 3 // 4)

    def _certificates(self, events: list[dict[str, Any]], visits: list[dict[str, Any]],
                      scope: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        outcomes = [o for o, share in OUTCOMES.items() for _ in range(share)]
        sequence: dict[str, int] = {}
        for i in range(self.certificates):
            cid = i + 1
            outcome = rng.choice(outcomes)
            scheme = Scheme.CULTIVATION if rng.random() < 0.25 else Scheme.SHANGPIN
            ago = {"publicity": rng.randint(0, 6), "expired": rng.randint(1_130, 2_400)}.get(
                outcome, rng.randint(30, 1_050))
            issued = today - dt.timedelta(days=ago)
            prefix = f"{NUMBER_PREFIX[scheme]}-{issued.year}-"
            sequence[prefix] = sequence.get(prefix, 0) + 1
            number = f"{prefix}{sequence[prefix]:05d}"
            publicity_end = issued + dt.timedelta(days=7)
            valid_from = publicity_end + dt.timedelta(days=1)
            valid_until = add_years(valid_from, 3) - dt.timedelta(days=1)
            state = {"publicity": CertificateState.PUBLICITY, "expired": CertificateState.VALID,
                     "suspended": CertificateState.SUSPENDED, "revoked": CertificateState.REVOKED,
                     "terminated": CertificateState.TERMINATED}.get(outcome,
                                                                    CertificateState.VALID)
            changed = _at(issued)
            events.append({"certificate_id": cid, "from_state": None,
                           "to_state": CertificateState.PUBLICITY,
                           "reason": "submitted for publicity", "actor": ACTOR,
                           "occurred_at": changed})
            last = next_due = None
            stop, stopped = min(today, valid_until), None
            if state in (CertificateState.SUSPENDED, CertificateState.REVOKED,
                         CertificateState.TERMINATED):
                span = max(1, (stop - valid_from).days)
                stop = stopped = valid_from + dt.timedelta(days=rng.randint(1, span))
            if state is not CertificateState.PUBLICITY:
                changed = _at(valid_from)
                events.append({"certificate_id": cid, "from_state": CertificateState.PUBLICITY,
                               "to_state": CertificateState.VALID, "reason": None,
                               "actor": ACTOR, "occurred_at": changed})
                visit = valid_from + dt.timedelta(days=330)
                while visit < stop:
                    last = visit
                    visits.append({"certificate_id": cid, "visited_on": visit,
                                   "result": SurveillanceResult.PASSED,
                                   "next_due": add_years(visit, 1), "notes": "",
                                   "actor": ACTOR, "recorded_at": _at(visit, 16)})
                    visit = add_years(visit, 1)
                next_due = add_years(last or valid_from, 1)
            if stopped is not None:
                changed = _at(stopped, 15)
                events.append({"certificate_id": cid, "from_state": CertificateState.VALID,
                               "to_state": state, "reason": rng.choice(REASONS[state.value]),
                               "actor": ACTOR, "occurred_at": changed})
            items = rng.sample(SERVICES if rng.random() < 0.15 else PRODUCTS, rng.randint(1, 3))
            for position, (kind, name, category) in enumerate(items):
                scope.append({"certificate_id": cid, "position": position, "kind": kind,
                              "name": name, "category": category})
            code = sign_payload(self.signer, MarkPayload(self.kid, number, valid_from,
                                                         valid_until))
            shown = status.public_status(state, valid_until, today).value
            self.issued.append((number, valid_from, valid_until, shown, code))
            yield {"id": cid, "number": number, "scheme": scheme,
                   "subject_id": 1 + i % self.subject_count, "body_id": 1 + i % len(BODIES),
                   "standard": rng.choice(STANDARDS), "publicity_start": issued,
                   "publicity_end": publicity_end, "valid_from": valid_from,
                   "valid_until": valid_until, "state": state, "state_changed_at": changed,
                   "last_surveillance": last, "next_surveillance": next_due,
                   "mark_code": code, "created_at": _at(issued, 9)}

    def _unit_batches(self) -> Iterator[dict[str, Any]]:
        """Per-unit codes for about one certificate in sixteen, one or two print runs each."""
        rng = self.rng
        for index, (_number, _from, _until, shown, _code) in enumerate(self.issued):
            if shown == "publicity" or rng.random() >= 1 / 16:
                continue
            first = 1
            for _ in range(rng.choice((1, 1, 2))):
                last = first + rng.randint(2_000, 200_000) - 1
                self.batches.append((index, first, last))
                yield {"certificate_id": index + 1, "first_serial": first, "last_serial": last,
                       "kid": self.kid, "actor": ACTOR, "issued_at": self.now}
                first = last + 1

    def _unit_code(self, index: int, serial: int) -> BenchCode:
        number, valid_from, valid_until, shown, _ = self.issued[index]
        code = sign_payload(self.signer, MarkPayload(self.kid, number, valid_from,
                                                     valid_until, serial))
        return BenchCode(code, number, "unit", shown, serial)

    def _bench_codes(self) -> tuple[list[BenchCode], list[BenchCode]]:
        """The codes to load with (certificate marks, unit codes, a few forged and unknown),
        and as many other codes that only appear in the scan history."""
        rng = self.rng
        forged_n, unknown_n = max(1, self.codes // 100), max(1, self.codes // 200)
        unit_n = int(self.codes * 0.45) if self.batches else 0
        cert_n = min(self.codes - forged_n - unknown_n - unit_n, len(self.issued))
        picked = rng.sample(range(len(self.issued)), min(len(self.issued), cert_n * 2))
        codes = [BenchCode(self.issued[i][4], self.issued[i][0], "certificate", self.issued[i][3])
                 for i in picked[:cert_n]]
        extra = [BenchCode(self.issued[i][4], self.issued[i][0], "certificate", self.issued[i][3])
                 for i in picked[cert_n:]]
        seen: set[tuple[int, int]] = set()
        while len(seen) < unit_n * 2:
            index, first, last = rng.choice(self.batches)
            seen.add((index, rng.randint(first, last)))
        units = [self._unit_code(index, serial) for index, serial in sorted(seen)]
        rng.shuffle(units)
        codes += units[:unit_n]
        extra += units[unit_n:]
        sources = [c for c in codes if c.expected == "valid"]
        for original in rng.sample(sources, min(forged_n, len(sources))):
            # Claims unchanged, one signature character altered: a counterfeiter's copy.
            at = len(original.code) - 10
            swapped = "A" if original.code[at] != "A" else "B"
            forged = original.code[:at] + swapped + original.code[at + 1:]
            codes.append(BenchCode(forged, original.number, "forged", "forged", original.serial))
        for j in range(unknown_n):
            # Signed with the alliance's key for a number the registry never issued.
            number = f"SP-2017-{90_000 + j:05d}"
            code = sign_payload(self.signer, MarkPayload(
                self.kid, number, dt.date(2017, 3, 1), dt.date(2020, 2, 28)))
            codes.append(BenchCode(code, number, "unknown", "unknown_certificate"))
        rng.shuffle(codes)
        return codes, extra

    def _scans(self, codes: list[BenchCode], extra: list[BenchCode]) -> Iterator[dict[str, Any]]:
        """A year of scans over the codes, with coarse client data as the service keeps it."""
        rng = self.rng
        pool = codes + extra
        clients = [rng.randbytes(16).hex() for _ in range(50_000)]
        networks = [rng.randbytes(16).hex() for _ in range(8_000)]
        year = 365 * 86_400
        for _ in range(self.scans):
            item = pool[int(rng.random() * len(pool))]
            client = int(rng.random() * len(clients))
            forged = item.kind == "forged"
            yield {
                "scanned_at": self.now - dt.timedelta(seconds=rng.random() * year),
                "code": item.code,
                "certificate_number": item.number,
                "unit_serial": item.serial,
                "verdict": "forged" if forged else "authentic",
                "status": item.expected,
                "channel": CHANNELS[int(rng.random() * len(CHANNELS))],
                "client_hash": clients[client],
                "network_hash": networks[client % len(networks)],
                "agent": AGENTS[int(rng.random() * len(AGENTS))],
                "language": LANGUAGES[int(rng.random() * len(LANGUAGES))],
            }



def _count(connection: Connection, model: type[Base]) -> int:
    return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def load_manifest(db: Path, certificates: int, scans: int) -> Manifest | None:
    """The manifest of a complete bench database of this size, or None."""
    path = manifest_path(db)
    if not db.exists() or not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if (data.get("version") != MANIFEST_VERSION or data["certificates"] != certificates
            or data["scans"] != scans):
        return None
    database = Database.open(f"sqlite:///{db}")
    try:
        with database.engine.connect() as connection:
            if _count(connection, Certificate) != certificates:
                return None
            # The service adds scans while it is measured, so more is fine.
            if _count(connection, Scan) < scans:
                return None
    finally:
        database.close()
    data["codes"] = [BenchCode(**c) for c in data["codes"]]
    return Manifest(**data)


def ensure(db: Path, certificates: int, scans: int, codes: int,
           log: Any = print) -> tuple[Manifest, bool]:
    """Reuse a complete bench database or seed a new one; (manifest, reused)."""
    manifest = load_manifest(db, certificates, scans)
    if manifest is not None:
        return manifest, True
    marker = db.with_name(db.name + ".seeding")
    if db.exists():
        if not marker.exists() and not manifest_path(db).exists():
            raise SystemExit(f"{db} exists but is not a bench database; choose another --db")
        log(f"{db} is incomplete or of another size: seeding it again")
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"),
                      manifest_path(db)):
            stale.unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    started = time.perf_counter()
    database = Database.open(f"sqlite:///{db}")
    try:
        manifest = Seeder(database, certificates, scans, codes).run()
    finally:
        database.close()
    manifest.seconds["total"] = round(time.perf_counter() - started, 1)
    data = asdict(manifest)
    manifest_path(db).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    marker.unlink()
    return manifest, False


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Seed the verifier bench database.")
    parser.add_argument("--db", type=Path, default=Path("var/bench/verifier.db"))
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=1_000_000)
    parser.add_argument("--codes", type=int, default=12_000)
    args = parser.parse_args()
    manifest, reused = ensure(args.db, args.certificates, args.scans, args.codes)
    print(json.dumps({"reused": reused, "codes": len(manifest.codes), **manifest.seconds}))


if __name__ == "__main__":
    main()

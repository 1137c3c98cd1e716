"""Who sells on the sample marketplace: certificate holders in every status, and shops without one.

A pure function of the seed, so the registry seeding and the marketplace agree on names and
credit codes without reading each other. Holder codes use the Pudong enterprise prefix and
an ``MA`` organisation code, shop codes the individual-business prefix: neither can equal a
code of the demo registry (``shangpin/demo.py``: ``91310000`` and digits only). Holder and
shop names are built from disjoint word lists, so a shop never matches a holder by name.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from storage.enums import Scheme, ScopeKind
from storage.uscc import ALPHABET, check_character

HOLDER_PREFIX = "91310115MA"  # enterprise (9, 1), Pudong (310115), new-style organisation code
SHOP_PREFIX = "92310104"  # individual business (9, 2), Xuhui (310104)

#: Words for holders' company names; none of them appears in the demo registry.
HOLDER_WORDS = (
    "锦绣", "瑞丰", "恒源", "昌盛", "丰泰", "和盛", "永信", "德隆", "嘉禾", "润泽",
    "汇通", "兴茂", "福源", "泰和", "鼎盛", "庆余", "怡和", "宝庆", "同兴", "华懋",
)
#: Words for shops without a certificate.
SHOP_WORDS = (
    "小巷", "晴川", "青禾", "半夏", "拾光", "暖阳", "木棉", "南风", "竹里", "星河",
    "初见", "山野", "白鹭", "春芽", "晚霞", "月半",
)
SHOP_KINDS = ("优选小铺", "家居专营店", "生活馆", "百货商行", "好物集市", "茶食铺")


@dataclass(frozen=True)
class HolderPlan:
    """One holder and the single certificate it holds, in the status the scenarios need."""

    role: str
    name: str
    uscc: str
    scheme: Scheme
    outcome: str  # valid, suspended, revoked, expired, terminated, publicity
    scope: tuple[tuple[ScopeKind, str, str], ...]  # (kind, name, category)
    shown_code: str | None  # the credit code as the shop page prints it; None: not shown

    @property
    def scope_name(self) -> str:
        return self.scope[0][1]

    @property
    def scope_category(self) -> str:
        return self.scope[0][2]


@dataclass(frozen=True)
class ShopPlan:
    """A shop that holds no certificate."""

    key: str
    name: str
    uscc: str | None  # a well-formed code of its own, or None
    shown_code: str | None  # what its licence page prints (None, or a mistyped code)


#: role -> (scheme, outcome, scope name, scope category, trade word, how the code is shown)
ROLES: dict[str, tuple[Scheme, str, str, str, str, str]] = {
    "silk": (Scheme.SHANGPIN, "valid", "真丝围巾", "服饰配件", "丝绸", "plain"),
    "wine": (Scheme.SHANGPIN, "valid", "黄酒", "酒类", "酿酒", "spaced"),
    "duck": (Scheme.SHANGPIN, "valid", "酱鸭", "熟食", "食品", "hidden"),
    "bean": (Scheme.CULTIVATION, "valid", "五香豆", "休闲食品", "食品", "plain"),
    "cup": (Scheme.SHANGPIN, "suspended", "保温杯", "厨具", "器皿", "plain"),
    "cashmere": (Scheme.SHANGPIN, "revoked", "羊绒衫", "服装", "服饰", "plain"),
    "soap": (Scheme.CULTIVATION, "expired", "手工皂", "日化用品", "日化", "plain"),
    "pen": (Scheme.SHANGPIN, "terminated", "钢笔", "文具", "文具", "plain"),
    "honey": (Scheme.SHANGPIN, "publicity", "蜂蜜", "蜂产品", "蜂业", "plain"),
}
SHOP_COUNT = 8


@dataclass(frozen=True)
class Cast:
    seed: int
    holders: dict[str, HolderPlan]
    shops: tuple[ShopPlan, ...]


def _code(prefix: str, rng: random.Random, taken: set[str]) -> str:
    while True:
        body = prefix + "".join(rng.choice(ALPHABET) for _ in range(17 - len(prefix)))
        code = body + check_character(body)
        if code not in taken:
            taken.add(code)
            return code


def _spaced(code: str) -> str:
    """Grouped in fours, as some shops print it: the rules strip spaces before checking."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _mistyped(code: str) -> str:
    """The same code with a wrong check character: shown, but it matches nobody."""
    wrong = ALPHABET[(ALPHABET.index(code[-1]) + 7) % len(ALPHABET)]
    return code[:-1] + wrong


def make_cast(seed: int) -> Cast:
    rng = random.Random(f"shangpin-market-cast:{seed}")
    words = rng.sample(HOLDER_WORDS, len(ROLES))
    taken: set[str] = set()
    holders = {}
    for word, (role, (scheme, outcome, name, category, trade, display)) in zip(
        words, ROLES.items(), strict=True
    ):
        holder_code = _code(HOLDER_PREFIX, rng, taken)
        # The hidden-code holder carries full-width brackets, so name matching must unify them.
        if display == "hidden":
            company = f"{word}{trade}（上海）有限公司"
        else:
            company = f"上海{word}{trade}有限公司"
        holders[role] = HolderPlan(
            role=role,
            name=company,
            uscc=holder_code,
            scheme=scheme,
            outcome=outcome,
            scope=((ScopeKind.PRODUCT, name, category),),
            shown_code={"plain": holder_code, "spaced": _spaced(holder_code),
                        "hidden": None}[display],
        )
    shops = []
    for i, word in enumerate(rng.sample(SHOP_WORDS, SHOP_COUNT)):
        name = f"{word}{SHOP_KINDS[i % len(SHOP_KINDS)]}"
        code = _code(SHOP_PREFIX, rng, taken)
        # Two shops show no licence code, one a mistyped one; the rest their own.
        uscc: str | None = code
        shown: str | None = code
        if i in (2, 5):
            uscc = shown = None
        elif i == 6:
            shown = _mistyped(code)
        shops.append(ShopPlan(key=f"shop{i + 1}", name=name, uscc=uscc, shown_code=shown))
    return Cast(seed=seed, holders=holders, shops=tuple(shops))

"""The marketplace's shops and products, each product built for one case of the misuse rules.

Pure: the registry's values and a seed in, products out. Every product names the scenario it
plays and the alert kinds the rule table says it must raise, so the ground truth is written
down beside the product rather than re-derived from the images.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from issuer import ed25519
from issuer.payload import SignedMark, decode_code
from issuer.urls import mark_url
from shangpin.market.registry import HolderRecord, MarketRegistry
from storage.enums import Scheme

UNCERTIFIED = "uncertified_use"
SUSPENDED = "use_while_suspended"
REVOKED = "use_after_revocation"
EXPIRED = "use_after_expiry"
TERMINATED = "use_after_termination"
OUT_OF_SCOPE = "out_of_scope"
CLONED = "cloned_code"
FORGED = "forged_code"
ALERT_KINDS = frozenset(
    {UNCERTIFIED, SUSPENDED, REVOKED, EXPIRED, TERMINATED, OUT_OF_SCOPE, CLONED, FORGED}
)

#: Goods no holder is certified for: (name, category). Their categories differ from every
#: holder's scope category and their names contain no scope name.
GOODS = (
    ("纯棉四件套", "家纺"), ("棉麻抱枕", "家纺"), ("香薰蜡烛", "家居"), ("玻璃花瓶", "家居"),
    ("碧螺春礼盒", "茶叶"), ("白茶饼", "茶叶"), ("帆布托特包", "箱包"), ("真皮钱包", "箱包"),
    ("竹制牙刷", "日用品"), ("檀木梳", "日用品"), ("手机支架", "数码配件"), ("数据线", "数码配件"),
    ("木制积木", "玩具"), ("拼图", "玩具"), ("多肉盆栽", "绿植"), ("青花瓷碗", "餐具"),
)
ADJECTIVES = ("海派", "经典", "新款", "手工", "老上海", "简约", "精选", "复古")
SPECS = ("", " 礼盒装", " 2件套", " 包邮", " 大号", " 限量版", " 家用")
#: Categories a product may be filed under while its title still names a holder's scope.
GIFT_CATEGORY = "礼品"


@dataclass(frozen=True)
class Scenario:
    """One case of the rules: who sells, what, with which images, raising which alerts.

    ``goods`` is ``in`` (the seller's certified product, title and category), ``title``
    (the certified product named in the title, filed under another category), ``out``
    (something the seller is not certified for) or ``any`` (a shop's ordinary goods).
    Image recipes are read by ``shangpin.market.images``.
    """

    key: str
    seller: str  # a holder role or a shop key
    goods: str
    images: tuple[str, ...]
    expected: frozenset[str] = frozenset()
    genuine_mark: bool = False  # carries a genuine mark used as certified


def _s(key: str, seller: str, goods: str, images: tuple[str, ...], *kinds: str,
       genuine: bool = False) -> Scenario:
    return Scenario(key, seller, goods, images, frozenset(kinds), genuine)


SCENARIOS: tuple[Scenario, ...] = (
    # Genuine use: no alert.
    _s("genuine-mark", "silk", "in", ("photo", "mark:silk"), genuine=True),
    _s("genuine-emblem-title", "silk", "title", ("emblem:shangpin", "photo"), genuine=True),
    _s("genuine-emblem-spaced-code", "wine", "in", ("emblem:shangpin",), genuine=True),
    _s("genuine-by-name", "duck", "in", ("photo", "emblem:shangpin"), genuine=True),
    _s("genuine-mark-by-name", "duck", "in", ("mark:duck",), genuine=True),
    _s("genuine-cultivation", "bean", "in", ("emblem:cultivation", "photo"), genuine=True),
    _s("genuine-cultivation-mark", "bean", "in", ("mark:bean",), genuine=True),
    # Misuse.
    _s("uncertified", "shop1", "any", ("emblem:shangpin", "photo", "emblem:shangpin"),
       UNCERTIFIED),
    _s("uncertified-no-code", "shop3", "any", ("emblem:cultivation",), UNCERTIFIED),
    _s("uncertified-mistyped-code", "shop7", "any", ("photo", "emblem:shangpin"), UNCERTIFIED),
    _s("uncertified-in-publicity", "honey", "in", ("emblem:shangpin",), UNCERTIFIED),
    _s("suspended", "cup", "in", ("emblem:shangpin", "photo"), SUSPENDED),
    _s("suspended-mark", "cup", "in", ("mark:cup",), SUSPENDED),
    _s("revoked", "cashmere", "in", ("mark:cashmere",), REVOKED),
    _s("expired", "soap", "in", ("photo", "emblem:cultivation"), EXPIRED),
    _s("terminated", "pen", "in", ("emblem:shangpin",), TERMINATED),
    _s("out-of-scope", "silk", "out", ("emblem:shangpin",), OUT_OF_SCOPE),
    _s("cloned", "shop2", "any", ("mark:silk",), CLONED),
    _s("cloned-other-holder", "wine", "in", ("photo", "qr:silk"), CLONED),
    _s("forged", "shop4", "any", ("forged-mark:silk",), FORGED),
    _s("forged-and-uncertified", "shop5", "any", ("forged-qr:wine", "emblem:shangpin"),
       FORGED, UNCERTIFIED),
    _s("broken-image-and-uncertified", "shop8", "any", ("corrupt", "emblem:shangpin"),
       UNCERTIFIED),
    # Look-alikes and hostile images: no alert.
    _s("decoy-seal", "shop1", "any", ("decoy:seal-contract", "photo")),
    _s("decoy-red-badge", "silk", "out", ("decoy:badge-genuine",)),
    _s("decoy-blue-badge", "bean", "out", ("decoy:badge-selected",)),
    _s("decoy-green-badge", "shop6", "any", ("decoy:badge-organic",)),
    _s("decoy-text", "shop2", "any", ("decoy:text", "decoy:text")),
    _s("decoy-shop-qr", "shop4", "any", ("decoy:shop-qr", "photo")),
    _s("corrupt-image", "shop5", "any", ("photo", "corrupt")),
    _s("empty-image", "wine", "out", ("empty", "photo")),
    _s("decompression-bomb", "shop6", "any", ("bomb",)),
    _s("private-redirect-image", "shop7", "any", ("photo", "redirect")),
)
MIN_PRODUCTS = len(SCENARIOS)
#: Listings with hostile titles: markup that must stay text, and keyword stuffing.
SCRIPT_TITLE = "uncertified"
LONG_TITLE = "suspended"


@dataclass(frozen=True)
class Shop:
    id: str
    name: str
    credit_code: str | None  # as the licence page prints it
    holder: str | None  # the holder role, or None for a shop without a certificate

    @property
    def path(self) -> str:
        return f"/shop/{self.id}"


@dataclass(frozen=True)
class ImageSpec:
    """Everything that decides one listing image; rendered on demand, the same every time."""

    name: str
    recipe: str  # photo, emblem, mark, qr, decoy, corrupt, empty, bomb
    seed: int
    scheme: Scheme | None = None  # emblem artwork shown (emblem, mark)
    qr_text: str | None = None  # what a QR in the image reads (mark, qr, decoy:shop-qr)
    number: str | None = None  # the certificate number printed under a full mark
    decoy: str | None = None  # asset name for decoys

    @property
    def path(self) -> str:
        return f"/images/{self.name}.jpg"

    @property
    def emblem(self) -> str | None:
        """The emblem the detector should find here, if any."""
        return self.scheme.value if self.scheme is not None else None


@dataclass(frozen=True)
class Product:
    id: str
    title: str
    price: str
    category: str
    shop: Shop
    images: tuple[ImageSpec, ...]
    scenario: str
    expected: frozenset[str] = frozenset()
    genuine_mark: bool = False
    #: Image URLs that are not served images (a redirect to a private address).
    extra_image_urls: tuple[str, ...] = field(default=())

    @property
    def path(self) -> str:
        return f"/item/{self.id}"

    @property
    def image_urls(self) -> tuple[str, ...]:
        return (*(image.path for image in self.images), *self.extra_image_urls)


@dataclass(frozen=True)
class Catalogue:
    shops: tuple[Shop, ...]
    products: tuple[Product, ...]  # in listing order


def forged_code(code: str, seed: int) -> str:
    """The same claims under a signature by a key the alliance never had: verifies as forged.

    The key id stays the registered one, so a verifier finds the key and the signature fails,
    which is what a counterfeiter copying a genuine code and altering it produces.
    """
    mark = decode_code(code)
    forger = ed25519.Signer(hashlib.sha256(f"sample-market-forger:{seed}".encode()).digest())
    return SignedMark(mark.payload, forger.sign(mark.payload.signing_input())).encode()


def build_catalogue(market: MarketRegistry, *, seed: int, count: int, host: str) -> Catalogue:
    """Every scenario once, then ordinary goods up to ``count``, shuffled into listing order."""
    if count < MIN_PRODUCTS:
        raise ValueError(f"the sample market needs at least {MIN_PRODUCTS} products")
    rng = random.Random(f"shangpin-market:{seed}")
    shops = _shops(market, rng)
    by_key = {key: shop for key, shop in shops}
    shop_list = tuple(shop for _, shop in shops)
    drafts: list[tuple[Scenario, Shop]] = [(s, by_key[s.seller]) for s in SCENARIOS]
    for i in range(count - len(SCENARIOS)):
        n_images = rng.choice((1, 1, 2, 2, 3))
        drafts.append((_s(f"unmarked-{i + 1}", "", "any", ("photo",) * n_images),
                       rng.choice(shop_list)))
    rng.shuffle(drafts)
    ids = sorted(rng.sample(range(10_000, 100_000), len(drafts)))
    products = []
    for pid, (scenario, shop) in zip(ids, drafts, strict=True):
        holder = market.holders.get(shop.holder) if shop.holder else None
        products.append(_product(str(pid), scenario, shop, holder, market, rng, seed, host))
    return Catalogue(shop_list, tuple(products))


def _shops(market: MarketRegistry, rng: random.Random) -> list[tuple[str, Shop]]:
    entries: list[tuple[str, str, str | None, str | None]] = [
        (role, h.plan.name, h.plan.shown_code, role) for role, h in market.holders.items()
    ]
    entries += [(s.key, s.name, s.shown_code, None) for s in market.cast.shops]
    rng.shuffle(entries)
    return [
        (key, Shop(f"s{i + 1:02d}", name, code, holder))
        for i, (key, name, code, holder) in enumerate(entries)
    ]


def _product(pid: str, scenario: Scenario, shop: Shop, holder: HolderRecord | None,
             market: MarketRegistry, rng: random.Random, seed: int, host: str) -> Product:
    title, category = _goods(scenario, holder, rng)
    if scenario.key == SCRIPT_TITLE:
        title = "<script>alert('上品')</script>" + title
    elif scenario.key == LONG_TITLE:
        title = " ".join([title, *(f"{w} {title}" for w in ADJECTIVES)] * 3)
    images = []
    extra: list[str] = []
    for k, recipe in enumerate(scenario.images):
        if recipe == "redirect":
            extra.append(f"/go/{pid}")
            continue
        images.append(_image(f"{pid}-{k + 1}", recipe, market, rng, seed, host, pid))
    price = f"¥{rng.choice((9.9, 19.9, 29, 39.9, 59, 88, 128, 168, 199, 268, 399, 688)):.2f}"
    return Product(pid, title, price, category, shop, tuple(images), scenario.key,
                   scenario.expected, scenario.genuine_mark, tuple(extra))


def _goods(scenario: Scenario, holder: HolderRecord | None,
           rng: random.Random) -> tuple[str, str]:
    adjective, spec = rng.choice(ADJECTIVES), rng.choice(SPECS)
    if scenario.goods in ("in", "title"):
        if holder is None:
            raise ValueError(f"scenario {scenario.key} needs a holder as seller")
        plan = holder.plan
        category = plan.scope_category if scenario.goods == "in" else GIFT_CATEGORY
        return f"{adjective}{plan.scope_name}{spec}", category
    name, category = rng.choice(GOODS)
    return f"{adjective}{name}{spec}", category


def _image(name: str, recipe: str, market: MarketRegistry, rng: random.Random, seed: int,
           host: str, pid: str) -> ImageSpec:
    kind, _, arg = recipe.partition(":")
    image_seed = rng.getrandbits(63)
    if kind == "emblem":
        return ImageSpec(name, "emblem", image_seed, scheme=Scheme(arg))
    if kind in ("mark", "qr", "forged-mark", "forged-qr"):
        holder = market.holders[arg]
        code = holder.mark_code
        if kind.startswith("forged"):
            code = forged_code(code, seed)
        url = mark_url(host, code)
        if kind.endswith("qr"):
            return ImageSpec(name, "qr", image_seed, qr_text=url)
        return ImageSpec(name, "mark", image_seed, scheme=holder.plan.scheme, qr_text=url,
                         number=holder.number)
    if kind == "decoy":
        if arg == "shop-qr":
            return ImageSpec(name, "decoy", image_seed, decoy=arg,
                             qr_text=f"https://shop.example.com/item/{pid}?from=qr")
        return ImageSpec(name, "decoy", image_seed, decoy=arg)
    if kind in ("photo", "corrupt", "empty", "bomb"):
        return ImageSpec(name, kind, image_seed)
    raise ValueError(f"unknown image recipe {recipe!r}")

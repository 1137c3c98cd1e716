"""A sample marketplace to crawl: products showing the marks in every way the rules know.

It lives in the composition root because it does both halves: it seeds the registry through
``issuer`` (holders in every status) and serves shop pages with generated photos. Each
product plays one case of the misuse rule table and carries the alerts it must raise, so a
crawl of it can be scored exactly. See docs/marketplace.md.
"""

from __future__ import annotations

from shangpin.market.app import HITS, make_app
from shangpin.market.marketplace import DEFAULT_PRODUCTS, Market
from shangpin.market.registry import MarketRegistry, load_registry, seed_registry

__all__ = [
    "DEFAULT_PRODUCTS",
    "HITS",
    "Market",
    "MarketRegistry",
    "load_registry",
    "make_app",
    "seed_registry",
]

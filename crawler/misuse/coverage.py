"""Whether a certificate covers the product a listing sells.

A listing's category rarely uses the registry's exact words, and its title is free text, so
both are compared after the same normalisation as seller names: a scope item covers the
product when its category equals the listing's category, or its product name appears in
the listing's title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crawler.misuse.matching import normalise_name


@dataclass(frozen=True)
class ScopeView:
    """One product or service a certificate covers."""

    name: str
    category: str


@dataclass(frozen=True)
class Product:
    """What the listing sells, as it says."""

    title: str
    category: str | None = None


def covers(scope: Iterable[ScopeView], product: Product) -> bool:
    category = normalise_name(product.category or "")
    title = normalise_name(product.title)
    for item in scope:
        if category and normalise_name(item.category) == category:
            return True
        name = normalise_name(item.name)
        if name and name in title:
            return True
    return False

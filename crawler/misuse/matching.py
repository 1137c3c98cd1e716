"""Who is selling: a listing's seller matched to a registered subject.

A credit code that passes the GB 32100 check identifies a legal person, so it is trusted
alone; a shop name is only a hint, compared after normalisation (full-width letters,
spaces and punctuation are how the same name is spelled differently across sites).
Pure: the candidate subjects are given as values.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from storage.uscc import is_valid_uscc

#: Opening and closing brackets (after NFKC) that all read as "(" and ")" in a name.
_OPENERS = "([{【〔〖〘〚⦅〈《"
_CLOSERS = ")]}】〕〗〙〛⦆〉》"
_BRACKETS = {**{ord(c): "(" for c in _OPENERS}, **{ord(c): ")" for c in _CLOSERS}}


class MatchMethod(enum.StrEnum):
    CREDIT_CODE = "credit_code"
    NAME = "name"
    NONE = "none"


@dataclass(frozen=True)
class SubjectRef:
    """A registered subject, as far as matching needs it."""

    id: int
    name: str
    credit_code: str


@dataclass(frozen=True)
class SellerMatch:
    method: MatchMethod
    subject: SubjectRef | None = None
    #: The shown credit code after cleaning, when it passed the check (else None).
    credit_code: str | None = None
    #: Subjects sharing the seller's normalised name; more than one means no match.
    name_candidates: int = 0

    @property
    def matched(self) -> bool:
        return self.subject is not None


def normalise_name(text: str) -> str:
    """NFKC, case-folded, brackets unified to ASCII, whitespace and other punctuation gone."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    folded = folded.translate(_BRACKETS)
    return "".join(
        ch for ch in folded
        if ch in "()"
        or not (ch.isspace() or unicodedata.category(ch)[0] in "PZC")
    )


def clean_credit_code(text: str | None) -> str | None:
    """The shown credit code without spaces, upper-cased, if it passes the GB 32100 check."""
    if not text:
        return None
    code = "".join(text.split())
    # upper() of non-ASCII letters can make ASCII ones (the ligature "ﬀ" gives "FF").
    if not code.isascii():
        return None
    code = code.upper()
    return code if is_valid_uscc(code) else None


def name_index(subjects: Iterable[SubjectRef]) -> dict[str, tuple[SubjectRef, ...]]:
    """Subjects by normalised name."""
    index: dict[str, list[SubjectRef]] = {}
    for subject in subjects:
        key = normalise_name(subject.name)
        if key:
            index.setdefault(key, []).append(subject)
    return {key: tuple(found) for key, found in index.items()}


def match_seller(
    name: str | None,
    credit_code: str | None,
    *,
    by_code: Mapping[str, SubjectRef],
    by_name: Mapping[str, tuple[SubjectRef, ...]],
) -> SellerMatch:
    """Match by a valid credit code only; else by normalised name; else no match.

    A valid code that no subject has is no match: a seller showing its own real code is
    not someone else merely because the names look alike. Two subjects with the same
    normalised name are no match either, rather than a guess between them.
    """
    code = clean_credit_code(credit_code)
    if code is not None:
        subject = by_code.get(code)
        if subject is None:
            return SellerMatch(MatchMethod.NONE, credit_code=code)
        return SellerMatch(MatchMethod.CREDIT_CODE, subject, credit_code=code)
    key = normalise_name(name or "")
    found = by_name.get(key, ()) if key else ()
    if len(found) == 1:
        return SellerMatch(MatchMethod.NAME, found[0], name_candidates=1)
    return SellerMatch(MatchMethod.NONE, name_candidates=len(found))

"""Credit rating (信用动态评价) and credit repair (信用修复): the rules, without I/O.

A subject's grade is computed from the events in its credit file that still count:

* an adverse event (minor, major, severe) counts until it is repaired;
* a positive event counts for ``POSITIVE_MONTHS`` after it happened.

Each counting adverse event adds its weight in demerit points; each counting positive
event takes one point off, at most ``MAX_CREDITS`` in all. A counting severe event makes
the grade D whatever else the file holds: good conduct cannot outweigh a revocation.

=====  ==========================  ===========================================
Grade  Net points (demerits minus  Meaning
       credits, never below 0)
=====  ==========================  ===========================================
A      0                           in good standing (守信)
B      1-2                         minor lapses (基本守信)
C      3-8                         under warning (失信警示)
D      9 or more, or any severe    seriously untrustworthy (严重失信)
=====  ==========================  ===========================================

Repair: an adverse event is repaired once the subject has gone ``REPAIR_MONTHS`` of its
severity without a new adverse event: the clean period runs from the latest adverse
event recorded on or after it (the event itself included), so a new lapse starts it again.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from storage.enums import CreditSeverity as Severity

#: Demerit points per counting adverse event.
WEIGHTS: dict[Severity, int] = {Severity.MINOR: 1, Severity.MAJOR: 3, Severity.SEVERE: 9}
#: Months without a new adverse event after which an adverse event is repaired.
REPAIR_MONTHS: dict[Severity, int] = {Severity.MINOR: 6, Severity.MAJOR: 12, Severity.SEVERE: 36}
#: A positive event (a surveillance visit passed) counts for one surveillance cycle.
POSITIVE_MONTHS = 12
#: Positive events can take off at most this many points.
MAX_CREDITS = 2


class Grade(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


#: (lowest net points, grade), checked from the top.
GRADE_TABLE: tuple[tuple[int, Grade], ...] = ((9, Grade.D), (3, Grade.C), (1, Grade.B),
                                              (0, Grade.A))


@dataclass(frozen=True)
class Fact:
    """One credit event as the rules see it: its severity, its Shanghai date, whether repaired."""

    severity: Severity
    occurred_on: dt.date
    repaired: bool = False

    @property
    def adverse(self) -> bool:
        return self.severity is not Severity.POSITIVE


@dataclass(frozen=True)
class Rating:
    grade: Grade
    demerits: int
    credits: int
    #: Adverse events that count today.
    counting: int
    severe: bool

    @property
    def points(self) -> int:
        return max(0, self.demerits - self.credits)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def counts(fact: Fact, on: dt.date) -> bool:
    """Whether ``fact`` weighs on the grade on day ``on``."""
    if fact.repaired or fact.occurred_on > on:
        return False
    if fact.adverse:
        return True
    return on < add_months(fact.occurred_on, POSITIVE_MONTHS)


def grade_for(points: int, severe: bool) -> Grade:
    if severe:
        return Grade.D
    return next(grade for floor, grade in GRADE_TABLE if points >= floor)


def rate(facts: Sequence[Fact], on: dt.date) -> Rating:
    """The grade on day ``on`` from every event in one subject's file."""
    counting = [f for f in facts if counts(f, on)]
    adverse = [f for f in counting if f.adverse]
    demerits = sum(WEIGHTS[f.severity] for f in adverse)
    credits = min(MAX_CREDITS, len(counting) - len(adverse))
    severe = any(f.severity is Severity.SEVERE for f in adverse)
    return Rating(grade_for(max(0, demerits - credits), severe), demerits, credits,
                  len(adverse), severe)


def repair_date(fact: Fact, facts: Sequence[Fact]) -> dt.date | None:
    """The day ``fact`` is repaired if no new adverse event comes; None if it never needs one."""
    if not fact.adverse or fact.repaired:
        return None
    clean_since = max([fact.occurred_on, *(f.occurred_on for f in facts
                                           if f.adverse and f.occurred_on >= fact.occurred_on)])
    return add_months(clean_since, REPAIR_MONTHS[fact.severity])


def repairable(facts: Sequence[Fact], on: dt.date) -> list[int]:
    """Indexes of the unrepaired adverse events whose clean period has passed by ``on``."""
    known = [f for f in facts if f.occurred_on <= on]
    due = []
    for index, fact in enumerate(facts):
        if fact.occurred_on > on:
            continue
        when = repair_date(fact, known)
        if when is not None and when <= on:
            due.append(index)
    return due

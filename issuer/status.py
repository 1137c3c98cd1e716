"""Certificate status rules: which changes are allowed, and what the public sees.

Pure: states, dates and counts in; a planned transition or ``IllegalTransition``
out. The caller applies the plan and writes the event in one transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from issuer.errors import IllegalTransition
from storage.enums import CertificateState as State

#: Dates in the scheme are Shanghai calendar dates.
TIMEZONE = ZoneInfo("Asia/Shanghai")
MAX_REASON = 2000


def today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Shanghai (the calendar certificates are dated in)."""
    if now is not None and now.tzinfo is None:
        raise ValueError("naive datetime given; use an aware datetime")
    return (now or dt.datetime.now(dt.UTC)).astimezone(TIMEZONE).date()


class PublicStatus(enum.StrEnum):
    """What a verifier shows: the stored state, or ``expired`` once the date has passed."""

    PUBLICITY = "publicity"
    VALID = "valid"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    REVOKED = "revoked"

    @property
    def standing(self) -> bool:
        """Whether the holder may print the mark today."""
        return self is PublicStatus.VALID


class Action(enum.StrEnum):
    ACTIVATE = "activate"  # publicity over, no upheld objection: the certificate is issued
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    TERMINATE = "terminate"  # early end at the holder's request


#: action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.ACTIVATE: (frozenset({State.PUBLICITY}), State.VALID),
    Action.SUSPEND: (frozenset({State.VALID}), State.SUSPENDED),
    Action.REINSTATE: (frozenset({State.SUSPENDED}), State.VALID),
    Action.REVOKE: (frozenset({State.VALID, State.SUSPENDED}), State.REVOKED),
    Action.TERMINATE: (frozenset({State.VALID, State.SUSPENDED}), State.TERMINATED),
}
REASON_REQUIRED = frozenset({Action.SUSPEND, Action.REVOKE, Action.TERMINATE})
#: Revocation is still recorded after expiry (the public record should say so);
#: nothing else changes an expired certificate.
ALLOWED_AFTER_EXPIRY = frozenset({Action.REVOKE})


def is_expired(valid_until: dt.date, on: dt.date) -> bool:
    """Expired from the day after ``valid_until``: the last day is still valid."""
    return on > valid_until


def public_status(state: State, valid_until: dt.date, on: dt.date) -> PublicStatus:
    """Derive what the public sees; ``expired`` is never stored."""
    if state in (State.VALID, State.SUSPENDED) and is_expired(valid_until, on):
        return PublicStatus.EXPIRED
    return PublicStatus(state.value)


@dataclass(frozen=True)
class Objections:
    pending: int = 0
    upheld: int = 0


@dataclass(frozen=True)
class Transition:
    action: Action
    from_state: State
    to_state: State
    reason: str | None


def plan(
    action: Action,
    state: State,
    *,
    on: dt.date,
    valid_until: dt.date,
    publicity_end: dt.date,
    reason: str | None = None,
    objections: Objections = Objections(),
) -> Transition:
    """Check one change against the rules and return it, or raise ``IllegalTransition``."""
    sources, target = TRANSITIONS[action]
    if state not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise IllegalTransition(
            f"cannot {action.value} a certificate that is {state.value} (only from: {allowed})"
        )
    cleaned = (reason or "").strip() or None
    if action in REASON_REQUIRED and cleaned is None:
        raise IllegalTransition(f"to {action.value} a certificate a written reason is required")
    if cleaned is not None and len(cleaned) > MAX_REASON:
        raise IllegalTransition(f"the reason is longer than {MAX_REASON} characters")
    if is_expired(valid_until, on) and action not in ALLOWED_AFTER_EXPIRY:
        raise IllegalTransition(
            f"cannot {action.value} a certificate that expired on {valid_until.isoformat()}"
        )
    if action is Action.ACTIVATE:
        if on <= publicity_end:
            raise IllegalTransition(
                f"the publicity period runs until {publicity_end.isoformat()}; "
                "the certificate can be issued after it"
            )
        if objections.upheld:
            raise IllegalTransition("an objection was upheld during publicity")
        if objections.pending:
            raise IllegalTransition(
                f"{objections.pending} objection(s) lodged during publicity are undecided"
            )
    return Transition(action, state, target, cleaned)

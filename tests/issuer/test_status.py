"""Certificate status rules: every action from every state, reasons, publicity, expiry."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from issuer import status
from issuer.errors import IllegalTransition
from issuer.status import (
    MAX_REASON,
    Action,
    Objections,
    PublicStatus,
    Transition,
    plan,
    public_status,
    today,
)
from storage.enums import CertificateState as State

PUBLICITY_END = dt.date(2026, 3, 10)
ON = PUBLICITY_END + dt.timedelta(days=1)
VALID_UNTIL = dt.date(2029, 3, 10)
DAY = dt.timedelta(days=1)

# The scheme's rules, written out from the brief rather than read from status.TRANSITIONS.
LEGAL: dict[tuple[Action, State], State] = {
    (Action.ACTIVATE, State.PUBLICITY): State.VALID,
    (Action.SUSPEND, State.VALID): State.SUSPENDED,
    (Action.REINSTATE, State.SUSPENDED): State.VALID,
    (Action.REVOKE, State.VALID): State.REVOKED,
    (Action.REVOKE, State.SUSPENDED): State.REVOKED,
    (Action.TERMINATE, State.VALID): State.TERMINATED,
    (Action.TERMINATE, State.SUSPENDED): State.TERMINATED,
}
NEEDS_REASON = {Action.SUSPEND, Action.REVOKE, Action.TERMINATE}
ALL_PAIRS = list(itertools.product(Action, State))
LEGAL_PAIRS = [pair for pair in ALL_PAIRS if pair in LEGAL]
ILLEGAL_PAIRS = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def pair_id(pair: tuple[Action, State]) -> str:
    return f"{pair[0].value}-from-{pair[1].value}"


def plan_on(action: Action, state: State, **overrides: object) -> Transition:
    arguments: dict[str, object] = {
        "on": ON,
        "valid_until": VALID_UNTIL,
        "publicity_end": PUBLICITY_END,
        "reason": "documented in the surveillance report",
    }
    arguments.update(overrides)
    return plan(action, state, **arguments)  # type: ignore[arg-type]


def test_the_matrix_covers_every_action_and_state() -> None:
    assert len(ALL_PAIRS) == len(Action) * len(State) == 25
    assert len(LEGAL_PAIRS) == len(LEGAL)


@pytest.mark.parametrize("pair", LEGAL_PAIRS, ids=pair_id)
def test_legal_transition_returns_the_planned_change(pair: tuple[Action, State]) -> None:
    action, state = pair
    transition = plan_on(action, state)
    assert transition == Transition(
        action=action,
        from_state=state,
        to_state=LEGAL[pair],
        reason="documented in the surveillance report",
    )


@pytest.mark.parametrize("pair", ILLEGAL_PAIRS, ids=pair_id)
def test_illegal_transition_is_refused_naming_action_and_state(pair: tuple[Action, State]) -> None:
    action, state = pair
    with pytest.raises(IllegalTransition) as excinfo:
        plan_on(action, state)
    message = str(excinfo.value)
    assert action.value in message
    assert state.value in message
    # The message also says where the action can start from.
    for source in (s for (a, s) in LEGAL if a is action):
        assert source.value in message


@pytest.mark.parametrize("pair", ILLEGAL_PAIRS, ids=pair_id)
def test_illegal_transition_is_refused_even_with_every_other_condition_met(
    pair: tuple[Action, State],
) -> None:
    action, state = pair
    with pytest.raises(IllegalTransition):
        plan_on(action, state, on=PUBLICITY_END + 30 * DAY, objections=Objections())


# -- reasons ------------------------------------------------------------------------------


def legal_start(action: Action) -> State:
    return next(s for (a, s) in LEGAL if a is action)


@pytest.mark.parametrize("action", sorted(NEEDS_REASON))
@pytest.mark.parametrize("reason", [None, "", "   ", "\t\n ", "\u3000"])
def test_suspend_revoke_terminate_require_a_reason(action: Action, reason: str | None) -> None:
    for state in (s for (a, s) in LEGAL if a is action):
        with pytest.raises(IllegalTransition, match="reason") as excinfo:
            plan_on(action, state, reason=reason)
        assert action.value in str(excinfo.value)


@pytest.mark.parametrize("action", [Action.REINSTATE, Action.ACTIVATE])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reinstate_and_activate_need_no_reason(action: Action, reason: str | None) -> None:
    transition = plan_on(action, legal_start(action), reason=reason)
    assert transition.to_state is LEGAL[(action, legal_start(action))]
    assert transition.reason is None


@pytest.mark.parametrize("action", list(Action))
def test_reason_is_stored_without_surrounding_whitespace(action: Action) -> None:
    transition = plan_on(action, legal_start(action), reason="  \n late surveillance fee \t")
    assert transition.reason == "late surveillance fee"


@pytest.mark.parametrize("action", list(Action))
def test_reason_up_to_the_limit_is_kept_and_longer_is_refused(action: Action) -> None:
    start = legal_start(action)
    longest = "x" * MAX_REASON
    assert plan_on(action, start, reason=longest).reason == longest
    # Whitespace around the text does not count against the limit.
    assert plan_on(action, start, reason=f"  {longest}  ").reason == longest
    for too_long in ("x" * (MAX_REASON + 1), "理" * 10_000):
        with pytest.raises(IllegalTransition, match=str(MAX_REASON)):
            plan_on(action, start, reason=too_long)


def test_reason_limit_is_a_sensible_size() -> None:
    assert 200 <= MAX_REASON <= 100_000


# -- activation after publicity -------------------------------------------------------------


@pytest.mark.parametrize("days_before", [0, 1, 7, 365])
def test_activation_is_refused_on_or_before_the_end_of_publicity(days_before: int) -> None:
    on = PUBLICITY_END - days_before * DAY
    with pytest.raises(IllegalTransition, match="publicity") as excinfo:
        plan_on(Action.ACTIVATE, State.PUBLICITY, on=on)
    assert PUBLICITY_END.isoformat() in str(excinfo.value)


@pytest.mark.parametrize("days_after", [1, 2, 90])
def test_activation_is_allowed_from_the_day_after_publicity(days_after: int) -> None:
    transition = plan_on(Action.ACTIVATE, State.PUBLICITY, on=PUBLICITY_END + days_after * DAY)
    assert transition.to_state is State.VALID


@pytest.mark.parametrize(
    ("objections", "words"),
    [
        (Objections(pending=1), "undecided"),
        (Objections(pending=3), "3 objection"),
        (Objections(upheld=1), "upheld"),
        (Objections(pending=2, upheld=1), "upheld"),
    ],
)
def test_activation_is_refused_with_pending_or_upheld_objections(
    objections: Objections, words: str
) -> None:
    with pytest.raises(IllegalTransition, match=words):
        plan_on(Action.ACTIVATE, State.PUBLICITY, objections=objections)


def test_activation_with_no_open_objections_goes_ahead() -> None:
    assert plan_on(Action.ACTIVATE, State.PUBLICITY, objections=Objections(0, 0)).to_state is (
        State.VALID
    )


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.ACTIVATE])
def test_objections_only_matter_for_activation(action: Action) -> None:
    transition = plan_on(action, legal_start(action), objections=Objections(pending=2, upheld=1))
    assert transition.to_state is LEGAL[(action, legal_start(action))]


# -- expiry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.VALID, State.SUSPENDED])
def test_public_status_turns_expired_the_day_after_valid_until(state: State) -> None:
    own = PublicStatus(state.value)
    assert public_status(state, VALID_UNTIL, VALID_UNTIL - 365 * DAY) is own
    assert public_status(state, VALID_UNTIL, VALID_UNTIL - DAY) is own
    assert public_status(state, VALID_UNTIL, VALID_UNTIL) is own
    assert public_status(state, VALID_UNTIL, VALID_UNTIL + DAY) is PublicStatus.EXPIRED
    assert public_status(state, VALID_UNTIL, VALID_UNTIL + 3650 * DAY) is PublicStatus.EXPIRED


@pytest.mark.parametrize("state", [State.PUBLICITY, State.TERMINATED, State.REVOKED])
@pytest.mark.parametrize("offset", [-1, 0, 1, 1000])
def test_other_states_keep_their_own_public_status_after_the_date(
    state: State, offset: int
) -> None:
    assert public_status(state, VALID_UNTIL, VALID_UNTIL + offset * DAY).value == state.value


def test_only_a_valid_certificate_has_standing() -> None:
    assert {s for s in PublicStatus if s.standing} == {PublicStatus.VALID}
    assert not public_status(State.VALID, VALID_UNTIL, VALID_UNTIL + DAY).standing
    assert public_status(State.VALID, VALID_UNTIL, VALID_UNTIL).standing


@pytest.mark.parametrize("pair", LEGAL_PAIRS, ids=pair_id)
def test_after_expiry_only_revocation_is_allowed(pair: tuple[Action, State]) -> None:
    action, state = pair
    expired_on = VALID_UNTIL + DAY
    if action is Action.REVOKE:
        assert plan_on(action, state, on=expired_on).to_state is State.REVOKED
    else:
        with pytest.raises(IllegalTransition, match="expired") as excinfo:
            plan_on(action, state, on=expired_on)
        assert VALID_UNTIL.isoformat() in str(excinfo.value)
        assert action.value in str(excinfo.value)


@pytest.mark.parametrize("pair", LEGAL_PAIRS, ids=pair_id)
def test_on_the_last_valid_day_every_legal_action_is_still_allowed(
    pair: tuple[Action, State],
) -> None:
    action, state = pair
    on = VALID_UNTIL
    assert plan_on(action, state, on=on, publicity_end=on - DAY).to_state is LEGAL[pair]


def test_a_certificate_whose_validity_ended_during_publicity_cannot_be_activated() -> None:
    with pytest.raises(IllegalTransition, match="expired"):
        plan_on(Action.ACTIVATE, State.PUBLICITY, valid_until=PUBLICITY_END)


# -- the Shanghai calendar ------------------------------------------------------------------

UTC = dt.UTC


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 1, 1, 16, 30, tzinfo=UTC), dt.date(2026, 1, 2)),
        (dt.datetime(2026, 1, 1, 15, 59, 59, tzinfo=UTC), dt.date(2026, 1, 1)),
        (dt.datetime(2026, 1, 1, 16, 0, tzinfo=UTC), dt.date(2026, 1, 2)),
        (dt.datetime(2025, 12, 31, 23, 59, tzinfo=UTC), dt.date(2026, 1, 1)),
        # China keeps UTC+8 all year: no daylight-saving shift in summer.
        (dt.datetime(2026, 7, 1, 15, 59, tzinfo=UTC), dt.date(2026, 7, 1)),
        (dt.datetime(2026, 7, 1, 16, 0, tzinfo=UTC), dt.date(2026, 7, 2)),
        # Other offsets are converted, not read as Shanghai wall-clock time.
        (dt.datetime(2026, 1, 1, 11, 30, tzinfo=ZoneInfo("America/New_York")), dt.date(2026, 1, 2)),
        (
            dt.datetime(2026, 1, 2, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            dt.date(2026, 1, 2),
        ),
    ],
)
def test_today_is_the_shanghai_calendar_date(now: dt.datetime, expected: dt.date) -> None:
    assert today(now) == expected


def test_today_without_an_argument_is_the_current_shanghai_date() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    before = dt.datetime.now(shanghai).date()
    result = today()
    after = dt.datetime.now(shanghai).date()
    assert result in {before, after}
    assert status.TIMEZONE.key == "Asia/Shanghai"

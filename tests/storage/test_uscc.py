"""GB 32100-2015 unified social credit code: the check character catches typing errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.uscc import (
    InvalidCreditCode,
    check_character,
    is_valid_uscc,
    parse_uscc,
    validate_uscc,
)

# Written out from GB 32100-2015 (table 1 and clause 5), not taken from the module.
GB_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Real registered codes, each checked by hand against the standard.
KNOWN_VALID = (
    "91330100799655058B",
    "9144030071526726XG",
    "914403001922038216",
    "91310000132200821H",
    "91310000607355727D",
)

# Characters a user might type that GB 32100 does not allow.
OUTSIDE_ALPHABET = ("I", "O", "S", "V", "Z", "a", "y", " ", "-", "中", "Ａ", "０", "\n")


def reference_check(body: str) -> str:
    """Independent GB 32100 check character: C18 = 31 - (sum Ci*Wi mod 31), 31 -> 0."""
    total = sum(GB_ALPHABET.index(ch) * weight for ch, weight in zip(body, GB_WEIGHTS, strict=True))
    return GB_ALPHABET[(31 - total % 31) % 31]


def single_character_changes(code: str):
    for position, original in enumerate(code):
        replacements = [ch for ch in GB_ALPHABET if ch != original]
        replacements += [ch for ch in OUTSIDE_ALPHABET if ch != original]
        if original.isalpha():
            replacements.append(original.lower())
        for replacement in replacements:
            yield position, replacement, code[:position] + replacement + code[position + 1 :]


bodies = st.text(alphabet=GB_ALPHABET, min_size=17, max_size=17)


def test_reference_implementation_agrees_with_the_published_codes() -> None:
    # Guards the cross-check itself: if the reference were wrong, the tests below would be moot.
    for code in KNOWN_VALID:
        assert reference_check(code[:17]) == code[17]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid_codes_are_accepted(code: str) -> None:
    assert validate_uscc(code) == code
    assert is_valid_uscc(code) is True
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_every_single_character_change_is_refused(code: str) -> None:
    accepted = []
    for position, replacement, changed in single_character_changes(code):
        assert len(changed) == 18
        if is_valid_uscc(changed):
            accepted.append((position, replacement))
        with pytest.raises(InvalidCreditCode):
            validate_uscc(changed)
    assert accepted == []


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_every_swap_of_two_different_body_characters_is_refused(code: str) -> None:
    # The weights 3**i mod 31 are pairwise distinct for i < 17, so any transposition of
    # two different characters changes the weighted sum.
    for i in range(17):
        for j in range(i + 1, 17):
            if code[i] == code[j]:
                continue
            swapped = list(code)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            assert not is_valid_uscc("".join(swapped)), (i, j)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_wrong_check_character_message_names_the_problem(code: str) -> None:
    wrong = next(ch for ch in GB_ALPHABET if ch != code[17])
    with pytest.raises(InvalidCreditCode, match="check character") as excinfo:
        validate_uscc(code[:17] + wrong)
    assert code[17] in str(excinfo.value)


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "a", "中"])
def test_character_outside_the_alphabet_is_named_in_the_message(bad: str) -> None:
    code = KNOWN_VALID[0][:5] + bad + KNOWN_VALID[0][6:]
    with pytest.raises(InvalidCreditCode) as excinfo:
        validate_uscc(code)
    assert repr(bad) in str(excinfo.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9",
        KNOWN_VALID[0][:17],
        KNOWN_VALID[0] + "0",
        KNOWN_VALID[0] + KNOWN_VALID[0],
        " " + KNOWN_VALID[0],
        KNOWN_VALID[0] + "\n",
    ],
)
def test_wrong_length_is_refused_with_a_message_that_says_so(text: str) -> None:
    assert not is_valid_uscc(text)
    with pytest.raises(InvalidCreditCode, match="18 characters") as excinfo:
        validate_uscc(text)
    assert f"got {len(text)}" in str(excinfo.value)


def test_invalid_credit_code_is_a_value_error() -> None:
    # Callers (model validators, form parsing) catch ValueError.
    with pytest.raises(ValueError):
        validate_uscc("not a code")


SPELLINGS = {
    "surrounding spaces": lambda c: "  " + c + "  ",
    "tab and newline": lambda c: "\t" + c + "\n",
    "ideographic space": lambda c: "\u3000" + c + " ",
}


@pytest.mark.parametrize("code", KNOWN_VALID)
@pytest.mark.parametrize("spell", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_parse_forgives_surrounding_whitespace(code: str, spell) -> None:
    assert parse_uscc(spell(code)) == code
    assert parse_uscc(spell(code.lower())) == code


@pytest.mark.parametrize("code", [c for c in KNOWN_VALID if not c.isdigit()])
def test_parse_forgives_lower_case(code: str) -> None:
    assert code.lower() != code
    assert not is_valid_uscc(code.lower())  # the strict check does not forgive it...
    assert parse_uscc(code.lower()) == code  # ...but user input is normalised first
    mixed = "".join(ch.lower() if i % 2 else ch for i, ch in enumerate(code))
    assert parse_uscc(mixed) == code


def test_parse_still_refuses_a_wrong_code_after_normalising() -> None:
    code = KNOWN_VALID[0]
    wrong = code[:17] + next(ch for ch in GB_ALPHABET if ch != code[17])
    with pytest.raises(InvalidCreditCode, match="check character"):
        parse_uscc("  " + wrong.lower() + " ")
    with pytest.raises(InvalidCreditCode, match="18 characters"):
        parse_uscc(" " + code[:16].lower() + " ")


@pytest.mark.parametrize(
    "body", ["", "9133010079965505", "913301007996550588", "91330100799655O58", "9133010079965505i"]
)
def test_check_character_refuses_bad_bodies(body: str) -> None:
    with pytest.raises(InvalidCreditCode):
        check_character(body)


@settings(max_examples=300)
@given(bodies)
def test_check_character_matches_the_reference_and_always_validates(body: str) -> None:
    check = check_character(body)
    assert check == reference_check(body)
    assert validate_uscc(body + check) == body + check
    assert is_valid_uscc(body + check)


@settings(max_examples=200)
@given(bodies, st.sampled_from(GB_ALPHABET))
def test_any_other_check_character_is_refused(body: str, check: str) -> None:
    assert is_valid_uscc(body + check) is (check == reference_check(body))

"""The unified social credit code's check character (GB 32100-2015)."""

from __future__ import annotations

import pytest

from policies.uscc import WEIGHTS, UsccProblem, check_character, is_valid_uscc, parse_uscc

# Published codes of well-known companies (their business licences are public).
REAL = ["91330100716105852F", "9144030071526726XG", "91110000100010433L"]


def test_the_weights_are_the_standards():
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert is_valid_uscc(code)
    assert parse_uscc(code.lower()) == code  # case forgiven
    assert parse_uscc(" ".join([code[:6], code[6:12], code[12:]])) == code


@pytest.mark.parametrize("code", REAL)
def test_every_other_check_character_is_refused(code):
    for char in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        if char != code[-1]:
            with pytest.raises(UsccProblem) as problem:
                parse_uscc(code[:17] + char)
            assert problem.value.code == "check"


def test_one_changed_character_is_caught():
    code = REAL[0]
    changed = code[:9] + ("8" if code[9] != "8" else "9") + code[10:]
    assert not is_valid_uscc(changed)


@pytest.mark.parametrize(("text", "code"), [
    ("91330100716105852", "length"), ("91330100716105852FF", "length"),
    ("91330100716105852I", "characters"), ("9133O100716105852F", "characters"),
    ("91AB0100716105852F", "division"),
])
def test_malformed_codes_say_what_is_wrong(text, code):
    with pytest.raises(UsccProblem) as problem:
        parse_uscc(text)
    assert problem.value.code == code


def test_the_check_character_of_a_made_code():
    first17 = "91330200000000001"
    assert is_valid_uscc(first17 + check_character(first17))

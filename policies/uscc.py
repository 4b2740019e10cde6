"""The unified social credit code (统一社会信用代码) of GB 32100-2015 and its check character.

18 characters from the 31 of ``CHARSET`` (digits and capitals without I, O, Z, S, V):
1 the registering authority, 2 the kind of body, 3–8 the administrative division (digits),
9–17 the organisation code, 18 the check character: 31 − (Σ value × weight mod 31), 31 → 0,
with the weights 3^(i−1) mod 31 for positions 1–17.
"""

from __future__ import annotations

import unicodedata

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: value for value, char in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, position, 31) for position in range(17))  # 1, 3, 9, 27, 19, 26, …
LENGTH = 18


class UsccProblem(ValueError):
    """``code``: length, characters, division or check."""

    def __init__(self, code: str, **data: object) -> None:
        super().__init__(code)
        self.code = code
        self.data = data


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_uscc(text: str) -> str:
    """Full-width, spaces, dashes and lower case forgiven; the letters the standard leaves out
    are not guessed."""
    cleaned = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in cleaned if ch not in " -_\u3000\t")


def parse_uscc(text: str) -> str:
    """The code, checked; raises ``UsccProblem`` naming what is wrong."""
    code = normalize_uscc(text)
    if len(code) != LENGTH:
        raise UsccProblem("length", got=len(code))
    bad = [ch for ch in code if ch not in VALUES]
    if bad:
        raise UsccProblem("characters", chars="".join(dict.fromkeys(bad)))
    if not code[2:8].isdigit():
        raise UsccProblem("division")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise UsccProblem("check")
    return code


def is_valid_uscc(text: str) -> bool:
    try:
        parse_uscc(text)
    except UsccProblem:
        return False
    return True


def mask_uscc(code: str) -> str:
    return code[:6] + "*" * 8 + code[-4:]

"""The exporter's profile: company name, province and city, main export markets.

Each ``parse_*`` returns the cleaned value or raises ``ProfileInputError`` with a code (and
data) that the handler turns into a Chinese hint from templates/replies/profile_hint.j2.
"""

from __future__ import annotations

import re

from core.countries import display_name, read_countries
from core.places import MUNICIPALITIES, PROVINCES

MAX_MARKETS = 10
_CITY = re.compile(r"^[\u4e00-\u9fff]{2,12}$")


class ProfileInputError(ValueError):
    """The answer cannot be used; ``code`` names why, ``data`` fills the hint."""

    def __init__(self, code: str, **data: object) -> None:
        super().__init__(code)
        self.code = code
        self.data = data
        self.field: str | None = None  # which field, where several are checked at once


def parse_company_name(text: str) -> str:
    name = re.sub(r"\s+", " ", text).strip()
    if len(name) < 2:
        raise ProfileInputError("name_too_short")
    if len(name) > 60:
        raise ProfileInputError("name_too_long")
    if not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
        raise ProfileInputError("name_no_letters")
    return name


def parse_region(text: str) -> tuple[str, str]:
    """'浙江 宁波', '浙江省宁波市', '上海' → (province, city)."""
    compact = re.sub(r"[\s,，、/-]+", "", text)
    for short, full in sorted(PROVINCES, key=lambda p: -len(p[1])):
        for prefix in (full, short):
            if compact.startswith(prefix):
                rest = compact[len(prefix):].removesuffix("市")
                if not rest and short in MUNICIPALITIES:
                    return short, short
                if rest and _CITY.match(rest):
                    return short, rest
                raise ProfileInputError("city_missing", province=short)
    raise ProfileInputError("province_unknown")


def parse_markets(text: str) -> list[str]:
    """'美国、德国 越南' → ['US', 'DE', 'VN'] (ISO codes, in the order given, no repeats)."""
    codes, unknown = read_countries(text)
    if not codes and not unknown:
        raise ProfileInputError("markets_empty")
    if unknown:
        raise ProfileInputError("markets_unknown", unknown="、".join(unknown))
    if len(codes) > MAX_MARKETS:
        raise ProfileInputError("markets_too_many", limit=MAX_MARKETS)
    return codes


def market_names(codes: list[str] | None) -> str:
    return "、".join(display_name(code) for code in codes or [])


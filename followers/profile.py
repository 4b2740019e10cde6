"""The exporter's profile: company name, province and city, main export markets.

Each ``parse_*`` returns the cleaned value or raises ``ProfileInputError`` with a code (and
data) that the handler turns into a Chinese hint from templates/replies/profile_hint.j2.
"""

from __future__ import annotations

import re

from core.countries import display_name, find_country

# Province-level divisions (short name, full name). Municipalities are their own city.
PROVINCES: tuple[tuple[str, str], ...] = (
    ("北京", "北京市"), ("天津", "天津市"), ("上海", "上海市"), ("重庆", "重庆市"),
    ("河北", "河北省"), ("山西", "山西省"), ("辽宁", "辽宁省"), ("吉林", "吉林省"),
    ("黑龙江", "黑龙江省"), ("江苏", "江苏省"), ("浙江", "浙江省"), ("安徽", "安徽省"),
    ("福建", "福建省"), ("江西", "江西省"), ("山东", "山东省"), ("河南", "河南省"),
    ("湖北", "湖北省"), ("湖南", "湖南省"), ("广东", "广东省"), ("海南", "海南省"),
    ("四川", "四川省"), ("贵州", "贵州省"), ("云南", "云南省"), ("陕西", "陕西省"),
    ("甘肃", "甘肃省"), ("青海", "青海省"), ("台湾", "台湾省"),
    ("内蒙古", "内蒙古自治区"), ("广西", "广西壮族自治区"), ("西藏", "西藏自治区"),
    ("宁夏", "宁夏回族自治区"), ("新疆", "新疆维吾尔自治区"),
    ("香港", "香港特别行政区"), ("澳门", "澳门特别行政区"),
)
MUNICIPALITIES = frozenset({"北京", "天津", "上海", "重庆", "香港", "澳门"})
MAX_MARKETS = 10
_SEPARATORS = re.compile(r"[\s,，、;；/|和及]+")
_CITY = re.compile(r"^[\u4e00-\u9fff]{2,12}$")


class ProfileInputError(ValueError):
    """The answer cannot be used; ``code`` names why, ``data`` fills the hint."""

    def __init__(self, code: str, **data: object) -> None:
        super().__init__(code)
        self.code = code
        self.data = data


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
    names = [name for name in _SEPARATORS.split(text) if name]
    if not names:
        raise ProfileInputError("markets_empty")
    codes: list[str] = []
    unknown: list[str] = []
    for name in names:
        country = find_country(name)
        if country is None:
            unknown.append(name)
        elif country.code not in codes:
            codes.append(country.code)
    if unknown:
        raise ProfileInputError("markets_unknown", unknown="、".join(unknown))
    if len(codes) > MAX_MARKETS:
        raise ProfileInputError("markets_too_many", limit=MAX_MARKETS)
    return codes


def market_names(codes: list[str] | None) -> str:
    return "、".join(display_name(code) for code in codes or [])


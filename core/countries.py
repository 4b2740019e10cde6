"""Countries by ISO code, named in Chinese and English (pycountry's catalogues).

Exporters type countries the way people say them: "韩国", "越南", "usa", "Deutschland" is
rarer. pycountry gives the official names; a short table adds the everyday Chinese ones.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry

# Everyday names that differ from the official Chinese (or English) catalogue entry.
EVERYDAY_NAMES: dict[str, str] = {
    "韩国": "KR", "南韩": "KR", "朝鲜": "KP", "伊朗": "IR", "叙利亚": "SY", "老挝": "LA",
    "委内瑞拉": "VE", "玻利维亚": "BO", "摩尔多瓦": "MD", "台湾": "TW", "中国台湾": "TW",
    "香港": "HK", "中国香港": "HK", "澳门": "MO", "中国澳门": "MO", "阿联酋": "AE",
    "沙特": "SA", "英國": "GB", "美國": "US", "德國": "DE", "俄国": "RU", "捷克": "CZ",
    "刚果（金）": "CD", "刚果金": "CD", "刚果（布）": "CG", "刚果布": "CG", "坦桑尼亚": "TZ",
    "土耳其": "TR", "越南": "VN", "欧盟": "", "usa": "US", "us": "US", "uk": "GB",
    "america": "US", "britain": "GB", "england": "GB", "korea": "KR", "south korea": "KR",
    "russia": "RU", "vietnam": "VN", "uae": "AE", "holland": "NL", "czech republic": "CZ",
    "turkey": "TR", "iran": "IR", "syria": "SY", "laos": "LA", "taiwan": "TW",
    "deutschland": "DE", "espana": "ES", "italia": "IT", "nippon": "JP",
}

# Shown instead of a long official name (大韩民国 → 韩国).
DISPLAY_NAMES: dict[str, str] = {
    "KR": "韩国", "KP": "朝鲜", "IR": "伊朗", "SY": "叙利亚", "LA": "老挝", "VE": "委内瑞拉",
    "BO": "玻利维亚", "MD": "摩尔多瓦", "TW": "中国台湾", "HK": "中国香港", "MO": "中国澳门",
    "CD": "刚果（金）", "CG": "刚果（布）", "TZ": "坦桑尼亚",
}


@dataclass(frozen=True)
class Country:
    code: str
    name_zh: str
    name_en: str


def _fold(text: str) -> str:
    """Case, width and accents folded: "ＵＳＡ" and "usa", "España" and "espana" match."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


@cache
def _catalogue() -> tuple[dict[str, Country], dict[str, str]]:
    chinese = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    by_code: dict[str, Country] = {}
    by_name: dict[str, str] = {}
    for entry in pycountry.countries:
        english = getattr(entry, "common_name", None) or entry.name
        country = Country(entry.alpha_2, chinese.gettext(entry.name), english)
        by_code[entry.alpha_2] = country
        for name in {entry.name, english, getattr(entry, "official_name", entry.name),
                     country.name_zh, entry.alpha_2, entry.alpha_3}:
            by_name.setdefault(_fold(name), entry.alpha_2)
    for name, code in EVERYDAY_NAMES.items():
        if code:
            by_name[_fold(name)] = code
    return by_code, by_name


def find_country(text: str) -> Country | None:
    by_code, by_name = _catalogue()
    code = by_name.get(_fold(text))
    return by_code.get(code) if code else None


_LIST_SEPARATORS = re.compile(r"[\s,，、;；/|和及]+")


def read_countries(text: str) -> tuple[list[str], list[str]]:
    """"美国、德国 Vietnam，韩国" -> (["US", "DE", "VN", "KR"], unknown names): the codes in the
    order given, without repeats, and the names that are no country."""
    codes: list[str] = []
    unknown: list[str] = []
    for name in (name for name in _LIST_SEPARATORS.split(text) if name):
        country = find_country(name)
        if country is None:
            unknown.append(name)
        elif country.code not in codes:
            codes.append(country.code)
    return codes, unknown


def country_by_code(code: str) -> Country | None:
    return _catalogue()[0].get(code.upper())


def display_name(code: str) -> str:
    """The everyday Chinese name where there is one (韩国 rather than 大韩民国)."""
    country = country_by_code(code)
    if country is None:
        return code
    return DISPLAY_NAMES.get(country.code, country.name_zh)


def country_names() -> dict[str, str]:
    """Every folded name we recognise → ISO code (for finding a country inside a query)."""
    return dict(_catalogue()[1])

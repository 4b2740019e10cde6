"""A realistic, multilingual demo registry — every buyer and rating marked as sample data.

Company names come from Faker in the buyer's own locale (Europe, the Americas, Japan, Korea,
the Middle East, South-East Asia, Africa); names in another script keep that script as the
original name and get a Latin transliteration as the legal name, as registers abroad list
them. The records behind the light (broken promises, negative events, disclosure) are drawn so
that all three lights occur. The bot tells followers that these are 示例数据.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from anyascii import anyascii
from faker import Faker

from lights.records import EVENT_KINDS

DEMO_SOURCE = "demo"


@dataclass(frozen=True)
class Locale:
    code: str  # Faker locale
    country: str  # ISO 3166-1 alpha-2
    weight: int
    script: str = "latin"  # latin | japanese | other (transliterated with anyascii)


LOCALES: tuple[Locale, ...] = (
    # Europe
    Locale("de_DE", "DE", 10), Locale("fr_FR", "FR", 7), Locale("it_IT", "IT", 6),
    Locale("es_ES", "ES", 5), Locale("nl_NL", "NL", 4), Locale("pl_PL", "PL", 3),
    Locale("en_GB", "GB", 7), Locale("cs_CZ", "CZ", 2), Locale("sv_SE", "SE", 2),
    Locale("tr_TR", "TR", 3), Locale("ru_RU", "RU", 4, "other"), Locale("el_GR", "GR", 1, "other"),
    # the Americas
    Locale("en_US", "US", 12), Locale("es_MX", "MX", 3), Locale("pt_BR", "BR", 4),
    Locale("es_CL", "CL", 2), Locale("en_CA", "CA", 2),
    # Japan, Korea
    Locale("ja_JP", "JP", 5, "japanese"), Locale("ko_KR", "KR", 5, "other"),
    # the Middle East
    Locale("ar_SA", "SA", 3, "other"), Locale("he_IL", "IL", 1, "other"),
    Locale("fa_IR", "IR", 1, "other"),
    # South and South-East Asia
    Locale("th_TH", "TH", 3, "other"), Locale("vi_VN", "VN", 4), Locale("id_ID", "ID", 3),
    Locale("fil_PH", "PH", 2), Locale("en_IN", "IN", 4),
    # Africa
    Locale("yo_NG", "NG", 2), Locale("en_KE", "KE", 1), Locale("zu_ZA", "ZA", 2),
)

# Demo country risk ratings (1 lowest – 9 highest). Made up for the demo, marked as samples;
# the operator loads real ratings with `xinbao buyers country-risk FILE`.
DEMO_COUNTRY_RISKS: dict[str, int] = {
    "DE": 1, "FR": 2, "IT": 3, "ES": 3, "NL": 1, "PL": 3, "GB": 2, "CZ": 3, "SE": 1, "TR": 6,
    "RU": 8, "GR": 4, "US": 2, "MX": 5, "BR": 5, "CL": 4, "CA": 1, "JP": 1, "KR": 2, "SA": 4,
    "IL": 5, "IR": 9, "TH": 4, "VN": 5, "ID": 5, "PH": 5, "IN": 4, "NG": 7, "KE": 6, "ZA": 5,
}

JAPANESE_FORMS = {"株式会社": "K.K.", "有限会社": "Y.K.", "合同会社": "G.K."}
INDUSTRIES = ("纺织服装", "机电产品", "家具", "化工", "农产品", "汽车零部件", "电子产品", "建材",
              "医疗器械", "玩具", "五金工具", "食品")


def _registration(rng: random.Random, country: str) -> str:
    digits = "".join(rng.choices("0123456789", k=8))
    formats = {
        "DE": f"HRB {digits[:6]}", "GB": digits, "US": f"{digits[:2]}-{digits}"[:10],
        "JP": f"{digits}{digits[:5]}", "KR": f"{digits[:3]}-{digits[3:5]}-{digits[5:]}",
        "FR": f"RCS {digits}{digits[:1]}", "IT": f"IT{digits}{digits[:3]}",
    }
    return formats.get(country, f"{country}{digits}")


def _latin(name: str) -> str:
    words = anyascii(name).replace("<<", "").replace(">>", "").replace("`", "").split()
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


class DemoNames:
    """One Faker per locale; names in the buyer's script plus a Latin legal name."""

    def __init__(self, seed: int) -> None:
        self.fakers: dict[str, Faker] = {}
        self.places: dict[str, tuple[list[str], list[str]]] = {}
        for index, locale in enumerate(LOCALES):
            faker = Faker(locale.code, use_weighting=False)
            faker.seed_instance(seed + index)
            self.fakers[locale.code] = faker

    def address(self, locale: Locale, rng: random.Random) -> str:
        # Streets and cities drawn from a pool per locale: Faker's address() costs more than
        # everything else in a row, and the benchmark builds a million rows.
        if locale.code not in self.places:
            faker = self.fakers[locale.code]
            self.places[locale.code] = ([faker.street_name() for _ in range(300)],
                                        [faker.city() for _ in range(100)])
        streets, cities = self.places[locale.code]
        return f"{rng.choice(streets)} {rng.randint(1, 200)}, {rng.choice(cities)}"

    def company(self, locale: Locale) -> tuple[str, str | None]:
        faker = self.fakers[locale.code]
        if locale.script == "japanese":
            kanji, _kana, roman = faker.last_name_pair()
            category = faker.company_category()
            form = faker.random_element(tuple(JAPANESE_FORMS))
            original = f"{form}{kanji}{category}" if faker.random_int(0, 1) else \
                f"{kanji}{category}{form}"
            return f"{roman} {_latin(category)} {JAPANESE_FORMS[form]}", original
        name = faker.company()
        if locale.script == "other" and not name.isascii():
            return _latin(name), name
        return name, None


def _history(rng: random.Random, today: date) -> tuple[list[dict], list[dict], str, int]:
    """Broken promises, negative events, status and disclosure, drawn so all lights occur."""
    promises: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    if rng.random() < 0.15:
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            promises.append({
                "date": (today - timedelta(days=rng.randint(30, 2500))).isoformat(),
                "severity": rng.choices(("minor", "major", "severe"), (6, 3, 1))[0],
                "note": "",
            })
    if rng.random() < 0.2:
        kinds = tuple(EVENT_KINDS)
        for _ in range(rng.choice((1, 1, 2))):
            events.append({
                "date": (today - timedelta(days=rng.randint(30, 1500))).isoformat(),
                "kind": rng.choices(kinds, (5, 4, 3, 2, 1, 1))[0],
                "note": "",
            })
    status = rng.choices(("active", "dormant", "in_liquidation", "dissolved", "bankrupt"),
                         (92, 3, 2, 2, 1))[0]
    disclosure = rng.choice((rng.randint(10, 59), rng.randint(60, 100), rng.randint(60, 100)))
    return promises, events, status, disclosure


def demo_rows(count: int, seed: int = 20261128, today: date | None = None,
              start: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` raw rows in the import format (``lights.rows.clean_row`` reads them)."""
    rng = random.Random(seed + start)
    names = DemoNames(seed + start)
    today = today or date.today()
    weights = [locale.weight for locale in LOCALES]
    for number in range(start, start + count):
        locale = rng.choices(LOCALES, weights)[0]
        legal, original = names.company(locale)
        promises, events, status, disclosure = _history(rng, today)
        well_known = rng.random() < 0.03
        aliases = []
        if rng.random() < 0.15:
            trade = rng.choice(("Trading", "Group", "International"))
            aliases.append(f"{legal.split()[0]} {trade}")
        yield {
            "source": DEMO_SOURCE,
            "source_id": f"demo-{number}",
            "name": legal,
            "original_name": original,
            "aliases": aliases,
            "country": locale.country,
            "registration_number": _registration(rng, locale.country),
            "address": names.address(locale, rng),
            "industry": rng.choice(INDUSTRIES),
            "founded": rng.randint(1950, today.year - 1),
            "status": status,
            "well_known": well_known,
            "broken_promises": promises,
            "negative_events": events,
            "disclosure": 100 if well_known else disclosure,
            "as_of": (today - timedelta(days=rng.randint(0, 180))).isoformat(),
            "sample": True,
        }


def demo_country_risks(as_of: date | None = None) -> list[dict[str, Any]]:
    return [{"country": code, "rating": rating, "source": "示例数据", "as_of": as_of,
             "sample": True} for code, rating in DEMO_COUNTRY_RISKS.items()]

"""A realistic, multilingual demo registry — every buyer and rating marked as sample data.

Company names come from Faker in the buyer's own locale (Europe, the Americas, Japan, Korea,
the Middle East, South-East Asia, Africa), with that country's legal forms (a GmbH in Germany,
(Pty) Ltd in South Africa, not Faker's "Inc" everywhere) and a registration number in the
country's own format (Handelsregister, SIREN, 法人番号 with its check digit, CNPJ, RUT, ...).
Names in another script keep that script as the original name and get the English or
transliterated name a register abroad lists: 長谷川鉱業株式会社 is "Hasegawa Mining Co., Ltd."
(Japanese companies translate their trade; reading 鉱業 as Chinese pinyin would be wrong),
(주) 모두네트웍스 is "Modu Networks Co., Ltd.". The records behind the light (broken promises,
negative events, disclosure) are drawn so that all three lights occur. The bot tells
followers that these are 示例数据. None of it describes a real company.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from anyascii import anyascii
from faker import Faker

from lights.normalize import fold, name_key
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

# Japanese forms and how the company's English name writes them.
JAPANESE_FORMS = {"株式会社": "Co., Ltd.", "有限会社": "Co., Ltd.", "合同会社": "LLC"}
# Faker's trades (company_category) as Japanese companies translate them.
JAPANESE_TRADES = {
    "水産": "Fisheries", "農林": "Agriculture & Forestry", "鉱業": "Mining",
    "建設": "Construction", "食品": "Foods", "印刷": "Printing", "電気": "Electric",
    "ガス": "Gas", "情報": "Information Systems", "通信": "Communications",
    "運輸": "Transport", "銀行": "Trading", "保険": "Insurance Services",
}
# Korean: the legal form before the name, and Faker's brand endings in English.
KOREAN_FORMS = {"(주)": "Co., Ltd.", "주식회사": "Co., Ltd.", "(유)": "Ltd.", "유한회사": "Ltd."}
KOREAN_BRANDS = {
    "개발": "Development", "개발공사": "Development", "그룹": "Group", "금고": "Finance",
    "기술": "Technology", "기획": "Planning", "네트워크": "Network", "네트웍스": "Networks",
    "랩스": "Labs", "바이오": "Bio", "반도체": "Semiconductor", "보안": "Security",
    "뷰티": "Beauty", "상사": "Trading", "센터": "Center", "소프트": "Soft",
    "솔루션": "Solution", "시스템": "System", "시스템즈": "Systems", "신문": "Media",
    "에너지": "Energy", "에이아이": "AI", "엔지니어링": "Engineering", "연구소": "Research",
    "유통": "Distribution", "은행": "Finance", "자동차": "Motors", "전자": "Electronics",
    "정보통신": "Information & Communication", "제조": "Manufacturing", "출판": "Publishing",
    "코스메틱": "Cosmetics", "테크": "Tech", "플랫폼": "Platform", "항공": "Aviation",
}
# Each country's legal forms, as its companies write them (more often first, repeated).
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "DE": ("GmbH", "GmbH", "GmbH", "GmbH & Co. KG", "AG", "KG", "e.K."),
    "FR": ("SAS", "SAS", "SARL", "SARL", "SA"), "IT": ("S.r.l.", "S.r.l.", "S.p.A.", "S.n.c."),
    "ES": ("S.L.", "S.L.", "S.A."), "NL": ("B.V.", "B.V.", "B.V.", "N.V."),
    "PL": ("Sp. z o.o.", "Sp. z o.o.", "S.A.", "sp.j."), "GB": ("Ltd", "Ltd", "Limited", "PLC"),
    "CZ": ("s.r.o.", "s.r.o.", "a.s."), "SE": ("AB", "AB", "AB", "HB"),
    "TR": ("Ltd. Şti.", "San. ve Tic. Ltd. Şti.", "A.Ş.", "San. ve Tic. A.Ş."),
    "US": ("Inc.", "Inc.", "LLC", "Corp."), "MX": ("S.A. de C.V.", "S. de R.L. de C.V."),
    "BR": ("Ltda.", "Ltda.", "S.A.", "EIRELI"), "CL": ("SpA", "S.A.", "Ltda."),
    "CA": ("Inc.", "Ltd.", "Corp."), "PH": ("Inc.", "Corporation"),
    "IN": ("Pvt. Ltd.", "Pvt. Ltd.", "Ltd.", "LLP"), "ID": ("PT",), "VN": ("Co., Ltd.",),
    "NG": ("Ltd", "Limited", "Nigeria Limited"), "KE": ("Ltd", "Limited"),
    "ZA": ("(Pty) Ltd", "(Pty) Ltd", "Ltd"), "SA": ("Co. Ltd.", "LLC"), "IL": ("Ltd.",),
    "IR": ("Co.", "PJS"), "TH": ("Co., Ltd.", "Co., Ltd.", "Public Co., Ltd."),
    "RU": (), "GR": (),  # Faker writes these countries' own forms (ООО, Α.Ε.)
}
LEADING_FORMS = frozenset({"ID"})  # written before the name: PT Hartati Jaya
# Faker's endings that no register of these countries has (it writes "Inc" everywhere), and
# the German "e.V." (an association, not a trading company).
FOREIGN_ENDING = re.compile(r"[\s,]+(Inc|LLC|Ltd|PLC|Group|e\.V\.)\.?$")
FOREIGN_LEADING = re.compile(r"^((PD|Perum|CV|UD)\s+)+")  # Indonesian forms other than PT
# Spanish endings that are legal forms written out: no second form after them.
WRITTEN_OUT_FORMS = ("Sociedad Anónima", "Limitada")
# Locales whose Faker company list holds real companies (UPS, CarrefourSA, Tehran Darou):
# their demo buyers are named after surnames instead, as many real firms are.
SURNAME_NAMES = frozenset({"nl_NL", "tr_TR", "fa_IR"})
INDUSTRIES = ("纺织服装", "机电产品", "家具", "化工", "农产品", "汽车零部件", "电子产品", "建材",
              "医疗器械", "玩具", "五金工具", "食品")


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choices("0123456789", k=count))


def _letters(rng: random.Random, count: int, digits: bool = False) -> str:
    return "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ" + ("0123456789" if digits else ""),
                               k=count))


def _luhn_digit(number: str) -> str:
    """The Luhn check digit (France's SIREN, Canada's BN)."""
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def _japanese_corporate_number(rng: random.Random) -> str:
    """法人番号: a check digit, then 12 digits (国税庁's formula)."""
    body = _digits(rng, 12)
    weighted = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(body)))
    return f"{9 - weighted % 9}{body}"


def _cnpj(rng: random.Random) -> str:
    """Brazil's CNPJ with both check digits: 12.345.678/0001-95."""
    digits = [int(d) for d in _digits(rng, 8) + "0001"]
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    text = "".join(map(str, digits))
    return f"{text[:2]}.{text[2:5]}.{text[5:8]}/{text[8:12]}-{text[12:]}"


def _rut(rng: random.Random) -> str:
    """Chile's RUT with its check digit (0–9 or K): 76.123.456-7."""
    body = str(rng.randint(76_000_000, 77_999_999))
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    check = {11: "0", 10: "K"}.get(11 - total % 11, str(11 - total % 11))
    return f"{body[:2]}.{body[2:5]}.{body[5:]}-{check}"


def _siren(rng: random.Random) -> str:
    body = _digits(rng, 8)
    number = body + _luhn_digit(body)
    return f"RCS {number[:3]} {number[3:6]} {number[6:]}"


# Each country's business register number, in the form its documents print it.
REGISTRATIONS: dict[str, Callable[[random.Random], str]] = {
    "DE": lambda r: f"HRB {r.randint(1000, 299999)}",
    "GB": lambda r: _digits(r, 8),
    "US": lambda r: f"{r.randint(10, 99)}-{_digits(r, 7)}",  # EIN
    "JP": _japanese_corporate_number,
    "KR": lambda r: f"{_digits(r, 3)}-{_digits(r, 2)}-{_digits(r, 5)}",  # 사업자등록번호
    "FR": _siren,
    "IT": lambda r: f"IT{_digits(r, 11)}",  # partita IVA
    "ES": lambda r: f"B{_digits(r, 8)}",  # CIF of an S.L.
    "NL": lambda r: f"KvK {_digits(r, 8)}",
    "PL": lambda r: f"KRS {_digits(r, 10)}",
    "CZ": lambda r: f"IČO {_digits(r, 8)}",
    "SE": lambda r: f"556{_digits(r, 3)}-{_digits(r, 4)}",  # organisationsnummer
    "TR": lambda r: f"MERSİS {_digits(r, 16)}",
    "RU": lambda r: f"ОГРН 1{_digits(r, 12)}",
    "GR": lambda r: f"ΓΕΜΗ {_digits(r, 12)}",
    "MX": lambda r: f"RFC {_letters(r, 3)}{_digits(r, 6)}{_letters(r, 3, digits=True)}",
    "BR": _cnpj,
    "CL": _rut,
    "CA": lambda r: (lambda b: f"BN {b}{_luhn_digit(b)}")(_digits(r, 8)),
    "SA": lambda r: f"CR 10{_digits(r, 8)}",
    "IL": lambda r: f"51-{_digits(r, 6)}-{_digits(r, 1)}",
    "IR": lambda r: f"{_digits(r, 11)}",
    "TH": lambda r: f"0{_digits(r, 12)}",
    "VN": lambda r: f"MST 0{_digits(r, 9)}",
    "ID": lambda r: f"NIB {_digits(r, 13)}",
    "PH": lambda r: f"CS20{_digits(r, 2)}{_digits(r, 5)}",
    "IN": lambda r: f"U{_digits(r, 5)}MH{r.randint(1995, 2024)}PTC{_digits(r, 6)}",  # CIN
    "NG": lambda r: f"RC {r.randint(100000, 1999999)}",
    "KE": lambda r: f"PVT-{_letters(r, 8, digits=True)}",
    "ZA": lambda r: f"{r.randint(1995, 2024)}/{_digits(r, 6)}/07",
}


def _registration(rng: random.Random, country: str) -> str:
    return REGISTRATIONS[country](rng)


def _has_legal_form(name: str) -> bool:
    """True when normalising the name strips a legal form (not just its "&")."""
    return name_key(name) != " ".join(w for w in fold(name).split() if w not in ("&", "/"))


def _latin(name: str) -> str:
    """A transliteration as registers write it: words capitalised, abbreviations (ООО → OOO,
    Α.Ε. → A.E.) kept in capitals, no guillemets."""
    words = anyascii(name).replace("<<", "").replace(">>", "").replace("`", "").split()
    return " ".join(word if word.isupper() and len(word.strip(".")) <= 4
                    else word[:1].upper() + word[1:].lower() for word in words)


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
            return self._japanese(faker)
        if locale.code == "ko_KR":
            return self._korean(faker)
        name = self._surnames(faker) if locale.code in SURNAME_NAMES else faker.company()
        if locale.script == "other" and not name.isascii():
            original = FOREIGN_ENDING.sub("", name).replace(" and ", " ")
            latin = _latin(self._without_own_forms(original) if locale.country == "TH"
                           else original)
            return self._with_form(latin, locale, faker), original
        return self._with_form(name, locale, faker), None

    @staticmethod
    def _surnames(faker: Faker) -> str:
        first, second = faker.last_name(), faker.last_name()
        return faker.random_element((first, f"{first} {second}", f"{first} & {second}"))

    @staticmethod
    def _japanese(faker: Faker) -> tuple[str, str]:
        kanji, _kana, roman = faker.last_name_pair()
        trade = faker.company_category()
        form = faker.random_element(tuple(JAPANESE_FORMS))
        original = f"{form}{kanji}{trade}" if faker.random_int(0, 1) else \
            f"{kanji}{trade}{form}"
        return f"{roman} {JAPANESE_TRADES[trade]} {JAPANESE_FORMS[form]}", original

    @staticmethod
    def _korean(faker: Faker) -> tuple[str, str]:
        form = faker.random_element(tuple(KOREAN_FORMS))
        words = [faker.company_name_word() for _ in range(faker.random_int(1, 2))]
        brand = faker.random_element((*KOREAN_BRANDS, ""))
        original = f"{form} {''.join(words)}{brand}"
        english = " ".join([*(_latin(w).capitalize() for w in words), KOREAN_BRANDS.get(brand, "")])
        return f"{' '.join(english.split())} {KOREAN_FORMS[form]}", original

    @staticmethod
    def _without_own_forms(original: str) -> str:
        """The name without the forms of its own script (Thai บริษัท … จำกัด): its English
        name writes them in English."""
        return name_key(original) if _has_legal_form(original) else original

    @staticmethod
    def _with_form(name: str, locale: Locale, faker: Faker) -> str:
        """Faker's foreign endings replaced by a legal form of the buyer's country."""
        forms = LEGAL_FORMS.get(locale.country, ())
        if not forms:
            return name
        if locale.country not in ("US", "CA", "PH"):
            name = FOREIGN_ENDING.sub("", name)
        if locale.country in LEADING_FORMS:
            return f"{faker.random_element(forms)} {FOREIGN_LEADING.sub('', name)}"
        if _has_legal_form(name) or name.endswith(WRITTEN_OUT_FORMS):
            return name  # Faker's own
        return f"{name} {faker.random_element(forms)}"


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

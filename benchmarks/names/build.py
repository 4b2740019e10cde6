"""Builds the name query set once: a frozen registry and the queries, each labelled.

    .venv/bin/python -m benchmarks.names.build     # rewrites registry.jsonl and queries.tsv

The registry is 2,000 demo buyers (``lights.demo``, seed 18, 30 locales) written out with the
fields search reads, plus a few hand-written buyers (namesakes, names in CJK scripts, the
names of issue 18); it is frozen in ``registry.jsonl`` so that a change to the demo generator
does not move the labels. Each query is written the way exporters type names, generated from
a sampled buyer by a rule that keeps its meaning (so the label is the buyer it came from):

    legal       the legal name as registered
    no form     lower case, without the legal form
    typo        one letter changed, dropped, doubled or two swapped, in a word of 5+ letters
    ascii       accents and special letters typed plainly (ü → u, ş → s, ı → i)
    translit    German umlauts written out (ü → ue)
    country     the name and the country in Chinese ("… 德国")
    script      the name in its own script (Japanese, Korean, Russian, Arabic, Thai, ...)
    simplified  a Japanese name in simplified Chinese characters (長谷川鉱業 → 长谷川矿业)
    registration  the registration number without its punctuation
    partial     the first word(s), when they start only this buyer's name
    none        names of companies that are not in the registry

A variant is dropped when it would not name one buyer (a namesake shares the key, a typo
lands on another name): the set measures the search, not the ambiguity of the data. The
hand-written queries at the end add what generation cannot: traditional characters, names
in another order, country codes, Chinese country names glued on.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import date
from pathlib import Path

from anyascii import anyascii

from core.countries import display_name
from lights.normalize import name_key, simplified

HERE = Path(__file__).resolve().parent
REGISTRY = HERE / "registry.jsonl"
QUERIES = HERE / "queries.tsv"
FIELDS = ("source_id", "name", "original_name", "aliases", "country", "registration_number")
DEMO_SIZE = 2_000
SAMPLED = 45  # buyers whose names are varied

HAND_BUYERS = [
    {"source_id": "h-hasegawa", "name": "Hasegawa Mining Co., Ltd.",
     "original_name": "長谷川鉱業株式会社", "country": "JP",
     "registration_number": "7049976370491"},
    {"source_id": "h-weitzel", "name": "Weitzel Neureuther GmbH & Co. OHG", "country": "DE",
     "registration_number": "HRA 30412"},
    {"source_id": "h-yilmaz-san", "name": "Yılmaz Tekstil San. ve Tic. A.Ş.", "country": "TR"},
    {"source_id": "h-yilmaz-ltd", "name": "Yılmaz Tekstil Ltd. Şti.", "country": "TR"},
    {"source_id": "h-herrmann-kg", "name": "Herrmann GmbH & Co. KG", "country": "DE"},
    {"source_id": "h-herrmann-meister", "name": "Herrmann Meister GmbH & Co. OHG",
     "country": "DE"},
    {"source_id": "h-taiwan", "name": "Taiwan Precision Machinery Co., Ltd.",
     "original_name": "臺灣精密機械股份有限公司", "country": "TW"},
    {"source_id": "h-ningbo", "name": "Ningbo Sunrise Imp. & Exp. Co., Ltd.",
     "original_name": "宁波日出进出口有限公司", "country": "CN"},
    {"source_id": "h-muller", "name": "Müller Maschinenbau GmbH", "country": "DE",
     "registration_number": "HRB 123456"},
    {"source_id": "h-siemens", "name": "Siemens Aktiengesellschaft", "aliases": ["Siemens AG"],
     "country": "DE"},
]
HAND_QUERIES = [
    ("长谷川矿业", "h-hasegawa", "simplified", "issue 18"),
    ("長谷川礦業", "h-hasegawa", "traditional", "traditional form of 鉱"),
    ("Hasegawa Mining", "h-hasegawa", "no form", ""),
    ("Weitzel Neureuter", "h-weitzel", "typo", "issue 18"),
    ("weitzel neureuther ohg", "h-weitzel", "no form", ""),
    ("Yılmaz Tekstil San. ve Tic. A.Ş.", "h-yilmaz-san", "legal", "namesakes: the legal name"),
    ("Yilmaz Tekstil Ltd Sti", "h-yilmaz-ltd", "ascii", "the legal name typed plainly"),
    ("Herrmann Meister", "h-herrmann-meister", "no form", "issue 18"),
    ("Herrmann Meister 德国", "h-herrmann-meister", "country", ""),
    ("臺灣精密機械", "h-taiwan", "script", "traditional, as registered"),
    ("台湾精密机械", "h-taiwan", "simplified", "starts with a place name"),
    ("Taiwan Precision Machinery", "h-taiwan", "no form", ""),
    ("宁波日出进出口", "h-ningbo", "script", ""),
    ("寧波日出進出口", "h-ningbo", "traditional", ""),
    ("Ningbo Sunrise Import Export", "h-ningbo", "translit", "Imp. & Exp. written out"),
    ("Mueller Maschinenbau", "h-muller", "translit", ""),
    ("MULLER MASCHINENBAU GMBH", "h-muller", "ascii", ""),
    ("HRB123456", "h-muller", "registration", ""),
    ("Siemens AG", "h-siemens", "alias", ""),
    ("siemens aktiengesellschaft germany", "h-siemens", "country", ""),
    ("Maschinenbau Müller", "h-muller", "order", "words in another order"),
    ("Müller Maschinenbau DE", "h-muller", "country", "a country code in capitals"),
    ("Müller Maschinenbau德国", "h-muller", "country", "a Chinese country name glued on"),
]
NONE_QUERIES = [
    "Nordlicht Logistik GmbH", "Zyqwx Vortrel Holdings", "Blue Harbour Trading Ltd",
    "Pacific Rim Ventures LLC", "東海精密工業株式会社", "东海精密工业", "Société Générale de Fret",
    "Quendar Plimbus AG", "Ромашка ООО", "شركة النخيل الذهبية", "Sunflower Agro Pvt Ltd",
    "Kirschbaum Werkzeuge GmbH", "Atlantis Mercantile S.A.", "Zeppelin Reederei KG",
    "Moonstone Ceramics Inc", "บริษัท ดอกบัวทอง จำกัด", "Gangnam Star Electronics",
    "Vortex Andina SpA", "Oceanic Pearl Exports", "Plimbus Quendar Trading",
]


def registry() -> list[dict]:
    from lights.demo import demo_rows

    rows = [{field: row.get(field) for field in FIELDS}
            for row in demo_rows(DEMO_SIZE, seed=18, today=date(2026, 12, 1))]
    return rows + [{field: row.get(field) for field in FIELDS} | {"aliases": row.get(
        "aliases") or []} for row in HAND_BUYERS]


def _keys(row: dict) -> set[str]:
    names = [row["name"], row.get("original_name"), *(row.get("aliases") or [])]
    return {name_key(name) for name in names if name}


def _typo(name: str, rng: random.Random) -> str | None:
    words = [(i, w) for i, w in enumerate(name.split()) if len(w) >= 5 and w.isalpha()]
    if not words:
        return None
    index, word = rng.choice(words)
    at = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("change", "drop", "double", "swap"))
    if edit == "change":
        letter = rng.choice([c for c in "aeiounrstl" if c != word[at].lower()])
        word = word[:at] + letter + word[at + 1:]
    elif edit == "drop":
        word = word[:at] + word[at + 1:]
    elif edit == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at - 1] + word[at] + word[at - 1] + word[at + 1:]
    parts = name.split()
    parts[index] = word
    return " ".join(parts)


def _without_form(name: str) -> str:
    return name_key(name)


def variants(row: dict, rng: random.Random) -> list[tuple[str, str]]:
    name = row["name"]
    out = [("legal", name), ("no form", _without_form(name))]
    if (typo := _typo(name, rng)) is not None:
        out.append(("typo", typo))
    if not name.isascii():
        out.append(("ascii", anyascii(name)))
    if any(ch in name for ch in "äöüÄÖÜ"):
        written = name
        for umlaut, plain in zip("äöüÄÖÜ", ("ae", "oe", "ue", "Ae", "Oe", "Ue"), strict=True):
            written = written.replace(umlaut, plain)
        out.append(("translit", written))
    out.append(("country", f"{_without_form(name)} {display_name(row['country'])}"))
    original = row.get("original_name")
    if original:
        out.append(("script", original))
        if row["country"] == "JP" and simplified(original) != original:
            out.append(("simplified", simplified(original)))
    if row.get("registration_number"):
        out.append(("registration", "".join(ch for ch in row["registration_number"]
                                            if ch.isalnum())))
    first = name_key(name).split()[0] if name_key(name) else ""
    if len(first) >= 5 and first != name_key(name):
        out.append(("partial", first))
    return out


def unambiguous(kind: str, query: str, row: dict, by_key: Counter, prefixes: Counter,
                registration: Counter) -> bool:
    """Whether the query names this buyer and no other: no other buyer has its key, its
    registration number, or (for a partial query) a name that starts with it."""
    key = name_key(query)
    if kind == "registration":
        return registration[query.upper()] == 1
    if kind == "partial":
        return prefixes[key] == 1 and by_key[key] == 0
    if kind == "typo":
        return by_key[key] == 0
    if kind == "country":
        return by_key[name_key(row["name"]) + "@" + row["country"]] == 1
    own = _keys(row)
    return all(by_key[k] == 1 for k in own if k == key) and (key in own or kind == "translit"
                                                             or kind == "ascii")


def build() -> None:
    rows = registry()
    with REGISTRY.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    by_key: Counter = Counter()
    prefixes: Counter = Counter()
    registration: Counter = Counter()
    for row in rows:
        for key in _keys(row):
            by_key[key] += 1
            by_key[key + "@" + row["country"]] += 1
            words = key.split()
            for size in range(1, len(words)):
                prefixes[" ".join(words[:size])] += 1
        if row.get("registration_number"):
            registration["".join(ch for ch in row["registration_number"]
                                 if ch.isalnum()).upper()] += 1
    rng = random.Random(18)
    demo = [row for row in rows if not row["source_id"].startswith("h-")]
    # Every country, more of the names in Chinese characters, then the rest at random.
    sampled = {row["country"]: row for row in rng.sample(demo, len(demo))}
    japanese = [row for row in demo if row["country"] == "JP" and row not in sampled.values()]
    picked = list(sampled.values()) + rng.sample(japanese, 6)
    picked += rng.sample([row for row in demo if row not in picked], SAMPLED - len(picked))
    queries: list[tuple[str, str, str, str]] = []
    for row in picked:
        for kind, query in variants(row, rng):
            if query and unambiguous(kind, query, row, by_key, prefixes, registration):
                queries.append((query, row["source_id"], kind, row["name"]))
    queries += HAND_QUERIES
    queries += [(query, "none", "none", "") for query in NONE_QUERIES
                if not any(name_key(query) == key for key in by_key)]
    seen: set[str] = set()
    with QUERIES.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(("query", "expected", "kind", "note"))
        for query, expected, kind, note in queries:
            if query in seen:
                continue
            seen.add(query)
            writer.writerow((query, expected, kind, note))
    print(f"{len(rows):,} buyers in {REGISTRY.name}; {len(seen)} queries in {QUERIES.name}")


if __name__ == "__main__":
    build()

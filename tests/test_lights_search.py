"""Search: normalised names (case, width, punctuation, accents, legal forms), names in their own
script, countries in the query (Chinese or English), registration numbers, aliases, typos and
ranking — on whichever database the suite runs (FTS5 on SQLite, pg_trgm on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from lights import search as search_module
from lights.importer import upsert_buyers
from lights.normalize import name_key, split_query
from lights.rows import clean_row
from lights.search import search, typo_halves

REGISTRY = [
    {"name": "Müller Maschinenbau GmbH", "country": "DE", "registration_number": "HRB 123456"},
    {"name": "Mueller Maschinenbau Inc.", "country": "US"},
    {"name": "Parisi-Foscari S.p.A.", "country": "IT"},
    {"name": "Taliercio S.r.l.", "country": "IT"},
    {"name": "Van Vliet B.V.", "country": "NL", "aliases": "Vliet Logistics"},
    {"name": "Colas Salmon S.A.", "country": "FR"},
    {"name": "Yamada Denki K.K.", "original_name": "山田電気株式会社", "country": "JP"},
    {"name": "Moduneteuwokseu", "original_name": "(주) 모두네트웍스", "country": "KR"},
    {"name": "Al Etihad Trading LLC", "original_name": "شركة الاتحاد للتجارة", "country": "AE"},
    {"name": "Thanaprathip Co., Ltd.", "original_name": "บริษัท ธนประทีป จำกัด", "country": "TH"},
    {"name": "Ningbo Sunrise Imp. & Exp. Co., Ltd.", "original_name": "宁波日出进出口有限公司",
     "country": "CN"},
    {"name": "Acme Handels GmbH", "country": "DE"},
    {"name": "Acme Handels Ltd", "country": "GB"},
    {"name": "Nestlé S.A.", "country": "CH", "registration_number": "CHE-105.909.036"},
]


@pytest.fixture
def registry(db):
    now = datetime.now(UTC)
    rows = [clean_row({"source": "test", "source_id": str(number), **row}, "test", now)
            for number, row in enumerate(REGISTRY)]
    upsert_buyers(db, rows, now)
    db.commit()
    return db


def names_found(db, query: str, country: str | None = None) -> list[str]:
    from lights.models import Buyer

    result = search(db, query, country=country)
    return [db.get(Buyer, candidate.buyer_id).legal_name for candidate in result.candidates]


def best(db, query: str, country: str | None = None) -> str | None:
    from lights.models import Buyer

    found = search(db, query, country=country).best
    return db.get(Buyer, found.buyer_id).legal_name if found else None


@pytest.mark.parametrize(("query", "expected"), [
    ("müller maschinenbau gmbh", "Müller Maschinenbau GmbH"),  # case
    ("ＭＵＬＬＥＲ　ＭＡＳＣＨＩＮＥＮＢＡＵ", "Müller Maschinenbau GmbH"),  # full width
    ("Parisi Foscari SPA", "Parisi-Foscari S.p.A."),  # punctuation and legal form
    ("parisi-foscari", "Parisi-Foscari S.p.A."),
    ("taliercio srl", "Taliercio S.r.l."),
    ("VAN VLIET", "Van Vliet B.V."),
    ("Colas Salmon SA", "Colas Salmon S.A."),
    ("nestle", "Nestlé S.A."),  # accents
    ("Ningbo Sunrise Import Export", "Ningbo Sunrise Imp. & Exp. Co., Ltd."),  # the only one
])
def test_legal_forms_case_width_punctuation_and_accents(registry, query, expected):
    assert best(registry, query) == expected


def test_spelling_variants_are_both_candidates(registry):
    found = names_found(registry, "Muellr Maschinenbau")
    assert set(found[:2]) == {"Müller Maschinenbau GmbH", "Mueller Maschinenbau Inc."}


@pytest.mark.parametrize(("query", "expected"), [
    ("山田電気", "Yamada Denki K.K."),
    ("株式会社山田電気", "Yamada Denki K.K."),
    ("모두네트웍스", "Moduneteuwokseu"),
    ("شركة الاتحاد للتجارة", "Al Etihad Trading LLC"),
    ("ธนประทีป", "Thanaprathip Co., Ltd."),
    ("宁波日出进出口", "Ningbo Sunrise Imp. & Exp. Co., Ltd."),
])
def test_names_in_their_own_script(registry, query, expected):
    assert best(registry, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("Acme Handels 德国", "Acme Handels GmbH"),
    ("ACME 英国", "Acme Handels Ltd"),
    ("acme handels gmbh germany", "Acme Handels GmbH"),
    ("Acme Handels UK", "Acme Handels Ltd"),
    ("Acme Handels德国", "Acme Handels GmbH"),
])
def test_a_country_in_the_query_narrows_the_search(registry, query, expected):
    assert best(registry, query) == expected


def test_without_a_country_namesakes_are_listed(registry):
    result = search(registry, "acme handels")
    assert result.best is None
    assert len(result.candidates) == 2


def test_the_country_argument_narrows_too(registry):
    assert best(registry, "acme handels", country="GB") == "Acme Handels Ltd"


@pytest.mark.parametrize("query", ["HRB 123456", "hrb-123456", "HRB123456"])
def test_registration_numbers_match_exactly(registry, query):
    assert best(registry, query) == "Müller Maschinenbau GmbH"


def test_an_alias_finds_its_buyer(registry):
    assert best(registry, "Vliet Logistics") == "Van Vliet B.V."


@pytest.mark.parametrize(("query", "expected"), [
    ("Parisi Foscary", "Parisi-Foscari S.p.A."),  # one letter wrong
    ("Barisi Foscari", "Parisi-Foscari S.p.A."),  # the first letter wrong
    ("Parisi Fosccari", "Parisi-Foscari S.p.A."),  # one letter too many
    ("Talierico", "Taliercio S.r.l."),  # two letters swapped
    ("Colas Salmonn", "Colas Salmon S.A."),  # one letter too many
    ("Maschinenbau Muller", None),  # words swapped: candidates, not a guess
])
def test_typos_still_find_the_buyer(registry, query, expected):
    assert best(registry, query) == expected
    if expected is None:
        assert "Müller Maschinenbau GmbH" in names_found(registry, query)


def test_a_typo_found_by_a_prefix_read_skips_the_trigram_reads(registry, monkeypatch):
    """The trigram reads cost more as the registry grows: not done once a B-tree prefix read
    found a near-certain match; done when it did not."""
    trigram_reads: list[str] = []
    index_of = search_module.name_index

    def counting_index(session):
        index = index_of(session)
        containing = index.containing

        def counted(session, piece, country, limit):
            trigram_reads.append(piece)
            return containing(session, piece, country, limit)

        index.containing = counted
        return index

    monkeypatch.setattr(search_module, "name_index", counting_index)
    assert best(registry, "Parisi Foscary") == "Parisi-Foscari S.p.A."
    assert trigram_reads == []
    assert "Müller Maschinenbau GmbH" in names_found(registry, "Maschinenbau Muller")
    assert trigram_reads  # words swapped: only the trigram index finds them


def test_a_prefix_read_returns_the_first_names_of_its_range_in_key_order(db):
    """The read stops at a limit: it must be the start of the index range, not whichever rows
    a table scan meets first (PostgreSQL chose that for common prefixes at 1M buyers)."""
    now = datetime.now(UTC)
    rows = [{"source_id": name, "name": name, "country": "DE"}
            for name in ("Acme Zeta", "Acme Alpha", "Acme Mu", "Acmf Other")]
    upsert_buyers(db, [clean_row(row, "test", now) for row in rows], now)
    db.commit()
    if db.get_bind().dialect.name == "postgresql":  # the plan that met rows in table order
        db.execute(text("SET LOCAL enable_indexscan = off"))
        db.execute(text("SET LOCAL enable_bitmapscan = off"))
    index = search_module.name_index(db)

    assert [key for _, key in index.starting_with(db, "acme", None, 2)] == [
        "acme alpha", "acme mu"]
    assert [key for _, key in index.starting_with(db, "ahp", None, 2, reverse=True)] == [
        "acme alpha"]


def test_part_of_a_name_lists_candidates_ranked(registry):
    found = names_found(registry, "maschinenbau")
    assert set(found[:2]) == {"Müller Maschinenbau GmbH", "Mueller Maschinenbau Inc."}


def test_nothing_found_is_empty(registry):
    assert names_found(registry, "Zyxwvut Imaginary") == []
    assert names_found(registry, "山田電気", country="DE") == []


@pytest.mark.parametrize(("text", "name", "country"), [
    ("ACME 德国", "acme", "DE"),
    ("acme gmbh germany", "acme gmbh", "DE"),
    ("美国 Acme", "acme", "US"),
    ("Acme Handels UK", "acme handels", "GB"),
    ("Acme Handels", "acme handels", None),
    ("ACME DEU", "acme", "DE"),  # a three-letter code typed in capitals
    ("acme usa", "acme", "US"),  # an everyday short name in any case
    ("Grupo Castells S.Com.", "grupo castells s com", None),  # not Comoros (COM)
    ("Alves - ME", "alves me", None),  # Microempresa, not Montenegro (ME)
    ("Smith Mills and", "smith mills and", None),  # "and" (Andorra) is a code, not a word
])
def test_the_query_is_split_into_name_and_country(text, name, country):
    parsed = split_query(text)
    assert (parsed.name, parsed.country) == (name, country)


@pytest.mark.parametrize(("name", "key"), [
    ("Wesack Mende GmbH & Co. KGaA", "wesack mende"),
    ("Toyota Motor Co., Ltd.", "toyota motor"),
    ("PT Hartati Tbk", "hartati"),
    ("ООО «Фролов»", "фролов"),
    ("株式会社トヨタ", "トヨタ"),
    ("深圳市某某贸易有限公司", "深圳市某某贸易"),
    ("Geisler Sp. z o.o.", "geisler"),
    ("Alves - ME", "alves"),
    ("Grupo Castells S.Com.", "grupo castells"),
    ("Flisiak Sp. z o.o. Sp.k.", "flisiak"),
    ("Παπαδόπουλος Α.Ε.", "παπαδοπουλοσ"),  # casefold: final ς is σ
    ("Phạm và đối tác Công ty Cổ phần", "pham va đoi tac"),
    ("Công ty TNHH MTV Dương Minh", "duong minh"),
])
def test_legal_forms_are_removed_from_either_end(name, key):
    assert name_key(name) == key


def test_typo_halves_split_the_key_and_skip_short_keys():
    assert typo_halves("parisi foscari") == ("parisi ", "foscari")
    assert typo_halves("acme") is None


@pytest.fixture
def statements(db):
    """The SQL each read sends to the driver, with its parameters."""
    sent: list[tuple[str, dict]] = []

    def record(_connection, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def load_names(db, names: list[str]) -> None:
    now = datetime.now(UTC)
    rows = [{"source_id": str(number), "name": name, "country": "DE"}
            for number, name in enumerate(names)]
    upsert_buyers(db, [clean_row(row, "test", now) for row in rows], now)
    db.execute(text("ANALYZE buyer_names"))
    db.commit()


def test_a_rare_piece_is_read_through_the_trigram_index_whatever_the_planner_thinks(
        db, statements, monkeypatch):
    """PostgreSQL: past the names scanned first, the read goes to the trigram index with the
    table scans off — on a small table (or a misjudged piece) the planner would scan."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("FTS5 reads its index whatever the query")
    monkeypatch.setattr(search_module, "SCAN_FIRST_NAMES", 50)
    load_names(db, [f"Filler {number} Trading" for number in range(300)]
               + [f"Harbour {number} Holdings" for number in range(3)])
    statements.clear()

    found = search_module.name_index(db).containing(db, "holdings", None, 100)

    assert sorted(key for _, key in found) == [f"harbour {n} holdings" for n in range(3)]
    *before, (read, parameters), (restore, _) = statements
    assert "'enable_seqscan', 'on'" in restore  # the table scans back on after the read
    db.rollback()
    connection = db.connection()
    for sql, values in before:  # the same settings, in the same order, as the read had
        connection.exec_driver_sql(sql, values)
    plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + read, parameters).scalars())
    assert "ix_buyer_names_key_trgm" in plan, plan
    db.rollback()


def test_a_common_piece_is_answered_by_the_names_scanned_first(db, statements):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("FTS5 reads its index whatever the query")
    load_names(db, [f"Filler {number} Trading" for number in range(150)])
    statements.clear()

    found = search_module.name_index(db).containing(db, "trading", None, 100)

    assert len(found) == 100
    assert len(statements) == 1  # one bounded scan: no index read, no settings changed

"""Finding buyers by name or registration number: one interface, two index engines.

The order of the search, the cheapest first:

1. a registration number typed exactly (letters and digits compared), by its B-tree index;
2. the normalised name exactly (legal name, alias or original script), by its B-tree index.
   Namesakes share a key ("Yılmaz San." and "Yılmaz Ltd." are both "yılmaz"): when the
   follower typed a legal form, the one whose whole name is what was typed is the answer
   ("Herrmann" alone still lists "Herrmann" and "Herrmann GmbH & Co. KG"). When the
   follower has to choose, longer names that start with the key's words ("herrmann" →
   "herrmann meister") join the list after the namesakes, as the prefix read of step 3
   would have found them;
3. otherwise candidates, ranked with rapidfuzz, from bounded index reads:
   - names that start with the key (B-tree range: "acme" → "acme handels");
   - for typos, names that start with the key's first half or end with its second half
     (B-tree ranges on the key and on the key reversed): one edit spoils at most one half,
     so a whole name typed with one mistake keeps the other half intact; and names that
     start with the key's first word ("faleti liimited": the typo is in the legal form);
   - names that contain the key (the trigram index: "handels" → "acme handels"), or its
     longest word (words typed in another order).
   Each read stops at ``ROWS_PER_PIECE`` rows, so the work does not grow with the registry.
   A name that starts with the query's words ranks at least ``LEADING_WORDS_SCORE``: an
   exporter types the first words of a long name.
   On PostgreSQL a "contains" read scans the first names before it asks the trigram index:
   the planner cannot tell a common piece from a rare one (``PostgresNameIndex.containing``).

The trigram index is an FTS5 table on SQLite (the embedded default) and a pg_trgm GIN index
on PostgreSQL (production); ``NameIndex`` hides which, and how each dialect reads a prefix
range. Both are made by the migration.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    bindparam,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from lights.models import Buyer, BuyerName
from lights.normalize import (
    ParsedQuery,
    fold,
    looks_like_registration_number,
    name_key,
    registration_key,
    split_query,
)

MIN_SCORE = 72.0  # below this a fuzzy candidate is not shown
CLEAR_WINNER_SCORE = 90.0  # a fuzzy best match this good, well ahead of the next, is the answer
CLEAR_WINNER_GAP = 8.0
ROWS_PER_PIECE = 100  # candidates read per piece: bounded work whatever the registry size
MIN_PIECE = 3  # the trigram index cannot look for less
MIN_WORD = 4  # a single word of the query searched on its own
SCAN_FIRST_NAMES = 5_000  # PostgreSQL: names scanned for a piece before its trigram index
# "herrmann" for "Herrmann Meister GmbH": the name's first words. Above rapidfuzz's 95 for
# a word found inside a name ("schofield" in "Kay-Schofield Ltd"), below a whole name's 100.
LEADING_WORDS_SCORE = 96.0
LONGER_NAMES = 20  # names read that start with an exactly matched key's words
# How sure a kind of match is: one candidate surer than all the others is the answer.
CERTAINTY = {"registration": 2, "legal": 2, "exact": 1, "similar": 0}


@dataclass(frozen=True)
class Candidate:
    buyer_id: int
    score: float  # 0–100
    how: str  # registration | legal (the whole name as typed) | exact (its key) | similar


@dataclass(frozen=True)
class SearchResult:
    query: ParsedQuery
    country: str | None
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The one answer, when there is a clear one; None when the follower must choose."""
        return one_answer(self.candidates)


def one_answer(candidates: Sequence[Candidate]) -> Candidate | None:
    """The candidate surer than every other (registration number or legal name over a key,
    a key over a fuzzy match), or a fuzzy one well ahead of the next; candidates in order."""
    if not candidates:
        return None
    first = candidates[0]
    if len(candidates) == 1:
        return first
    second = candidates[1]
    if CERTAINTY[first.how] != CERTAINTY[second.how]:
        return first if CERTAINTY[first.how] > CERTAINTY[second.how] else None
    if first.how != "similar":  # namesakes, equally sure: the follower chooses
        return None
    if first.score >= CLEAR_WINNER_SCORE and first.score - second.score >= CLEAR_WINNER_GAP:
        return first
    return None


class NameIndex(Protocol):
    def containing(self, session: Session, piece: str, country: str | None,
                   limit: int) -> list[tuple[int, str]]:
        """(buyer id, name key) of names that contain ``piece`` (at least 3 characters)."""

    def starting_with(self, session: Session, prefix: str, country: str | None, limit: int,
                      reverse: bool = False) -> list[tuple[int, str]]:
        """(buyer id, name key) of names whose key (or reversed key) starts with ``prefix``."""


NAMES = BuyerName.__table__


def _read_names(session: Session, names: FromClause, condition: ColumnElement,
                country: str | None, limit: int,
                order_by: ColumnElement | None = None) -> list[tuple[int, str]]:
    """(buyer id, name key) of ``names`` (the table, or a part of it) meeting ``condition``."""
    statement = select(names.c.buyer_id, names.c.name_key).where(condition)
    if country:
        statement = statement.where(names.c.country == country)
    if order_by is not None:
        statement = statement.order_by(order_by)
    return [(row[0], row[1]) for row in session.execute(statement.limit(limit))]


class SqliteNameIndex:
    """FTS5 with the trigram tokenizer: a quoted phrase matches as a substring."""

    def containing(self, session: Session, piece: str, country: str | None,
                   limit: int) -> list[tuple[int, str]]:
        phrase = '"' + piece.replace('"', '""') + '"'
        sql = ("SELECT n.buyer_id, n.name_key FROM buyer_names_fts f "
               "JOIN buyer_names n ON n.id = f.rowid WHERE buyer_names_fts MATCH :phrase")
        params: dict[str, object] = {"phrase": phrase, "limit": limit}
        if country:
            sql += " AND n.country = :country"
            params["country"] = country
        rows = session.execute(text(sql + " LIMIT :limit"), params)
        return [(row[0], row[1]) for row in rows]

    def starting_with(self, session: Session, prefix: str, country: str | None, limit: int,
                      reverse: bool = False) -> list[tuple[int, str]]:
        # SQLite compares text byte by byte (BINARY): a range is a prefix.
        column = NAMES.c.name_rev if reverse else NAMES.c.name_key
        condition = (column >= prefix) & (column < prefix + "\U0010ffff")
        return _read_names(session, NAMES, condition, country, limit, order_by=column)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _inline(value: str):
    """The pattern written into the SQL (safely quoted), not sent as a parameter: a prepared
    statement's generic plan cannot use an index for ``LIKE $1`` and reads the whole table."""
    return bindparam("pattern", value, literal_execute=True)


class PostgresNameIndex:
    """pg_trgm's GIN index answers LIKE '%piece%'; varchar_pattern_ops B-trees answer
    LIKE 'prefix%' whatever the database collation."""

    def containing(self, session: Session, piece: str, country: str | None,
                   limit: int) -> list[tuple[int, str]]:
        """A read whose cost the planner cannot judge: a table scan that stops at ``limit``
        matches is cheap for a common piece ("trading": 1 ms at 1M buyers, where the index
        takes 20–40 ms to intersect its huge posting lists) and ruinous for a rare one the
        planner takes for common ("holdings": 40 ms instead of 4). Its estimate comes from a
        histogram of 100 names, so the choice flipped from one ANALYZE to the next. Both, in
        order: the first ``SCAN_FIRST_NAMES`` names, which answer a common piece; then the
        trigram index, with table scans off, for a piece that is not."""
        pattern = _inline(f"%{_like_escape(piece)}%")
        first = (select(NAMES.c.buyer_id, NAMES.c.name_key, NAMES.c.country)
                 .limit(SCAN_FIRST_NAMES).subquery())
        found = _read_names(session, first, first.c.name_key.like(pattern, escape="\\"),
                            country, limit)
        if len(found) >= limit:
            return found
        with _table_scans_off(session):
            return _read_names(session, NAMES, NAMES.c.name_key.like(pattern, escape="\\"),
                               country, limit)

    def starting_with(self, session: Session, prefix: str, country: str | None, limit: int,
                      reverse: bool = False) -> list[tuple[int, str]]:
        column = NAMES.c.name_rev if reverse else NAMES.c.name_key
        condition = column.like(_inline(f"{_like_escape(prefix)}%"), escape="\\")
        # In the B-tree's own order (varchar_pattern_ops sorts with ~<~), so that the LIMIT
        # takes the first rows of the index range. Unordered, the planner may judge a prefix
        # common and scan the table for its first matches, which come late when names of one
        # language cluster: 29 ms instead of 0.7 ms for "infraestructu" at 1M buyers.
        order = literal_column(f"{column.name} USING ~<~")
        return _read_names(session, NAMES, condition, country, limit, order_by=order)


@contextmanager
def _table_scans_off(session: Session) -> Iterator[None]:
    """The planner's table scans off for the statements inside, in this transaction only."""
    session.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    try:
        yield
    finally:
        session.execute(text("SELECT set_config('enable_seqscan', 'on', true)"))


def name_index(session: Session) -> NameIndex:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return PostgresNameIndex()
    if dialect == "sqlite":
        return SqliteNameIndex()
    raise RuntimeError(f"no name index for {dialect}")


def typo_halves(key: str) -> tuple[str, str] | None:
    """The two halves of a key long enough for each to be a useful prefix / suffix."""
    if len(key) < 2 * MIN_PIECE:
        return None
    middle = len(key) // 2
    return key[:middle], key[middle:]


def score(key: str, name: str) -> float:
    """How well a typed key matches a stored name key, 0–100."""
    if key == name:
        return 100.0
    return float(fuzz.WRatio(key, name))


def _by_registration(session: Session, query: str, country: str | None) -> list[Candidate]:
    statement: Select = select(Buyer.id).where(Buyer.registration_key == registration_key(query))
    if country:
        statement = statement.where(Buyer.country == country)
    return [Candidate(buyer_id, 100.0, "registration")
            for buyer_id in session.scalars(statement.limit(20))]


def _exact(session: Session, key: str, country: str | None) -> list[Candidate]:
    statement = select(BuyerName.buyer_id).where(BuyerName.name_key == key)
    if country:
        statement = statement.where(BuyerName.country == country)
    ids = dict.fromkeys(session.scalars(statement.limit(20)))
    return [Candidate(buyer_id, 100.0, "exact") for buyer_id in ids]


def _as_typed(session: Session, typed: str, candidates: list[Candidate]) -> list[Candidate]:
    """Namesakes of one key: those whose whole name (legal form included) is what was typed
    ("yılmaz san" is Yılmaz San., not Yılmaz Ltd.) are marked ``legal``."""
    rows = session.execute(select(Buyer.id, Buyer.legal_name, Buyer.original_name,
                                  Buyer.aliases)
                           .where(Buyer.id.in_([c.buyer_id for c in candidates])))
    typed_as_registered = {
        buyer_id for buyer_id, legal, original, aliases in rows
        if typed in {fold(name) for name in (legal, original, *(aliases or ())) if name}}
    return [Candidate(c.buyer_id, c.score, "legal") if c.buyer_id in typed_as_registered
            else c for c in candidates]


def _chooses(candidates: list[Candidate]) -> bool:
    """Whether the follower must choose among these (no one of them is surer than the rest)."""
    return one_answer(sorted(candidates, key=lambda c: -CERTAINTY[c.how])) is None


def _longer_names(session: Session, key: str, country: str | None,
                  known: list[Candidate]) -> list[Candidate]:
    """Names that start with the key's words, besides the names that are the key itself."""
    seen = {candidate.buyer_id for candidate in known}
    best: dict[int, float] = {}
    _score_into(best, key, name_index(session).starting_with(session, key + " ", country,
                                                             LONGER_NAMES))
    return [Candidate(buyer_id, value, "similar") for buyer_id, value in best.items()
            if buyer_id not in seen]


def _similar(session: Session, key: str, country: str | None) -> list[Candidate]:
    """Prefix ranges first (B-tree reads that stop at ``ROWS_PER_PIECE``); the trigram reads
    only when those found no near-certain match. A trigram read must intersect the whole
    posting list of every trigram of the piece, which grows with the registry, and a key with
    a typo in it is a substring of no right name anyway."""
    index = name_index(session)
    best: dict[int, float] = {}
    _score_into(best, key, index.starting_with(session, key, country, ROWS_PER_PIECE))
    halves = typo_halves(key)
    if halves is not None:
        left, right = halves
        _score_into(best, key, index.starting_with(session, left, country, ROWS_PER_PIECE))
        _score_into(best, key, index.starting_with(session, right[::-1], country,
                                                   ROWS_PER_PIECE, reverse=True))
    if max(best.values(), default=0.0) < CLEAR_WINNER_SCORE:
        first = key.split()[0]
        if len(first) >= MIN_WORD and first != key:  # a typo past the first word
            _score_into(best, key, index.starting_with(session, first, country,
                                                       ROWS_PER_PIECE))
        if len(key) >= MIN_PIECE:
            _score_into(best, key, index.containing(session, key, country, ROWS_PER_PIECE))
        longest = max(key.split(), key=len, default="")
        if len(longest) >= MIN_WORD and longest != key:  # words in another order
            _score_into(best, key, index.containing(session, longest, country,
                                                    ROWS_PER_PIECE))
    return [Candidate(buyer_id, value, "similar") for buyer_id, value in best.items()]


def _score_into(best: dict[int, float], key: str, found: list[tuple[int, str]]) -> None:
    leading = key + " "
    for buyer_id, name in found:
        value = score(key, name)
        if name.startswith(leading):
            value = max(value, LEADING_WORDS_SCORE)
        if value >= MIN_SCORE and value > best.get(buyer_id, 0.0):
            best[buyer_id] = value


def search(session: Session, query: str, country: str | None = None,
           limit: int = 5) -> SearchResult:
    """Ranked candidates for what the follower typed ("ACME 德国", "HRB 12345", "acme gmbh")."""
    parsed = split_query(query)
    country_given = bool(country)
    country = (country or parsed.country or None)
    candidates: list[Candidate] = []
    if looks_like_registration_number(query):
        candidates = _by_registration(session, query, country)
    if not candidates and parsed.key:
        candidates = _exact(session, parsed.key, country)
        if not candidates and parsed.country and not country_given:
            # "台湾精密机械" is a name, not 精密机械 in Taiwan: the whole text, exactly.
            whole = name_key(query)
            if whole and whole != parsed.key and (candidates := _exact(session, whole, None)):
                parsed, country = ParsedQuery(query, fold(query), whole, None), None
        if len(candidates) > 1 and parsed.name != parsed.key:  # a legal form was typed
            candidates = _as_typed(session, parsed.name, candidates)
        if not candidates:
            candidates = _similar(session, parsed.key, country)
        elif _chooses(candidates):
            # Namesakes to choose from: names that start with the same words join the list
            # (one more B-tree read, only then: a single name that is the key is the answer).
            candidates += _longer_names(session, parsed.key, country, candidates)
    candidates.sort(key=lambda c: (-CERTAINTY[c.how], -c.score, c.buyer_id))
    return SearchResult(parsed, country, tuple(candidates[:limit]))

"""Finding buyers by name or registration number: one interface, two index engines.

The order of the search, the cheapest first:

1. a registration number typed exactly (letters and digits compared), by its B-tree index;
2. the normalised name exactly (legal name, alias or original script), by its B-tree index;
3. otherwise, candidates from the trigram index, then ranked with rapidfuzz: names that
   contain the typed key, and — for typos — names that contain one of its pieces. One edit
   can spoil at most one of k+1 pieces (the pigeonhole principle), so a name within k edits
   always contains at least one piece unchanged, and the index finds it.

The trigram index is an FTS5 table on SQLite (the embedded default) and a pg_trgm GIN index
on PostgreSQL (production); ``NameIndex`` hides which. Both are made by the migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz
from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from lights.models import Buyer, BuyerName
from lights.normalize import (
    ParsedQuery,
    looks_like_registration_number,
    registration_key,
    split_query,
)

MIN_SCORE = 72.0  # below this a fuzzy candidate is not shown
CLEAR_WINNER_SCORE = 90.0  # a fuzzy best match this good, well ahead of the next, is the answer
CLEAR_WINNER_GAP = 8.0
ROWS_PER_PIECE = 200  # candidates read per piece: bounded work whatever the registry size
MIN_PIECE = 3  # the trigram index cannot look for less


@dataclass(frozen=True)
class Candidate:
    buyer_id: int
    score: float  # 0–100
    how: str  # registration | exact | similar


@dataclass(frozen=True)
class SearchResult:
    query: ParsedQuery
    country: str | None
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The one answer, when there is a clear one; None when the follower must choose."""
        if not self.candidates:
            return None
        first = self.candidates[0]
        if len(self.candidates) == 1:
            return first
        second = self.candidates[1]
        if first.how in ("exact", "registration"):
            return first if second.how not in ("exact", "registration") else None
        if first.score >= CLEAR_WINNER_SCORE and first.score - second.score >= CLEAR_WINNER_GAP:
            return first
        return None


class NameIndex(Protocol):
    def containing(self, session: Session, piece: str, country: str | None,
                   limit: int) -> list[tuple[int, str]]:
        """(buyer id, name key) of names that contain ``piece`` (at least 3 characters)."""


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


class PostgresNameIndex:
    """pg_trgm's GIN index answers LIKE '%piece%' without reading the whole table."""

    def containing(self, session: Session, piece: str, country: str | None,
                   limit: int) -> list[tuple[int, str]]:
        pattern = "%" + piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = select(BuyerName.buyer_id, BuyerName.name_key).where(
            BuyerName.name_key.like(pattern, escape="\\")
        )
        if country:
            statement = statement.where(BuyerName.country == country)
        rows = session.execute(statement.limit(limit))
        return [(row[0], row[1]) for row in rows]


def name_index(session: Session) -> NameIndex:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return PostgresNameIndex()
    if dialect == "sqlite":
        return SqliteNameIndex()
    raise RuntimeError(f"no name index for {dialect}")


def typo_pieces(key: str) -> list[str]:
    """Pieces of the key such that a name within the allowed edits keeps one unchanged."""
    compact = key.strip()
    allowed_edits = 1 if len(compact) < 10 else 2
    count = allowed_edits + 1
    size = max(len(compact) // count, MIN_PIECE)
    pieces = [compact[i:i + size] for i in range(0, len(compact), size)]
    if len(pieces) > 1 and len(pieces[-1]) < MIN_PIECE:  # fold a short tail into its neighbour
        pieces[-2:] = [pieces[-2] + pieces[-1]]
    return [piece for piece in dict.fromkeys(pieces) if len(piece.strip()) >= MIN_PIECE]


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


def _prefix(session: Session, key: str, country: str | None) -> list[tuple[int, str]]:
    """Keys too short for trigrams ("山田", "ab"): names that start with them."""
    statement = select(BuyerName.buyer_id, BuyerName.name_key).where(
        BuyerName.name_key >= key, BuyerName.name_key < key + "\U0010ffff"
    )
    if country:
        statement = statement.where(BuyerName.country == country)
    return [(row[0], row[1]) for row in session.execute(statement.limit(ROWS_PER_PIECE))]


def _similar(session: Session, key: str, country: str | None) -> list[Candidate]:
    if len(key) < MIN_PIECE:
        found = _prefix(session, key, country)
    else:
        index = name_index(session)
        found = index.containing(session, key, country, ROWS_PER_PIECE)
        for piece in typo_pieces(key):
            if piece != key:
                found += index.containing(session, piece, country, ROWS_PER_PIECE)
    best: dict[int, float] = {}
    for buyer_id, name in found:
        value = score(key, name)
        if value >= MIN_SCORE and value > best.get(buyer_id, 0.0):
            best[buyer_id] = value
    return [Candidate(buyer_id, value, "similar") for buyer_id, value in best.items()]


def search(session: Session, query: str, country: str | None = None,
           limit: int = 5) -> SearchResult:
    """Ranked candidates for what the follower typed ("ACME 德国", "HRB 12345", "acme gmbh")."""
    parsed = split_query(query)
    country = (country or parsed.country or None)
    candidates: list[Candidate] = []
    if looks_like_registration_number(query):
        candidates = _by_registration(session, query, country)
    if not candidates and parsed.key:
        candidates = _exact(session, parsed.key, country)
        if not candidates:
            candidates = _similar(session, parsed.key, country)
    candidates.sort(key=lambda candidate: (-candidate.score, candidate.buyer_id))
    return SearchResult(parsed, country, tuple(candidates[:limit]))

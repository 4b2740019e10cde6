"""Loading buyers: CSV or JSON Lines in, bulk upserts by (source, source id) out.

- Every row is validated; a bad row is rejected with its line number and the reason
  (``Rejected``), never dropped silently.
- Rows go to the database in batches, one multi-row ``INSERT ... ON CONFLICT DO UPDATE`` per
  batch (SQLite and PostgreSQL), names replaced by one DELETE (of buyers that existed) and one
  multi-row INSERT. No row-by-row ORM: millions of rows must load at tens of thousands per
  second.
- Big files are read, decoded and validated in a second process that runs ahead of the writer
  and sends each batch ready to write (PostgreSQL: as COPY text), in file order.
- Each batch commits with its checkpoint (byte offset, line, counts) in ``buyer_imports``; a
  second run of the same file resumes there (``lights.import_runs``, which also sets the
  indexes aside during a first load on PostgreSQL).

Fields (CSV header or JSON keys): source, source_id, name, aliases, original_name, country,
registration_number, address, industry, founded, status, well_known (or listed),
broken_promises, negative_events, disclosure, as_of, sample. In CSV, lists are separated by
"|" and records are written "2024-05-01:major" (date:severity or date:kind); JSON may use
real lists and objects.
"""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.countries import country_by_code, find_country
from lights import import_runs
from lights.models import CountryRisk
from lights.normalize import name_key, registration_key
from lights.records import EVENT_KINDS, SEVERITIES, STATUSES

BATCH_ROWS = 5000
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "t"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "n", "否", "f"})
UPDATED_COLUMNS = (
    "legal_name", "original_name", "aliases", "country", "registration_number",
    "registration_key", "address", "industry", "founded", "status", "well_known",
    "broken_promises", "negative_events", "disclosure", "as_of", "sample", "updated_at",
)


class Rejected(ValueError):
    """A row that cannot be loaded; the message (Chinese and the field) says why."""


@dataclass
class ImportReport:
    accepted: int = 0
    rejected: int = 0
    batches: int = 0
    started_at_line: int = 0  # > 0 when the run resumed from a checkpoint
    last_line: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)  # the first few, for show


# --- row validation --------------------------------------------------------------------------

def _text(row: dict[str, Any], name: str, limit: int) -> str | None:
    value = row.get(name)
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        raise Rejected(f"{name}: longer than {limit} characters")
    return value or None


def _flag(row: dict[str, Any], *names: str) -> bool:
    for name in names:
        value = row.get(name)
        if isinstance(value, bool):
            return value
        if value is not None:
            word = str(value).strip().lower()
            if word in TRUE_WORDS:
                return True
            if word not in FALSE_WORDS:
                raise Rejected(f"{name}: not a yes/no value: {value!r}")
    return False


class _Memo(dict):
    """A function's result for each distinct argument, computed once. Registries repeat names
    (a group's companies, the same buyer from two sources) and countries on every row, and
    normalising is the costliest step of a row; the limit bounds memory on huge files."""

    def __init__(self, function: Callable[[str], Any], limit: int) -> None:
        super().__init__()
        self.function, self.limit = function, limit

    def __missing__(self, argument: str) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[argument] = self.function(argument)
        return value


_name_keys = _Memo(name_key, 200_000)


def _country_code(raw: str) -> str | None:
    is_code = len(raw) == 2 and raw.isascii() and raw.isalpha()
    country = (country_by_code(raw) if is_code else None) or find_country(raw)
    return country.code if country else None


_country_codes = _Memo(_country_code, 10_000)


def _country(value: Any) -> str:
    raw = str(value or "").strip()
    if not raw:
        raise Rejected("country: missing")
    code = _country_codes[raw]
    if code is None:
        raise Rejected(f"country: unknown {raw!r}")
    return code


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise Rejected(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def _int(value: Any, name: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Rejected(f"{name}: not a whole number: {value!r}") from None
    if not low <= number <= high:
        raise Rejected(f"{name}: {number} is outside {low}–{high}")
    return number


def _list(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    if isinstance(value, list):
        return value
    text = str(value).strip()
    if text.startswith("["):
        try:
            loaded = orjson.loads(text)
        except ValueError:
            raise Rejected(f"not valid JSON: {text[:40]!r}") from None
        return loaded if isinstance(loaded, list) else [loaded]
    return [part.strip() for part in text.split("|") if part.strip()]


def _records(value: Any, name: str, field_name: str, allowed: Iterable[str]) -> list[dict]:
    """"2024-05-01:major|2023-01-02:minor" or JSON objects → [{"date", field_name, "note"}]."""
    allowed = tuple(allowed)
    records = []
    for item in _list(value):
        if isinstance(item, dict):
            on, kind, note = item.get("date"), item.get(field_name), item.get("note", "")
        else:
            on, _, rest = str(item).partition(":")
            kind, _, note = rest.partition(":")
        kind = str(kind or "").strip()
        if kind not in allowed:
            raise Rejected(f"{name}: {field_name} must be one of {', '.join(allowed)}, "
                           f"got {kind!r}")
        when = _date(on, name)
        if when is None:
            raise Rejected(f"{name}: a record without a date")
        records.append({"date": when.isoformat(), field_name: kind, "note": str(note)[:200]})
    return records


def clean_row(row: dict[str, Any], default_source: str, now: datetime) -> dict[str, Any]:
    """One raw row → the values of a ``buyers`` row (plus ``_names``), or ``Rejected``."""
    name = _text(row, "name", 300) or _text(row, "legal_name", 300)
    if not name:
        raise Rejected("name: missing")
    source_id = _text(row, "source_id", 80)
    if not source_id:
        raise Rejected("source_id: missing")
    status = (_text(row, "status", 20) or "active").lower()
    if status not in STATUSES:
        raise Rejected(f"status: must be one of {', '.join(STATUSES)}, got {status!r}")
    aliases = [str(alias).strip()[:300] for alias in _list(row.get("aliases"))]
    original = _text(row, "original_name", 300)
    registration = _text(row, "registration_number", 80)
    country = _country(row.get("country"))
    key = _name_keys[name]
    if not key:
        raise Rejected("name: nothing left after removing the legal form")
    names = {(key, "legal")}
    for alias in aliases:
        if alias_key := _name_keys[alias]:
            names.add((alias_key, "alias"))
    if original and (original_key := _name_keys[original]):
        names.add((original_key, "original"))
    return {
        "source": _text(row, "source", 40) or default_source,
        "source_id": source_id,
        "legal_name": name,
        "original_name": original,
        "aliases": aliases,
        "country": country,
        "registration_number": registration,
        "registration_key": registration_key(registration) if registration else None,
        "address": _text(row, "address", 2000),
        "industry": _text(row, "industry", 120),
        "founded": _int(row.get("founded"), "founded", 1600, now.year),
        "status": status,
        "well_known": _flag(row, "well_known", "listed"),
        "broken_promises": _records(row.get("broken_promises"), "broken_promises", "severity",
                                    SEVERITIES),
        "negative_events": _records(row.get("negative_events"), "negative_events", "kind",
                                    EVENT_KINDS),
        "disclosure": _int(row.get("disclosure"), "disclosure", 0, 100) or 0,
        "as_of": _date(row.get("as_of"), "as_of"),
        "sample": _flag(row, "sample"),
        "updated_at": now,
        "_names": sorted(names, key=lambda pair: pair[1] != "legal"),
    }


# --- bulk writing ----------------------------------------------------------------------------

def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


BUYER_COLUMNS = ("source", "source_id", *UPDATED_COLUMNS)
STORED_COLUMNS = BUYER_COLUMNS[:-1]  # updated_at is one value per batch, added when written
NAME_COLUMNS = ("buyer_id", "kind", "name_key", "name_rev", "country")
JSON_COLUMNS = frozenset({"aliases", "broken_promises", "negative_events"})
SQLITE_CHUNK = 900  # bound parameters per statement stay under SQLite's limit

# A cleaned row as both databases take it (JSON as text, the date in ISO form), and its names
# as (name key, kind): plain tuples, cheap to build and to pass from the parsing process.
StoredRow = tuple[Any, ...]
Stored = tuple[StoredRow, list[tuple[str, str]]]


def _json(value: list[Any]) -> str:
    return orjson.dumps(value).decode() if value else "[]"


def stored(row: dict[str, Any]) -> Stored:
    """A ``clean_row`` result in the form ``write_stored`` writes, column by column: this is
    the hot loop of an import, and a generic per-value conversion costs more than the write."""
    as_of = row["as_of"]
    return (
        (row["source"], row["source_id"], row["legal_name"], row["original_name"],
         _json(row["aliases"]), row["country"], row["registration_number"],
         row["registration_key"], row["address"], row["industry"], row["founded"],
         row["status"], row["well_known"], _json(row["broken_promises"]),
         _json(row["negative_events"]), row["disclosure"],
         as_of.isoformat() if as_of else None, row["sample"]),
        row["_names"],
    )


def upsert_buyers(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert or update a batch of cleaned rows (``clean_row``) and their names; the caller
    commits."""
    if not rows:
        return 0
    return write_stored(session.connection(), [stored(row) for row in rows],
                        rows[0]["updated_at"])


def write_stored(connection: Connection, rows: list[Stored], now: datetime) -> int:
    """Insert or update a batch and replace the names of its buyers.

    PostgreSQL gets COPY into a staging table and one INSERT ... SELECT ... ON CONFLICT;
    SQLite gets one executemany of INSERT ... ON CONFLICT (its driver loops in C).
    Only these two dialects are supported (the search indexes exist only for them).
    """
    if connection.dialect.name == "postgresql":
        return write_copy_text(connection, copy_text(rows), now)
    unique = _latest(rows)
    if not unique:
        return 0
    # Only buyers that existed before have names to delete: a first load skips the DELETE.
    ids, updated = _upsert_sqlite(connection, unique, now)
    country = STORED_COLUMNS.index("country")
    names = [
        (ids[key], kind, name, name[::-1], values[country])
        for key, (values, row_names) in unique.items()
        for name, kind in row_names
    ]
    _replace_names_sqlite(connection, updated, names)
    return len(unique)


Upserted = tuple[dict[tuple[str, str], int], list[int]]  # ids by key; ids that existed


def _latest(rows: list[Stored]) -> dict[tuple[str, str], Stored]:
    """One row per (source, source id): the later row wins (ON CONFLICT needs this)."""
    return {(row[0][0], row[0][1]): row for row in rows}


def _upsert_sqlite(connection: Connection, unique: dict[tuple[str, str], Stored],
                   now: datetime) -> Upserted:
    # Rowids only grow (and one writer at a time): above the largest before, a buyer is new.
    newest = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM buyers").scalar()
    columns = ", ".join(BUYER_COLUMNS)
    marks = ", ".join("?" for _ in BUYER_COLUMNS)
    updates = ", ".join(f"{column} = excluded.{column}" for column in UPDATED_COLUMNS)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores a DateTime in SQLite
    connection.exec_driver_sql(
        f"INSERT INTO buyers ({columns}) VALUES ({marks}) "
        f"ON CONFLICT (source, source_id) DO UPDATE SET {updates}",
        [(*values, stamp) for values, _ in unique.values()],
    )
    ids: dict[tuple[str, str], int] = {}
    by_source: dict[str, list[str]] = {}
    for source, source_id in unique:
        by_source.setdefault(source, []).append(source_id)
    for source, source_ids in by_source.items():
        for start in range(0, len(source_ids), SQLITE_CHUNK):
            chunk = source_ids[start:start + SQLITE_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            found = connection.exec_driver_sql(
                f"SELECT id, source_id FROM buyers WHERE source = ? AND source_id IN ({marks})",
                (source, *chunk))
            ids.update({(source, source_id): buyer_id for buyer_id, source_id in found})
    return ids, [buyer_id for buyer_id in ids.values() if buyer_id <= newest]


def _replace_names_sqlite(connection: Connection, buyer_ids: list[int],
                          names: list[tuple[Any, ...]]) -> None:
    """Old names out (their FTS rows go with them, by trigger), new names in, and the new
    names into the FTS5 table in one INSERT ... SELECT (the migration explains why)."""
    for start in range(0, len(buyer_ids), SQLITE_CHUNK):
        chunk = buyer_ids[start:start + SQLITE_CHUNK]
        connection.exec_driver_sql(
            f"DELETE FROM buyer_names WHERE buyer_id IN ({', '.join('?' for _ in chunk)})",
            tuple(chunk))
    before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM buyer_names").scalar()
    connection.exec_driver_sql(
        f"INSERT INTO buyer_names ({', '.join(NAME_COLUMNS)}) VALUES (?, ?, ?, ?, ?)", names)
    connection.exec_driver_sql(
        "INSERT INTO buyer_names_fts (rowid, name_key) "
        "SELECT id, name_key FROM buyer_names WHERE id > ?", (before,))


# --- PostgreSQL: COPY text made where the batch was cleaned ----------------------------------

@dataclass
class CopyText:
    """A batch as COPY text: buyers, and their names keyed by (source, source id) because the
    buyer ids are not known yet. Made in the parsing process, so that the writer sends two
    strings instead of unpickling and re-encoding a million Python objects per 100k rows."""

    rows: int
    buyers: str
    names: str


NAME_STAGING_COLUMNS = ("source", "source_id", "kind", "name_key", "name_rev", "country")
# COPY's text format: backslash escapes for the characters that separate values and rows.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES)


def _copy_line(values: StoredRow) -> str:
    """One row of COPY text. Values rarely hold a tab, a line break or a backslash: the row is
    joined as it is and escaped value by value only when the counts show that one does."""
    line = "\t".join(["\\N" if value is None else "t" if value is True else "f"
                      if value is False else str(value) for value in values])
    if (line.count("\t") == len(values) - 1 and line.count("\\") == values.count(None)
            and "\n" not in line and "\r" not in line):
        return line
    return "\t".join(map(_copy_value, values))


def copy_text(rows: list[Stored]) -> CopyText:
    unique = _latest(rows)
    country = STORED_COLUMNS.index("country")
    buyers, names = [], []
    for (source, source_id), (values, row_names) in unique.items():
        buyers.append(_copy_line(values))
        prefix = f"{_copy_value(source)}\t{_copy_value(source_id)}\t"
        suffix = f"\t{values[country]}"
        for name, kind in row_names:  # keys need no escaping: fold turned those into spaces
            names.append(f"{prefix}{kind}\t{name}\t{name[::-1]}{suffix}")
    return CopyText(len(unique), "".join(line + "\n" for line in buyers),
                    "".join(line + "\n" for line in names))


_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS buyers_staging ON COMMIT DELETE ROWS AS "
    f"SELECT {', '.join(BUYER_COLUMNS)} FROM buyers WITH NO DATA",
    "CREATE TEMP TABLE IF NOT EXISTS buyer_names_staging ON COMMIT DELETE ROWS AS "
    "SELECT b.source, b.source_id, n.kind, n.name_key, n.name_rev, n.country "
    "FROM buyers b JOIN buyer_names n ON false WITH NO DATA",
)


def write_copy_text(connection: Connection, batch: CopyText, now: datetime) -> int:
    """Both COPYs into staging tables, then one statement on the server: the upsert, which
    returns each buyer's id and whether it existed (xmax is set on a row the upsert updated,
    0 on one it inserted); the old names of buyers that existed deleted; the new names
    inserted with their buyers' ids, joined on the batch's own rows (not on the whole
    registry). The deletion and the insertion see the table as it was before the statement,
    so they never touch each other's rows."""
    if not batch.rows:
        return 0
    columns = ", ".join(BUYER_COLUMNS)
    stored_columns = ", ".join(STORED_COLUMNS)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in UPDATED_COLUMNS)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        for statement in _STAGING:
            cursor.execute(statement)
        # Empty already after a commit; not when two batches share a transaction.
        cursor.execute("TRUNCATE buyers_staging, buyer_names_staging")
        with cursor.copy(f"COPY buyers_staging ({stored_columns}) FROM STDIN") as copy:
            copy.write(batch.buyers)
        with cursor.copy(f"COPY buyer_names_staging ({', '.join(NAME_STAGING_COLUMNS)}) "
                         "FROM STDIN") as copy:
            copy.write(batch.names)
        cursor.execute(
            f"WITH upserted AS (INSERT INTO buyers ({columns}) SELECT {stored_columns}, %s "
            f"FROM buyers_staging ON CONFLICT (source, source_id) DO UPDATE SET {updates} "
            "RETURNING id, source, source_id, xmax <> 0 AS existed), "
            "old_names AS (DELETE FROM buyer_names WHERE buyer_id IN "
            "(SELECT id FROM upserted WHERE existed)) "
            f"INSERT INTO buyer_names ({', '.join(NAME_COLUMNS)}) "
            "SELECT u.id, n.kind, n.name_key, n.name_rev, n.country FROM buyer_names_staging n "
            "JOIN upserted u ON u.source = n.source AND u.source_id = n.source_id", (now,))
    return batch.rows


def upsert_country_risks(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    statement = _insert_for(session)(CountryRisk)
    statement = statement.on_conflict_do_update(
        index_elements=["country"],
        set_={column: statement.excluded[column] for column in ("rating", "source", "as_of",
                                                                "sample")},
    )
    session.connection().execute(statement, rows)
    return len(rows)


def clean_country_risk(row: dict[str, Any]) -> dict[str, Any]:
    rating = _int(row.get("rating"), "rating", 1, 9)
    if rating is None:
        raise Rejected("rating: missing (1–9)")
    return {"country": _country(row.get("country")), "rating": rating,
            "source": _text(row, "source", 80) or "", "as_of": _date(row.get("as_of"), "as_of"),
            "sample": _flag(row, "sample")}


# --- reading files, with byte offsets for the checkpoint -------------------------------------

@dataclass
class _Position:
    offset: int = 0
    line: int = 0


def _lines(handle: io.BufferedReader, position: _Position) -> Iterator[str]:
    for raw in handle:
        position.offset += len(raw)
        position.line += 1
        yield raw.decode("utf-8-sig" if position.line == 1 else "utf-8", errors="replace")


Raw = str | dict[str, Any] | Rejected  # a JSON line still to decode, a CSV row, or a reject


def read_raw(path: Path, start_offset: int = 0, start_line: int = 0
             ) -> Iterator[tuple[int, int, Raw]]:
    """(line number, byte offset after the row, the raw row); JSON is decoded by ``decode``."""
    is_csv = path.suffix.lower() in (".csv", ".tsv")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open("rb") as handle:
        header: list[str] | None = None
        if is_csv:
            first = handle.readline()
            header = [name.strip().lower() for name in next(csv.reader(
                [first.decode("utf-8-sig")], delimiter=delimiter))]
            start_offset = max(start_offset, len(first))
            start_line = max(start_line, 1)
        handle.seek(start_offset)
        position = _Position(start_offset, start_line)
        lines = _lines(handle, position)
        if is_csv:
            assert header is not None
            for values in csv.reader(lines, delimiter=delimiter):
                if not any(value.strip() for value in values):
                    continue
                if len(values) != len(header):
                    yield position.line, position.offset, Rejected(
                        f"expected {len(header)} columns, found {len(values)}")
                    continue
                yield position.line, position.offset, dict(zip(header, values, strict=True))
            return
        for line in lines:
            if line.strip():
                yield position.line, position.offset, line


def decode(raw: Raw) -> dict[str, Any]:
    """The row as a dict; raises ``Rejected`` for a line that is not a JSON object."""
    if isinstance(raw, Rejected):
        raise raw
    if isinstance(raw, dict):
        return raw
    try:
        loaded = orjson.loads(raw)
    except ValueError as error:
        raise Rejected(f"not valid JSON ({error.msg})") from None
    if not isinstance(loaded, dict):
        raise Rejected("a JSON object is expected")
    if all(map(str.islower, loaded)):  # the usual file: keys already in lower case
        return loaded
    return {str(k).lower(): v for k, v in loaded.items()}


def read_rows(path: Path, start_offset: int = 0, start_line: int = 0
              ) -> Iterator[tuple[int, int, dict[str, Any] | Rejected]]:
    """(line number, byte offset after the row, the row or why it is unreadable)."""
    for line, offset, raw in read_raw(path, start_offset, start_line):
        try:
            yield line, offset, decode(raw)
        except Rejected as rejected:
            yield line, offset, rejected


def clean_chunk(items: list[tuple[int, Raw]], source: str, now: datetime
                ) -> list[tuple[int, dict[str, Any] | str]]:
    """Decode and validate a chunk: (line, cleaned row) or (line, why it was rejected).
    Pure: no database, no files."""
    cleaned: list[tuple[int, dict[str, Any] | str]] = []
    for line, raw in items:
        try:
            cleaned.append((line, clean_row(decode(raw), source, now)))
        except Rejected as rejected:
            cleaned.append((line, str(rejected)))
    return cleaned


Payload = list[Stored] | CopyText  # a batch ready for write_batch


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """A chunk makes some 10^5 dicts, lists and tuples that all live until it is written, and
    none of them in a reference cycle (reference counting frees them all): the cyclic
    collector, triggered by every 700 allocations, would scan them again and again for
    nothing — about a fifth of the parsing time on 100k demo rows. It is switched back on
    (if it was on) after the chunk."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def clean_chunk_stored(items: list[tuple[int, Raw]], source: str, now: datetime,
                       as_copy_text: bool) -> tuple[list[tuple[int, str]], Payload]:
    """``clean_chunk`` → (rejections: line and reason, the accepted rows ready to write):
    what the parsing process returns, as COPY text for PostgreSQL."""
    rejected: list[tuple[int, str]] = []
    accepted: list[Stored] = []
    with _without_cycle_collector():
        for line, row in clean_chunk(items, source, now):
            if isinstance(row, str):
                rejected.append((line, row))
            else:
                accepted.append(stored(row))
        return rejected, copy_text(accepted) if as_copy_text else accepted


def write_batch(connection: Connection, payload: Payload, now: datetime) -> int:
    if isinstance(payload, CopyText):
        return write_copy_text(connection, payload, now)
    return write_stored(connection, payload, now)


# --- the import ------------------------------------------------------------------------------

Progress = Callable[[int], None]  # bytes read since the last call
OnReject = Callable[[int, str], None]


@dataclass
class _Chunk:
    items: list[tuple[int, Raw]]
    end_line: int
    end_offset: int


def _chunks(path: Path, offset: int, line: int, size: int) -> Iterator[_Chunk]:
    items: list[tuple[int, Raw]] = []
    end_line, end_offset = line, offset
    for end_line, end_offset, raw in read_raw(path, offset, line):
        items.append((end_line, raw))
        if len(items) >= size:
            yield _Chunk(items, end_line, end_offset)
            items = []
    # The last chunk runs to the end of the file (trailing blank lines included).
    yield _Chunk(items, end_line, path.stat().st_size)


Cleaned = tuple[int, int, tuple[list[tuple[int, str]], Payload]]  # end line, end offset


@dataclass(frozen=True)
class _Reading:
    """What the parsing needs to know: picklable, for the parsing process."""

    path: Path
    offset: int
    line: int
    batch_rows: int
    source: str
    now: datetime
    as_copy_text: bool


PARALLEL_FROM_BYTES = 4 * 1024 * 1024  # smaller files: starting a process costs more
READ_AHEAD = 2  # batches cleaned ahead of the writer: bounded memory, no waiting
WORKER_POLL_SECONDS = 1.0


def _cleaned_in_process(reading: _Reading) -> Iterator[Cleaned]:
    for chunk in _chunks(reading.path, reading.offset, reading.line, reading.batch_rows):
        yield (chunk.end_line, chunk.end_offset,
               clean_chunk_stored(chunk.items, reading.source, reading.now,
                                  reading.as_copy_text))


class _ParsingFailed(RuntimeError):
    """The parsing process failed; the message is its traceback."""


def _parse_file(reading: _Reading, results: multiprocessing.Queue) -> None:
    """The parsing process: reads the file itself and sends each batch ready to write, in
    file order, then None."""
    try:
        for cleaned in _cleaned_in_process(reading):
            results.put(cleaned)
        results.put(None)
    except BaseException:  # sent to the writer, which raises it there
        results.put(_ParsingFailed(traceback.format_exc()))


def _cleaned_in_parallel(reading: _Reading) -> Iterator[Cleaned]:
    """Reading, decoding and validating in a second process while this one writes: on two
    cores the Python work of a batch and the database work of the previous one overlap, and
    this process touches no raw row. Batches come in file order, so checkpoints and
    rejections are those of one process."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue(READ_AHEAD)
    worker = context.Process(target=_parse_file, args=(reading, results), daemon=True,
                             name="xinbao-import-parser")
    worker.start()
    try:
        while True:
            try:
                item = results.get(timeout=WORKER_POLL_SECONDS)
            except queue.Empty:
                if not worker.is_alive():
                    raise _ParsingFailed(f"the parsing process ended ({worker.exitcode})"
                                         ) from None
                continue
            if item is None:
                return
            if isinstance(item, _ParsingFailed):
                raise item
            yield item
    finally:  # also when the writer stops early (an error, a simulated crash)
        if worker.is_alive():
            worker.terminate()
        worker.join()
        results.close()


def import_buyers(session: Session, path: Path, *, source: str = "import",
                  batch_rows: int = BATCH_ROWS, resume: bool = True,
                  progress: Progress | None = None, on_reject: OnReject | None = None,
                  stop_after_batches: int | None = None,
                  parallel: bool | None = None) -> ImportReport:
    """Load a CSV or JSON Lines file; resumable (``lights.import_runs``).
    ``stop_after_batches`` simulates a crash. ``parallel``: parse in a second process
    (default: for big files on more than one core)."""
    prepare_bulk_load(session)
    run = import_runs.start(session, path, source, resume)
    report = ImportReport(accepted=run.accepted, rejected=run.rejected,
                          started_at_line=run.line, last_line=run.line)
    reading = _Reading(path, run.offset, run.line, batch_rows, source, datetime.now(UTC),
                       session.get_bind().dialect.name == "postgresql")
    if parallel is None:
        parallel = (os.cpu_count() or 1) > 1 and run.size - run.offset >= PARALLEL_FROM_BYTES
    cleaned = (_cleaned_in_parallel if parallel else _cleaned_in_process)(reading)
    reported_offset = run.offset
    # Batches arrive as 10^5 fresh tuples each (unpickled, then bound by the driver): the
    # cyclic collector off here too (the importer runs in its own CLI process; a batch's
    # few cycles, if any, wait for the collector to come back on after the import).
    with closing(cleaned), _without_cycle_collector():
        for end_line, end_offset, (rejected, payload) in cleaned:
            _report_rejected(report, rejected, on_reject)
            report.accepted += write_batch(session.connection(), payload, reading.now)
            import_runs.record_batch(run, end_offset, end_line, report.accepted,
                                     report.rejected)
            session.commit()  # the batch and its checkpoint together
            report.batches += 1
            report.last_line = end_line
            if progress:
                progress(end_offset - reported_offset)
            reported_offset = end_offset
            if stop_after_batches is not None and report.batches >= stop_after_batches:
                return report
    import_runs.finish(session, run)
    settle_indexes(session)
    return report


def _report_rejected(report: ImportReport, rejected: list[tuple[int, str]],
                     on_reject: OnReject | None) -> None:
    for line_number, reason in rejected:
        report.rejected += 1
        if len(report.rejections) < 100:
            report.rejections.append((line_number, reason))
        if on_reject:
            on_reject(line_number, reason)


BULK_CACHE_KIB = 256 * 1024


def prepare_bulk_load(session: Session) -> None:
    """SQLite: a page cache big enough for the indexes of a million rows (the default 2 MB
    makes every insert into a large B-tree a disk read) and WAL's NORMAL sync (safe against
    corruption; a crash loses at most the last batches, which the checkpoint redoes)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(text(f"PRAGMA cache_size = -{BULK_CACHE_KIB}"))
    session.execute(text("PRAGMA synchronous = NORMAL"))


def settle_indexes(session: Session) -> None:
    """After a bulk load: PostgreSQL's GIN index keeps new entries in a pending list that
    every search reads in full until it is merged, and the planner needs fresh statistics."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT gin_clean_pending_list('ix_buyer_names_key_trgm')"))
    session.execute(text("ANALYZE buyers"))
    session.execute(text("ANALYZE buyer_names"))
    session.commit()


def import_country_risks(session: Session, path: Path) -> ImportReport:
    report = ImportReport()
    rows = []
    for line_number, _, row in read_rows(path):
        report.last_line = line_number
        try:
            if isinstance(row, Rejected):
                raise row
            rows.append(clean_country_risk(row))
        except Rejected as rejected:
            report.rejected += 1
            report.rejections.append((line_number, str(rejected)))
    report.accepted = upsert_country_risks(session, rows)
    session.commit()
    return report

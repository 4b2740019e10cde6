"""Loading buyers: the database side of ``xinbao buyers import`` (``lights.rows`` reads and
cleans the rows).

- Rows go to the database in batches, upserted by (source, source id): SQLite gets one
  executemany of ``INSERT ... ON CONFLICT DO UPDATE`` (its driver loops in C); PostgreSQL gets
  COPY into a staging table (psycopg's C code writes the rows) and one statement that upserts
  the buyers. A buyer that existed loses the names it no longer has and gains the new ones;
  the names it keeps are left alone (``_name_changes``). No row-by-row ORM: millions of rows
  must load at tens of thousands per second.
- A first load (into an empty registry) writes its buyers straight in, with ids the writer
  takes itself, until a batch holds one that exists (``insert_new_buyers``).
- Big files are read, decoded and validated in a second process that runs ahead of the writer
  and sends each batch ready to write, in file order.
- Each batch commits with its checkpoint in ``buyer_imports``; a second run of the same file
  resumes there (``lights.import_runs``, which also sets the secondary indexes aside during
  a first load and builds them at its end).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lights import import_runs
from lights.models import CountryRisk
from lights.rows import (
    BUYER_COLUMNS,
    COUNTRY,
    STORED_COLUMNS,
    UPDATED_COLUMNS,
    Batch,
    ParsingFailed,
    Reading,
    Rejected,
    Stored,
    batches,
    clean_country_risk,
    read_rows,
    without_cycle_collector,
)

BATCH_ROWS = 5000
NAME_COLUMNS = ("buyer_id", "kind", "name_key", "name_rev", "country")
SQLITE_CHUNK = 900  # bound parameters per statement stay under SQLite's limit


@dataclass
class ImportReport:
    accepted: int = 0
    rejected: int = 0
    batches: int = 0
    started_at_line: int = 0  # > 0 when the run resumed from a checkpoint
    last_line: int = 0
    rejections: list[tuple[int, str]] = field(default_factory=list)  # the first few, for show


# --- bulk writing ----------------------------------------------------------------------------

def upsert_buyers(session: Session, rows: list[Stored], now: datetime) -> int:
    """Insert or update a batch of cleaned rows (``lights.rows.clean_row``) and replace their
    names; the caller commits. Only SQLite and PostgreSQL are supported (the search indexes
    exist only for them)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _write_postgresql(connection, rows, now)
    return _write_sqlite(connection, rows, now)


def _write_sqlite(connection: Connection, rows: list[Stored], now: datetime) -> int:
    unique = _latest(rows)
    if not unique:
        return 0
    # Only buyers that existed before have names to compare: a first load reads none.
    ids, updated = _upsert_sqlite(connection, unique, now)
    stale, new = _name_changes(_stored_names_sqlite(connection, updated),
                               _name_rows(unique, ids))
    _replace_names_sqlite(connection, stale, new)
    return len(unique)


NameRow = tuple[Any, ...]  # a buyer_names row in NAME_COLUMNS order
StoredName = tuple[int, int, str, str, str]  # id, buyer_id, kind, name_key, country
STORED_NAME_COLUMNS = "id, buyer_id, kind, name_key, country"


def _name_rows(unique: dict[tuple[str, str], Stored], ids: dict[tuple[str, str], int]
               ) -> Iterator[NameRow]:
    """``buyer_names`` rows (``NAME_COLUMNS``) of a batch, once its buyers have their ids."""
    for key, (values, names) in unique.items():
        buyer_id, country = ids[key], values[COUNTRY]
        for name, kind in names:
            yield buyer_id, kind, name, name[::-1], country


def _name_changes(stored: Iterable[StoredName], names: Iterable[NameRow]
                  ) -> tuple[list[int], list[NameRow]]:
    """What a batch changes in ``buyer_names``: the ids of the stored names (of the batch's
    buyers that existed) that its buyers no longer have, and the names to add. A name a
    buyer keeps (same kind, key and country) keeps its row: most rows of a refresh change an
    address or a status, not a name, and each name row written costs five index entries
    (the trigram one the dearest), each one deleted a dead row and its entries for VACUUM
    (measured on a refresh of 20k rows into 200k on PostgreSQL, a third of them with a new
    alias: 7.1–7.3k rows/s replacing every name, docs/scale.md has the figure after)."""
    kept: dict[tuple[Any, ...], list[int]] = {}
    for name_id, *name in stored:
        kept.setdefault(tuple(name), []).append(name_id)
    new: list[NameRow] = []
    for row in names:
        same = kept.get((row[0], row[1], row[2], row[4]))
        if same:
            same.pop()  # a name written twice for one buyer is kept once and added once
        else:
            new.append(row)
    return [name_id for ids in kept.values() for name_id in ids], new


Upserted = tuple[dict[tuple[str, str], int], list[int]]  # ids by key; ids that existed


def _latest(rows: list[Stored]) -> dict[tuple[str, str], Stored]:
    """One row per (source, source id): the later row wins (ON CONFLICT needs this)."""
    return {(row[0][0], row[0][1]): row for row in rows}


def _upsert_sqlite(connection: Connection, unique: dict[tuple[str, str], Stored],
                   now: datetime) -> Upserted:
    # Rowids only grow (and one writer at a time): above the largest before, a buyer is new.
    newest = _largest_id(connection, "buyers")
    columns = ", ".join(BUYER_COLUMNS)
    updates = ", ".join(f"{column} = excluded.{column}" for column in UPDATED_COLUMNS)
    stamp = _sqlite_stamp(now)
    connection.exec_driver_sql(
        f"INSERT INTO buyers ({columns}) VALUES ({_marks(len(BUYER_COLUMNS))}) "
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
            found = connection.exec_driver_sql(
                "SELECT id, source_id FROM buyers WHERE source = ? "
                f"AND source_id IN ({_marks(len(chunk))})", (source, *chunk))
            ids.update({(source, source_id): buyer_id for buyer_id, source_id in found})
    return ids, [buyer_id for buyer_id in ids.values() if buyer_id <= newest]


def _largest_id(connection: Connection, table: str) -> int:
    return connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar()


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _sqlite_stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores a DateTime in SQLite


def _stored_names_sqlite(connection: Connection, buyer_ids: list[int]) -> list[StoredName]:
    found: list[StoredName] = []
    for start in range(0, len(buyer_ids), SQLITE_CHUNK):
        chunk = buyer_ids[start:start + SQLITE_CHUNK]
        found += connection.exec_driver_sql(
            f"SELECT {STORED_NAME_COLUMNS} FROM buyer_names "
            f"WHERE buyer_id IN ({_marks(len(chunk))})", tuple(chunk)).all()
    return found


def _replace_names_sqlite(connection: Connection, name_ids: list[int],
                          names: list[NameRow]) -> None:
    """Old names out by id (their FTS rows go with them, by trigger), new names in, and the
    new names into the FTS5 table in one INSERT ... SELECT (the migration explains why)."""
    for start in range(0, len(name_ids), SQLITE_CHUNK):
        chunk = name_ids[start:start + SQLITE_CHUNK]
        connection.exec_driver_sql(
            f"DELETE FROM buyer_names WHERE id IN ({_marks(len(chunk))})", tuple(chunk))
    before = _largest_id(connection, "buyer_names")
    connection.exec_driver_sql(
        f"INSERT INTO buyer_names ({', '.join(NAME_COLUMNS)}) "
        f"VALUES ({_marks(len(NAME_COLUMNS))})", names)
    connection.exec_driver_sql(
        "INSERT INTO buyer_names_fts (rowid, name_key) "
        "SELECT id, name_key FROM buyer_names WHERE id > ?", (before,))


# --- PostgreSQL: COPY in, the upsert's ids back, the names COPYed with them ------------------

_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS buyers_staging ON COMMIT DELETE ROWS AS "
    f"SELECT {', '.join(STORED_COLUMNS)} FROM buyers WITH NO DATA"
)


def _write_postgresql(connection: Connection, rows: list[Stored], now: datetime) -> int:
    """The buyers COPYed into a staging table and upserted from it in one statement, which
    returns each buyer's id and whether it existed (xmax is set on a row the upsert updated,
    0 on one it inserted); of those that existed, the names they no longer have deleted
    (``_name_changes``); the new names COPYed straight into ``buyer_names`` with their ids
    (psycopg's C code writes the rows)."""
    unique = _latest(rows)
    if not unique:
        return 0
    stored_columns = ", ".join(STORED_COLUMNS)
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in UPDATED_COLUMNS)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute(_STAGING)
        cursor.execute("TRUNCATE buyers_staging")  # empty after a commit, not always before
        with cursor.copy(f"COPY buyers_staging ({stored_columns}) FROM STDIN") as copy:
            for values, _ in unique.values():
                copy.write_row(values)
        cursor.execute(
            f"INSERT INTO buyers ({', '.join(BUYER_COLUMNS)}) SELECT {stored_columns}, %s "
            f"FROM buyers_staging ON CONFLICT (source, source_id) DO UPDATE SET {updates} "
            "RETURNING id, source, source_id, xmax <> 0", (now,))
        ids: dict[tuple[str, str], int] = {}
        existed: list[int] = []
        for buyer_id, source, source_id, was_there in cursor:
            ids[source, source_id] = buyer_id
            if was_there:
                existed.append(buyer_id)
        stored = cursor.execute(
            f"SELECT {STORED_NAME_COLUMNS} FROM buyer_names WHERE buyer_id = ANY(%s)",
            (existed,)).fetchall() if existed else []
        stale, new = _name_changes(stored, _name_rows(unique, ids))
        if stale:
            cursor.execute("DELETE FROM buyer_names WHERE id = ANY(%s)", (stale,))
        _copy_names(cursor, new)
    return len(unique)


def _copy_names(cursor: psycopg.Cursor, names: Iterable[NameRow]) -> None:
    with cursor.copy(f"COPY buyer_names ({', '.join(NAME_COLUMNS)}) FROM STDIN") as copy:
        for name_row in names:
            copy.write_row(name_row)


# --- a first load: buyers expected to be new, written without looking for them first ---------

def insert_new_buyers(session: Session, rows: list[Stored], now: datetime) -> int | None:
    """A batch of buyers expected to be new (a first load), written with ids the writer
    takes itself, where the upsert must look for each buyer first (and SQLite then read the
    ids back): PostgreSQL COPYs them straight into ``buyers`` (a third less work for the
    server than the staging table and upsert), SQLite inserts them without the id lookups.
    If one of them exists after all (a source id repeated in a later batch, another import
    of the same buyers), None is returned and the caller upserts the batch. The caller
    commits."""
    unique = _latest(rows)
    if not unique:
        return 0
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    inserted = (_insert_new_postgresql if postgresql else _insert_new_sqlite)(
        connection, unique, now)
    return len(unique) if inserted else None


def _insert_new_sqlite(connection: Connection, unique: dict[tuple[str, str], Stored],
                       now: datetime) -> bool:
    # Ids above the largest are free (one writer at a time). A buyer that exists (or an id
    # another writer took) is skipped and the batch left to the upsert, which brings the
    # rows inserted here to the same values and writes all the names.
    newest = _largest_id(connection, "buyers")
    ids = {key: newest + number for number, key in enumerate(unique, 1)}
    stamp = _sqlite_stamp(now)
    inserted = connection.exec_driver_sql(
        f"INSERT INTO buyers (id, {', '.join(BUYER_COLUMNS)}) "
        f"VALUES ({_marks(len(BUYER_COLUMNS) + 1)}) "
        "ON CONFLICT DO NOTHING",
        [(ids[key], *values, stamp) for key, (values, _) in unique.items()]).rowcount
    if inserted != len(unique):
        return False
    _replace_names_sqlite(connection, [], list(_name_rows(unique, ids)))
    return True


def _insert_new_postgresql(connection: Connection, unique: dict[tuple[str, str], Stored],
                           now: datetime) -> bool:
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute("SAVEPOINT new_buyers")
        ids = dict(zip(unique, (buyer_id for buyer_id, in cursor.execute(
            "SELECT nextval('buyers_id_seq') FROM generate_series(1, %s)", (len(unique),))),
            strict=True))
        # The time as text, once: psycopg would format a datetime again for every row.
        stamp = now.isoformat()
        try:
            with cursor.copy(f"COPY buyers (id, {', '.join(BUYER_COLUMNS)}) FROM STDIN") as copy:
                for key, (values, _) in unique.items():
                    copy.write_row((ids[key], *values, stamp))
        except psycopg.errors.UniqueViolation:
            cursor.execute("ROLLBACK TO SAVEPOINT new_buyers")
            return False
        cursor.execute("RELEASE SAVEPOINT new_buyers")
        _copy_names(cursor, _name_rows(unique, ids))
    return True


# --- country risks --------------------------------------------------------------------------

def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


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


# --- the import ------------------------------------------------------------------------------

Progress = Callable[[int], None]  # bytes read since the last call
OnReject = Callable[[int, str], None]
PARALLEL_FROM_BYTES = 4 * 1024 * 1024  # smaller files: starting a process costs more
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _batches_in_parallel(reading: Reading) -> Iterator[Batch]:
    """Reading, decoding and validating in a second process while this one writes: on two
    cores the Python work of a batch and the database work of the previous one overlap, and
    this process touches no raw row. The process runs ``python -m lights.rows``, which imports
    no database code (multiprocessing's spawn would re-run this program's own imports first:
    half a second). Batches come in file order, so checkpoints and rejections are those of
    one process."""
    process = subprocess.Popen([sys.executable, "-m", "lights.rows"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, cwd=PROJECT_ROOT)
    assert process.stdin is not None and process.stdout is not None
    try:
        pickle.dump(reading, process.stdin)
        process.stdin.close()
        while True:
            try:
                item = pickle.load(process.stdout)
            except EOFError:
                raise ParsingFailed(f"the parsing process ended ({process.wait()})") from None
            if item is None:
                return
            if isinstance(item, ParsingFailed):
                raise item
            yield item
    finally:  # also when the writer stops early (an error, a simulated crash)
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


@dataclass
class _BatchWriter:
    """Writes a run's batches: straight in while they are all new, upserted from the first
    batch that is not."""

    session: Session
    now: datetime
    all_new: bool

    def write(self, rows: list[Stored]) -> int:
        if self.all_new:
            written = insert_new_buyers(self.session, rows, self.now)
            if written is not None:
                return written
            self.all_new = False
        return upsert_buyers(self.session, rows, self.now)


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
    # Resolved: the parsing process runs in the project's directory, not the caller's.
    reading = Reading(path.resolve(), run.offset, run.line, batch_rows, source,
                      datetime.now(UTC))
    if parallel is None:
        parallel = (os.cpu_count() or 1) > 1 and run.size - run.offset >= PARALLEL_FROM_BYTES
    cleaned = (_batches_in_parallel if parallel else batches)(reading)
    reported_offset = run.offset
    # A first load (its indexes set aside): its buyers are new, until one is not.
    writer = _BatchWriter(session, reading.now, all_new=bool(run.deferred_indexes))
    # Batches arrive as 10^5 fresh tuples each (unpickled, then bound by the driver): the
    # cyclic collector off here too (the importer runs in its own CLI process; a batch's
    # few cycles, if any, wait for the collector to come back on after the import).
    with closing(cleaned), without_cycle_collector():
        for batch in cleaned:
            _report_rejected(report, batch.rejected, on_reject)
            report.accepted += writer.write(batch.accepted)
            import_runs.record_batch(run, batch.end_offset, batch.end_line, report.accepted,
                                     report.rejected)
            session.commit()  # the batch and its checkpoint together
            report.batches += 1
            report.last_line = batch.end_line
            if progress:
                progress(batch.end_offset - reported_offset)
            reported_offset = batch.end_offset
            if stop_after_batches is not None and report.batches >= stop_after_batches:
                return report
    import_runs.finish(session, run)
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

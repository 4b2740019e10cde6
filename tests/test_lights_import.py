"""Importing buyers through the CLI: CSV and JSON Lines, upsert by (source, source id), rejected
rows reported with line and reason, a restart from the checkpoint, demo data, country risk."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from lights import import_runs, importer
from lights.importer import import_buyers, insert_new_buyers
from lights.models import Buyer, BuyerImport, BuyerName, CountryRisk
from lights.rows import ParsingFailed
from lights.search import search
from xinbao_cli import main

HEADER = ["source", "source_id", "name", "aliases", "original_name", "country",
          "registration_number", "status", "well_known", "broken_promises",
          "negative_events", "disclosure", "as_of", "sample"]


@pytest.fixture
def cli_env(monkeypatch, base_config):
    """The CLI builds its own app: point it at the test database, in development."""
    monkeypatch.setenv("XINBAO_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", base_config["database"]["url"])
    monkeypatch.delenv("REDIS_URL", raising=False)


@pytest.fixture(autouse=True)
def indexes_rebuilt(db):
    """A test that interrupts a first load leaves its indexes set aside in its run: build them
    before the tables are emptied for the next test (which would lose the definitions)."""
    yield
    db.rollback()
    for run in db.scalars(select(BuyerImport)):
        if run.deferred_indexes:
            import_runs.finish(db, run)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def good_row(number: int, name: str | None = None, **changes: str) -> list[str]:
    name = f"Buyer Number {number} GmbH" if name is None else name
    row = dict(source="crm", source_id=f"B{number}", name=name,
               aliases="", original_name="", country="DE", registration_number="",
               status="active", well_known="0", broken_promises="", negative_events="",
               disclosure="70", as_of="2026-10-01", sample="0")
    row.update(changes)
    return [row[column] for column in HEADER]


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_csv_import_reports_each_rejected_row_with_line_and_reason(cli_env, db, tmp_path):
    path = write_csv(tmp_path / "buyers.csv", [
        good_row(1, aliases="Number One|B1 Trading", broken_promises="2025-03-01:major"),
        good_row(2, country="Atlantis"),                      # line 3
        good_row(3, status="sleepy"),                         # line 4
        good_row(4, disclosure="140"),                        # line 5
        good_row(5, name=""),                                 # line 6
        good_row(6, negative_events="2025-01-01:alien"),      # line 7
        good_row(7, as_of="yesterday"),                       # line 8
        good_row(8, country="德国", original_name="エイト株式会社"),
    ])
    result = CliRunner().invoke(main, ["buyers", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert "accepted 2 rows, rejected 6" in result.output
    with (tmp_path / "buyers.csv.rejected.csv").open(encoding="utf-8") as handle:
        rejected = list(csv.reader(handle))
    assert rejected[0] == ["line", "reason"]
    assert [(line, reason.split(":")[0]) for line, reason in rejected[1:]] == [
        ("3", "country"), ("4", "status"), ("5", "disclosure"), ("6", "name"),
        ("7", "negative_events"), ("8", "as_of")]
    assert "unknown 'Atlantis'" in rejected[1][1]

    buyer = db.scalar(select(Buyer).where(Buyer.source_id == "B1"))
    assert buyer.aliases == ["Number One", "B1 Trading"]
    assert buyer.broken_promises == [{"date": "2025-03-01", "severity": "major", "note": ""}]
    kinds = sorted(db.scalars(select(BuyerName.kind).where(BuyerName.buyer_id == buyer.id)))
    assert kinds == ["alias", "alias", "legal"]
    assert db.scalar(select(Buyer.country).where(Buyer.source_id == "B8")) == "DE"


def test_a_second_import_updates_by_source_and_source_id(cli_env, db, tmp_path):
    first = write_csv(tmp_path / "a.csv", [good_row(1), good_row(2)])
    second = write_csv(tmp_path / "b.csv", [good_row(1, name="Renamed Buyer AG", status="bankrupt"),
                                            good_row(3)])
    runner = CliRunner()
    assert runner.invoke(main, ["buyers", "import", str(first)]).exit_code == 0
    assert runner.invoke(main, ["buyers", "import", str(second)]).exit_code == 0

    assert count(db, Buyer) == 3
    renamed = db.scalar(select(Buyer).where(Buyer.source_id == "B1"))
    assert (renamed.legal_name, renamed.status) == ("Renamed Buyer AG", "bankrupt")
    keys = set(db.scalars(select(BuyerName.name_key).where(BuyerName.buyer_id == renamed.id)))
    assert keys == {"renamed buyer"}  # the old name no longer finds it


def test_json_lines_with_lists_and_objects(cli_env, db, tmp_path):
    path = tmp_path / "buyers.jsonl"
    lines = [
        {"source_id": "J1", "name": "山田電気株式会社", "country": "JP",
         "aliases": ["Yamada Denki"],
         "broken_promises": [{"date": "2025-06-01", "severity": "minor", "note": "late"}],
         "negative_events": [{"date": "2025-02-01", "kind": "lawsuit"}], "listed": True},
        "not json at all",
        {"source_id": "J3", "country": "JP"},
        ["a", "list"],
    ]
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line,
                                                                          ensure_ascii=False)
                              for line in lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["buyers", "import", str(path), "--source", "jp-feed"])

    assert "accepted 1 rows, rejected 3" in result.output
    assert "line 2: not valid JSON" in result.output
    assert "line 3: name: missing" in result.output
    assert "line 4: a JSON object is expected" in result.output
    buyer = db.scalar(select(Buyer).where(Buyer.source_id == "J1"))
    assert (buyer.source, buyer.well_known) == ("jp-feed", True)
    assert buyer.negative_events[0]["kind"] == "lawsuit"


def test_an_interrupted_import_resumes_from_its_checkpoint(cli_env, db, tmp_path):
    path = write_csv(tmp_path / "big.csv",
                     [good_row(number) for number in range(1, 11)] + [good_row(99, country="")])
    interrupted = import_buyers(db, path, batch_rows=3, stop_after_batches=2)
    assert (interrupted.accepted, interrupted.batches) == (6, 2)
    saved = import_runs.resumable(db, path)
    assert saved is not None and saved.line == 7  # header + six rows

    result = CliRunner().invoke(main, ["buyers", "import", str(path), "--batch", "3"])

    assert "resuming after line 7" in result.output
    assert "accepted 10 rows, rejected 1" in result.output
    assert count(db, Buyer) == 10
    assert import_runs.resumable(db, path) is None  # finished: nothing left to resume
    listed = CliRunner().invoke(main, ["buyers", "imports"]).output.splitlines()
    assert "finished" in listed[0] and "big.csv — line 12, accepted 10, rejected 1" in listed[0]
    again = CliRunner().invoke(main, ["buyers", "import", str(path)])
    assert "resuming" not in again.output and count(db, Buyer) == 10


def test_a_changed_file_does_not_resume_from_an_old_checkpoint(cli_env, db, tmp_path):
    path = write_csv(tmp_path / "c.csv", [good_row(number) for number in range(1, 7)])
    import_buyers(db, path, batch_rows=2, stop_after_batches=1)
    write_csv(path, [good_row(number) for number in range(1, 9)])

    result = CliRunner().invoke(main, ["buyers", "import", str(path)])
    assert "resuming" not in result.output
    assert "accepted 8 rows" in result.output


def test_a_batch_and_its_checkpoint_commit_together(cli_env, db, tmp_path, monkeypatch):
    """A crash after a batch's rows are written but before the commit loses both: the
    checkpoint never claims rows the database does not have."""
    path = write_csv(tmp_path / "t.csv", [good_row(number) for number in range(1, 7)])
    record_batch = import_runs.record_batch
    batches: list[int] = []

    def power_lost_in_the_second_batch(run, *args) -> None:
        record_batch(run, *args)
        batches.append(args[1])
        if len(batches) == 2:
            raise OSError("power lost")

    monkeypatch.setattr(import_runs, "record_batch", power_lost_in_the_second_batch)
    with pytest.raises(OSError):
        import_buyers(db, path, batch_rows=3, parallel=False)
    db.rollback()
    monkeypatch.undo()

    run = import_runs.resumable(db, path)
    assert (run.line, run.accepted) == (4, 3)  # header + the first batch
    assert count(db, Buyer) == 3  # the second batch went with its checkpoint
    report = import_buyers(db, path, batch_rows=3)
    assert (report.started_at_line, report.accepted, count(db, Buyer)) == (4, 6, 6)


def _secondary_indexes(db) -> set[str]:
    db.expire_all()
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        query = ("SELECT indexname FROM pg_indexes WHERE tablename IN ('buyers', 'buyer_names') "
                 "AND indexname NOT LIKE '%pkey' AND indexname <> 'uq_buyers_source'")
    else:
        query = ("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                 "AND tbl_name IN ('buyers', 'buyer_names')")
    return set(db.execute(text(query)).scalars())


def test_a_first_load_builds_the_indexes_once_at_its_end(cli_env, db, tmp_path):
    """An import into an empty registry sets the secondary indexes aside and builds them when
    it finishes; an interrupted one hands them to the next run, even of another file."""
    indexes = _secondary_indexes(db)
    assert {"ix_buyer_names_key_pattern", "ix_buyer_names_rev_pattern"} <= indexes
    first = write_csv(tmp_path / "first.csv", [good_row(number) for number in range(1, 7)])
    import_buyers(db, first, batch_rows=2, stop_after_batches=1)
    interrupted = import_runs.resumable(db, first)
    assert len(interrupted.deferred_indexes) == len(indexes)
    assert _secondary_indexes(db) == set()

    other = write_csv(tmp_path / "other.csv",
                      [good_row(number, name=f"Lantern Harbour {number} Ltd")
                       for number in range(10, 13)])
    import_buyers(db, other)
    db.expire_all()
    assert import_runs.resumable(db, first).deferred_indexes == []
    assert _secondary_indexes(db) == indexes
    assert count(db, Buyer) == 5
    assert search(db, "lantern harbour 11").best is not None


def test_a_renamed_buyer_is_found_by_its_new_name_and_not_its_old(cli_env, db, tmp_path):
    """Re-importing replaces a buyer's names and keeps the trigram index in step."""
    path = write_csv(tmp_path / "v1.csv", [good_row(1, name="Old Quay Chandlers GmbH")])
    import_buyers(db, path)
    assert search(db, "quay chandlers").candidates
    path = write_csv(tmp_path / "v2.csv", [good_row(1, name="Bright Meadow Textiles GmbH")])
    import_buyers(db, path)

    assert not search(db, "quay chandlers").candidates
    assert not search(db, "chandlers").candidates  # the trigram index forgot the old name
    found = search(db, "meadow textiles")
    assert found.best is not None and count(db, BuyerName) == 1


def _name_rows_by_key(db) -> dict[tuple[str, str, str, str], int]:
    """Each buyer_names row's id by (source id, kind, name key, country)."""
    db.expire_all()
    rows = db.execute(select(Buyer.source_id, BuyerName.kind, BuyerName.name_key,
                             BuyerName.country, BuyerName.id)
                      .join(Buyer, Buyer.id == BuyerName.buyer_id)).all()
    return {tuple(row[:4]): row[4] for row in rows}


def test_a_refresh_rewrites_only_the_names_that_changed(cli_env, db, tmp_path):
    """Re-importing buyers leaves the name rows they keep alone and replaces the rest: the
    names end as a load of the new file alone would leave them, the search (SQLite's FTS5
    table too) forgets the names that went, and a buyer whose status changed keeps its
    rows (a refresh mostly changes addresses and statuses; each name row written costs its
    index entries, the trigram one the dearest)."""
    import_buyers(db, write_csv(tmp_path / "v1.csv", [
        good_row(1, aliases="Kestrel Trading"),
        good_row(2),
        good_row(3, aliases="Osprey Alias Three|Kept Alias Three"),
        good_row(4),
        good_row(5, name="Former Heron Five GmbH"),
    ]))
    before = _name_rows_by_key(db)
    import_buyers(db, write_csv(tmp_path / "v2.csv", [
        good_row(1, aliases="Kestrel Trading", status="dormant"),  # no name changed
        good_row(2, aliases="Plover Alias Two"),  # an alias added
        good_row(3, aliases="Kept Alias Three"),  # an alias dropped
        good_row(4, country="FR"),  # names carry their buyer's country
        good_row(5, name="Latter Egret Five GmbH"),  # renamed
    ]))
    after = _name_rows_by_key(db)

    assert set(after) == {
        ("B1", "legal", "buyer number 1", "DE"), ("B1", "alias", "kestrel trading", "DE"),
        ("B2", "legal", "buyer number 2", "DE"), ("B2", "alias", "plover alias two", "DE"),
        ("B3", "legal", "buyer number 3", "DE"), ("B3", "alias", "kept alias three", "DE"),
        ("B4", "legal", "buyer number 4", "FR"), ("B5", "legal", "latter egret five", "DE")}
    kept = {key for key, name_id in after.items() if before.get(key) == name_id}
    assert kept == {
        ("B1", "legal", "buyer number 1", "DE"), ("B1", "alias", "kestrel trading", "DE"),
        ("B2", "legal", "buyer number 2", "DE"), ("B3", "legal", "buyer number 3", "DE"),
        ("B3", "alias", "kept alias three", "DE")}
    assert not search(db, "osprey alias").candidates
    assert not search(db, "former heron").candidates
    assert search(db, "plover alias two").best is not None
    assert search(db, "latter egret five").best is not None
    assert search(db, "kestrel trading").best is not None


def test_demo_buyers_are_multilingual_and_marked_as_samples(cli_env, db):
    result = CliRunner().invoke(main, ["buyers", "demo", "--count", "300"])

    assert result.exit_code == 0, result.output
    assert "300 demo buyers written" in result.output
    buyers = list(db.scalars(select(Buyer)))
    assert len(buyers) == 300 and all(buyer.sample for buyer in buyers)
    countries = {buyer.country for buyer in buyers}
    assert {"DE", "US", "JP", "KR", "BR"} <= countries and len(countries) >= 12
    scripts = {buyer.original_name[:1] for buyer in buyers if buyer.original_name}
    assert any("\u3040" <= ch <= "\u9fff" for ch in scripts)  # Japanese
    assert any("\uac00" <= ch <= "\ud7a3" for ch in scripts)  # Korean
    risks = list(db.scalars(select(CountryRisk)))
    assert risks and all(risk.sample for risk in risks)


def test_country_risk_import(cli_env, db, tmp_path):
    path = tmp_path / "risk.csv"
    path.write_text("country,rating,source,as_of\nRU,8,operator,2026-10-01\n德国,1,operator,\n"
                    "XX,5,operator,\nUS,12,operator,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["buyers", "country-risk", str(path)])

    assert "accepted 2 ratings, rejected 2" in result.output
    assert "line 4: country: unknown 'XX'" in result.output
    assert "line 5: rating: 12 is outside 1–9" in result.output
    db.expire_all()
    assert db.get(CountryRisk, "RU").rating == 8 and db.get(CountryRisk, "DE").rating == 1


def _registry(db) -> list[tuple]:
    db.expire_all()
    buyers = db.execute(select(Buyer.source, Buyer.source_id, Buyer.legal_name, Buyer.aliases,
                               Buyer.country, Buyer.status).order_by(Buyer.source_id)).all()
    names = db.execute(select(Buyer.source_id, BuyerName.kind, BuyerName.name_key)
                       .join(Buyer, Buyer.id == BuyerName.buyer_id)
                       .order_by(Buyer.source_id, BuyerName.kind, BuyerName.name_key)).all()
    return [tuple(row) for row in buyers] + [tuple(row) for row in names]


def test_parsing_in_a_second_process_interrupted_and_resumed_gives_the_same_registry(
        cli_env, db, tmp_path):
    rows = [good_row(number, aliases=f"Alias {number}|Other {number}") for number in range(1, 15)]
    rows[4] = good_row(5, country="Atlantis")  # line 6: rejected in the worker, reported here
    rows.append(good_row(3, name="Renamed Three GmbH"))  # the same key later in the file
    path = write_csv(tmp_path / "p.csv", rows)
    rejected: list[tuple[int, str]] = []

    first = import_buyers(db, path, batch_rows=4, stop_after_batches=2, parallel=True,
                          on_reject=lambda line, reason: rejected.append((line, reason)))
    assert (first.accepted, first.rejected, first.batches) == (7, 1, 2)
    assert import_runs.resumable(db, path).line == 9
    second = import_buyers(db, path, batch_rows=4, parallel=True,
                           on_reject=lambda line, reason: rejected.append((line, reason)))
    assert (second.started_at_line, second.accepted, second.rejected) == (9, 14, 1)
    assert [line for line, _ in rejected] == [6]
    in_parallel = _registry(db)

    db.execute(BuyerName.__table__.delete())
    db.execute(Buyer.__table__.delete())
    db.commit()
    import_buyers(db, path, batch_rows=100, parallel=False)
    assert _registry(db) == in_parallel
    assert ("crm", "B3", "Renamed Three GmbH") in {row[:3] for row in in_parallel}


def test_a_failure_in_the_parsing_process_reaches_the_writer_with_its_traceback(
        cli_env, db, tmp_path):
    unreadable = tmp_path / "a-directory.jsonl"
    unreadable.mkdir()
    with pytest.raises(ParsingFailed, match="IsADirectoryError"):
        import_buyers(db, unreadable, parallel=True)
    db.rollback()
    assert count(db, Buyer) == 0


def test_a_relative_path_is_read_from_the_callers_directory(cli_env, db, tmp_path,
                                                           monkeypatch):
    """The parsing process runs in the project's directory: it must get the file's full path."""
    write_csv(tmp_path / "relative.csv", [good_row(1), good_row(2)])
    monkeypatch.chdir(tmp_path)

    report = import_buyers(db, Path("relative.csv"), parallel=True)

    assert (report.accepted, report.rejected, count(db, Buyer)) == (2, 0, 2)


def test_json_lines_with_a_bom_and_a_line_that_is_not_utf8(cli_env, db, tmp_path):
    good = json.dumps({"source_id": "U1", "name": "Überseehandel GmbH", "country": "DE"},
                      ensure_ascii=False).encode()
    broken = b'{"source_id": "U2", "name": "Caf\xe9 Ltd", "country": "FR"}'  # Latin-1 bytes
    path = tmp_path / "encoded.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + broken + b"\n")
    rejected: list[tuple[int, str]] = []

    report = import_buyers(db, path, on_reject=lambda line, why: rejected.append((line, why)))

    assert (report.accepted, report.rejected) == (1, 1)
    assert rejected[0][0] == 2 and "not valid JSON" in rejected[0][1]
    assert db.scalar(select(Buyer.legal_name)) == "Überseehandel GmbH"


def test_a_first_load_with_a_source_id_repeated_in_a_later_batch_keeps_the_later_row(
        cli_env, db, tmp_path, monkeypatch):
    """A first load's batches go straight into the table (PostgreSQL: COPY); a batch holding
    a buyer loaded by an earlier batch goes through the upsert instead, and so do the rest."""
    rows = [good_row(number) for number in range(1, 6)]
    rows.append(good_row(2, name="Second Name GmbH", aliases="Zweiter Name"))
    rows.append(good_row(6))
    path = write_csv(tmp_path / "repeat.csv", rows)
    straight: list[int | None] = []

    def recorded(session, batch, now):
        straight.append(written := insert_new_buyers(session, batch, now))
        return written

    monkeypatch.setattr(importer, "insert_new_buyers", recorded)
    started = datetime.now(UTC)
    report = import_buyers(db, path, batch_rows=2)

    assert (report.accepted, report.batches, count(db, Buyer)) == (7, 4, 6)
    assert straight == [2, 2, None]  # the third batch (B5, B2 again): upserted, and the rest
    stamps = [stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)  # SQLite: naive UTC
              for stamp in db.scalars(select(Buyer.updated_at))]
    assert all(started - timedelta(seconds=1) <= stamp <= datetime.now(UTC) for stamp in stamps)
    keys = _registry(db)
    assert ("crm", "B2", "Second Name GmbH") in {row[:3] for row in keys}
    assert {row[2] for row in keys if row[0] == "B2"} == {"second name", "zweiter name"}
    assert db.scalar(select(func.count()).where(BuyerName.name_key == "buyer number 2")) == 0
    assert sorted(row[:2] for row in keys if len(row) == 3) == [  # each name once
        ("B1", "legal"), ("B2", "alias"), ("B2", "legal"), ("B3", "legal"), ("B4", "legal"),
        ("B5", "legal"), ("B6", "legal")]


def test_tabs_newlines_and_backslashes_survive_the_bulk_load(cli_env, db, tmp_path):
    """PostgreSQL loads through COPY text, which escapes these characters."""
    address = "Hafenstraße 1\tHof 2\nC:\\Lager\r\\N"
    row = {"source_id": "T1", "name": "Back\\slash\tTrading GmbH", "country": "DE",
           "address": address, "aliases": ["Tab\tAlias"], "industry": "\\N"}
    path = tmp_path / "tricky.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")

    report = import_buyers(db, path)

    assert (report.accepted, report.rejected) == (1, 0)
    db.expire_all()
    buyer = db.scalar(select(Buyer).where(Buyer.source_id == "T1"))
    assert (buyer.legal_name, buyer.address, buyer.industry) == (
        "Back\\slash\tTrading GmbH", address, "\\N")
    assert buyer.aliases == ["Tab\tAlias"]
    keys = set(db.scalars(select(BuyerName.name_key).where(BuyerName.buyer_id == buyer.id)))
    assert keys == {"back slash trading", "tab alias"}

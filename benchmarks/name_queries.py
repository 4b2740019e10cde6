"""How well the buyer search finds names as exporters type them: precision and recall of the
top answer over the labelled query set in ``benchmarks/names/`` (``build.py`` says how it was
made: typos, transliterations, scripts, legal forms, country hints, names that are not there).

    .venv/bin/python -m benchmarks.name_queries                 # embedded SQLite, a temp file
    .venv/bin/python -m benchmarks.name_queries --database-url postgresql://.../db --misses

Each query goes through ``lights.service.look_up``, what the chat, the API and the pages call.
The top answer is the buyer shown straight away, else the first of the list offered, else none.

    precision = right top answers / queries answered with a buyer
    recall    = right top answers / queries whose label is a buyer

A wrong buyer, or any buyer for a name labelled "none", costs precision; no answer for a
labelled buyer costs recall. ``straight`` counts the right answers given without a list.
Target: at least 95 % for both (tests/test_name_queries.py holds it).
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

HERE = Path(__file__).resolve().parent / "names"
TARGET = 0.95


@dataclass(frozen=True)
class Query:
    text: str
    expected: str | None  # the buyer's source_id, or None: not in the registry
    kind: str


@dataclass
class Tally:
    queries: int = 0
    labelled: int = 0  # queries whose label is a buyer
    answered: int = 0  # queries answered with a buyer
    right: int = 0
    straight: int = 0  # right, without a list

    @property
    def precision(self) -> float:
        return self.right / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0


@dataclass
class Report:
    total: Tally = field(default_factory=Tally)
    kinds: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[tuple[Query, str | None]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{'kind':<13} {'queries':>7} {'answered':>8} {'right':>5} {'precision':>9} "
               f"{'recall':>7} {'straight':>8}"]
        for name, tally in [*sorted(self.kinds.items()), ("all", self.total)]:
            out.append(f"{name:<13} {tally.queries:>7} {tally.answered:>8} {tally.right:>5} "
                       f"{tally.precision:>9.1%} {tally.recall:>7.1%} {tally.straight:>8}")
        return out


def queries() -> list[Query]:
    with (HERE / "queries.tsv").open(encoding="utf-8", newline="") as handle:
        return [Query(row["query"], None if row["expected"] == "none" else row["expected"],
                      row["kind"]) for row in csv.DictReader(handle, delimiter="\t")]


def load_registry(session: Session) -> int:
    """The frozen registry, through the importer as an operator's file would go."""
    from lights.importer import upsert_buyers
    from lights.rows import clean_row

    now = datetime.now(UTC)
    with (HERE / "registry.jsonl").open(encoding="utf-8") as handle:
        rows = [clean_row({"source": "names", "disclosure": 80, **json.loads(line)}, "names",
                          now) for line in handle]
    upsert_buyers(session, rows, now)
    session.commit()
    return len(rows)


def evaluate(session: Session, today: date | None = None) -> Report:
    from lights.models import Buyer
    from lights.service import look_up

    source_ids = {row[0]: row[1] for row in session.execute(select(Buyer.id, Buyer.source_id))}
    report = Report()
    for query in queries():
        lookup = look_up(session, query.text, today or date.today())
        if lookup.found is not None:
            top: str | None = source_ids[lookup.found.buyer.id]
        elif lookup.candidates:
            top = source_ids[lookup.candidates[0].id]
        else:
            top = None
        for tally in (report.total, report.kinds[query.kind]):
            tally.queries += 1
            tally.labelled += query.expected is not None
            tally.answered += top is not None
            if top is not None and top == query.expected:
                tally.right += 1
                tally.straight += lookup.found is not None
        if top != query.expected:
            report.misses.append((query, top))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="",
                        help="an empty database to fill (default: a temporary SQLite file)")
    parser.add_argument("--misses", action="store_true", help="list every wrong top answer")
    args = parser.parse_args()

    from app import create_app
    from core.logs import configure_cli_logging
    from core.migrate import upgrade
    from core.services import EXTENSION_KEY

    configure_cli_logging()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/names.sqlite3"
        app = create_app({"env": "development", "database": {"url": url},
                          "redis": {"url": ""}})
        services = app.extensions[EXTENSION_KEY]
        upgrade(services.db.engine)
        with app.app_context():
            session = services.db.session
            buyers = load_registry(session)
            report = evaluate(session)
            services.db.remove()
        services.db.engine.dispose()
    print(f"{report.total.queries} queries over {buyers:,} buyers "
          f"({services.db.engine.dialect.name})")
    for line in report.lines():
        print("  " + line)
    met = report.total.precision >= TARGET and report.total.recall >= TARGET
    print(f"target ≥ {TARGET:.0%} precision and recall: {'met' if met else 'MISSED'}")
    if args.misses:
        for query, top in report.misses:
            print(f"  miss [{query.kind}] {query.text!r}: expected {query.expected}, got {top}")


if __name__ == "__main__":
    main()

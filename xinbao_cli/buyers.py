"""xinbao buyers import | demo | country-risk | lookup — the buyer registry of 资信红绿灯."""

from __future__ import annotations

import csv
import time
from datetime import UTC, date, datetime
from pathlib import Path

import click
from tqdm import tqdm

from xinbao_cli.common import app_context


def register(group: click.Group) -> None:
    group.add_command(buyers)


@click.group(help="资信红绿灯: the buyer registry (import, demo data, country risk, lookup).")
def buyers() -> None:
    pass


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "-"


@buyers.command("import", help="Load buyers from a CSV or JSON Lines file (upsert by source and "
                               "source_id). Resumes from its checkpoint after an interruption.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="import", show_default=True,
              help="Source name for rows that do not name one.")
@click.option("--batch", "batch_rows", default=5000, show_default=True, type=int)
@click.option("--restart", is_flag=True, help="Ignore a checkpoint and start from the top.")
@click.option("--rejected", "rejected_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write rejected rows (default: FILE.rejected.csv).")
def import_file(file: Path, source: str, batch_rows: int, restart: bool,
                rejected_path: Path | None) -> None:
    from core.services import current
    from lights import import_runs
    from lights.importer import import_buyers

    rejected_path = rejected_path or file.with_name(file.name + ".rejected.csv")
    with app_context():
        session = current().db.session
        run = None if restart else import_runs.resumable(session, file)
        if run:
            click.echo(f"resuming after line {run.line} (an unfinished import of this file; "
                       f"--restart to start over)")
        resumed_offset, resumed_accepted = (run.offset, run.accepted) if run else (0, 0)
        mode = "a" if run and rejected_path.exists() else "w"
        with rejected_path.open(mode, newline="", encoding="utf-8") as rejects:
            writer = csv.writer(rejects)
            if mode == "w":
                writer.writerow(["line", "reason"])
            started = time.perf_counter()
            with tqdm(total=file.stat().st_size, initial=resumed_offset, unit="B",
                      unit_scale=True, desc=file.name, disable=None) as bar:
                report = import_buyers(session, file, source=source, batch_rows=batch_rows,
                                       resume=not restart, progress=bar.update,
                                       on_reject=lambda line, why: writer.writerow([line, why]))
            seconds = time.perf_counter() - started
    click.echo(f"accepted {report.accepted:,} rows, rejected {report.rejected:,} "
               f"({_rate(report.accepted - resumed_accepted, seconds)} this run)")
    for line, reason in report.rejections[:20]:
        click.echo(f"  line {line}: {reason}", err=True)
    if report.rejected:
        click.echo(f"every rejected row, with its line and reason: {rejected_path}")
    elif mode == "w":
        rejected_path.unlink(missing_ok=True)


@buyers.command("imports", help="The latest imports: file, status, where each got to, and what "
                                "an unfinished first load still has to rebuild.")
@click.option("--limit", default=10, show_default=True, type=int)
def imports(limit: int) -> None:
    from core.services import current
    from lights.import_runs import latest

    with app_context():
        runs = latest(current().db.session, limit)
    if not runs:
        click.echo("no imports yet")
    for run in runs:
        rebuild = len(run.deferred_indexes)
        pending = f", {rebuild} indexes to rebuild" if rebuild else ""
        click.echo(f"{run.started_at:%Y-%m-%d %H:%M} {run.status:<9} {run.path} — line "
                   f"{run.line:,}, accepted {run.accepted:,}, rejected {run.rejected:,}{pending}")


@buyers.command(help="Generate a multilingual demo registry (every buyer marked 示例数据), with "
                     "demo country risk ratings where none are loaded.")
@click.option("--count", default=1000, show_default=True, type=int)
@click.option("--seed", default=20261128, show_default=True, type=int)
@click.option("--start", default=0, show_default=True, type=int,
              help="First demo number (to add more without replacing).")
@click.option("--batch", "batch_rows", default=5000, show_default=True, type=int)
def demo(count: int, seed: int, start: int, batch_rows: int) -> None:
    from core.services import current

    with app_context():
        session = current().db.session
        started = time.perf_counter()
        written = load_demo(session, count, seed, start, batch_rows)
        risks = load_demo_country_risks(session)
        seconds = time.perf_counter() - started
    click.echo(f"{written:,} demo buyers written ({_rate(written, seconds)}); "
               f"{risks} demo country risk ratings added. All are marked 示例数据.")


def load_demo(session, count: int, seed: int = 20261128, start: int = 0,
              batch_rows: int = 5000, progress: bool = True) -> int:
    from lights.demo import DEMO_SOURCE, demo_rows
    from lights.import_runs import settle
    from lights.importer import prepare_bulk_load, upsert_buyers
    from lights.rows import clean_row

    now = datetime.now(UTC)
    written = 0
    batch = []
    prepare_bulk_load(session)
    with tqdm(total=count, unit="rows", desc="demo buyers", disable=None if progress else True
              ) as bar:
        for row in demo_rows(count, seed=seed, start=start):
            batch.append(clean_row(row, DEMO_SOURCE, now))
            if len(batch) >= batch_rows:
                written += upsert_buyers(session, batch, now)
                session.commit()
                bar.update(len(batch))
                batch = []
        written += upsert_buyers(session, batch, now)
        session.commit()
        bar.update(len(batch))
    settle(session)
    return written


def load_demo_country_risks(session) -> int:
    """Demo ratings only for countries the operator has not rated."""
    from sqlalchemy import select

    from lights.demo import demo_country_risks
    from lights.importer import upsert_country_risks
    from lights.models import CountryRisk

    rated = set(session.scalars(select(CountryRisk.country)))
    rows = [row for row in demo_country_risks(date.today()) if row["country"] not in rated]
    added = upsert_country_risks(session, rows)
    session.commit()
    return added


@buyers.command("country-risk", help="Load country risk ratings (CSV or JSON Lines: country, "
                                     "rating 1–9, source, as_of, sample).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def country_risk(file: Path) -> None:
    from core.services import current
    from lights.importer import import_country_risks

    with app_context():
        report = import_country_risks(current().db.session, file)
    click.echo(f"accepted {report.accepted} ratings, rejected {report.rejected}")
    for line, reason in report.rejections:
        click.echo(f"  line {line}: {reason}", err=True)


@buyers.command(help="Look a buyer up as the bot would, and show the light and its reasons.")
@click.argument("query", nargs=-1, required=True)
def lookup(query: tuple[str, ...]) -> None:
    from core.services import current
    from core.workdays import beijing_day
    from lights.service import look_up

    with app_context():
        services = current()
        found = look_up(services.db.session, " ".join(query), beijing_day(services.clock()))
    if found.found:
        result = found.found
        click.echo(f"{result.light_name}  {result.buyer.legal_name} · {result.buyer.country_zh}"
                   f"{' · 示例数据' if result.buyer.sample else ''}")
        click.echo(f"  {result.verdict.hint}")
        for rule in result.verdict.fired:
            click.echo(f"  [{rule.id}] {rule.reason}")
    elif found.candidates:
        for number, view in enumerate(found.candidates, 1):
            click.echo(f"{number}. {view.legal_name} · {view.country_zh} (id {view.id})")
    else:
        click.echo("no data")

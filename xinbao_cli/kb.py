"""xinbao kb check | gaps | ask — the knowledge base and the questions it could not answer."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click

from xinbao_cli.common import app_context, cli_actor


def register(group: click.Group) -> None:
    group.add_command(kb)


@click.group(help="智能问答: the knowledge base (kb/content/) and its gaps.")
def kb() -> None:
    pass


@kb.command(help="Check the knowledge-base files (kb/content/, or --path): ids, sources, ways "
                 "in, and every fact of the source document stated by some answer. Exit "
                 "status 1 on any problem.")
@click.option("--path", "path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A content folder to check instead of the shipped one.")
def check(path: Path | None) -> None:
    from kb.content import CONTENT_DIR, check, load

    folder = path or CONTENT_DIR
    problems = check(folder)
    if problems:
        for problem in problems:
            click.echo(f"✘ {problem}", err=True)
        click.echo(f"{len(problems)} problem(s) in {folder}", err=True)
        sys.exit(1)
    base = load(folder)
    sources = len({entry.source for entry in base.entries})
    click.echo(f"ok: {len(base.entries)} answers from {sources} sources, {len(base.facts)} facts "
               f"of the source document covered, {len(base.synonyms)} synonyms, in {folder}")


@kb.command(help="The questions that found no answer, the most asked first.")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650),
              help="Asked within this many days.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def gaps(days: int, limit: int) -> None:
    from core.services import current
    from core.uow import UnitOfWork
    from kb.usecases import list_gaps

    with app_context():
        services = current()
        uow = UnitOfWork(session=services.db.session, now=services.clock(), actor=cli_actor(),
                         settings=services.settings, redis=services.redis.text)
        rows, total = list_gaps(uow, since=uow.now - timedelta(days=days), limit=limit)
        if not rows:
            click.echo(f"no unanswered questions in the last {days} days")
            return
        click.echo(f"{total} unanswered question(s) in the last {days} days:")
        for row in rows:
            rejected = f", 都不是 ×{row.rejected}" if row.rejected else ""
            click.echo(f"{row.times:>4}× by {row.askers} · last {row.last_asked:%Y-%m-%d %H:%M}"
                       f" · {row.example}{rejected} · nearest: {row.nearest or '-'}")


@kb.command(help="How a sentence is understood (no follower, nothing stored).")
@click.argument("sentence")
def ask(sentence: str) -> None:
    from core.features import features
    from handlers import build_router
    from kb.content import shipped
    from kb.understand import for_router

    result = for_router(build_router(features()), shipped()).resolve(sentence)
    click.echo(f"{result.kind}: {result.best or '-'}  (folded: {result.folded})")
    for hit in result.hits:
        click.echo(f"  {hit.score:6.2f}  {hit.target}  {hit.title}")

"""xinbao academy check — 小微学院's content files."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def register(group: click.Group) -> None:
    group.add_command(academy)


@click.group(help="小微学院: the lesson, case and toolbox files.")
def academy() -> None:
    pass


@academy.command(help="Check the content files (academy_content/, or --path): every problem "
                      "is listed with its file, and the exit status is 1 when there is one.")
@click.option("--path", "path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A content folder to check instead of the configured one.")
def check(path: Path | None) -> None:
    from academy.content import check as check_content
    from academy.content import content_dir, load
    from core.config import configured

    # config.toml as it is, unvalidated: an editor checks files without the service's secrets.
    folder = path or content_dir(configured().get("academy", {}))
    problems = check_content(folder)
    if problems:
        for problem in problems:
            click.echo(f"✘ {problem}", err=True)
        click.echo(f"{len(problems)} problem(s) in {folder}", err=True)
        sys.exit(1)
    library = load(folder)
    counts = ", ".join(f"{info.title} {len(library.in_section(info.id))}"
                       for info in library.sections if library.in_section(info.id))
    questions = sum(len(lesson.quiz) for lesson in library.lessons)
    click.echo(f"ok: {len(library.lessons)} files ({counts}), {questions} quiz questions, "
               f"in {folder}")

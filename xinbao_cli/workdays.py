"""xinbao workdays add DATE N — working days on the official calendar (core.workdays)."""

from __future__ import annotations

from datetime import date

import click

from core.workdays import add_workdays


def register(group: click.Group) -> None:
    group.add_command(workdays)


@click.group(help="Working days on China's official calendar (holidays and 调休).")
def workdays() -> None:
    pass


@workdays.command(help="Print the date N working days after DATE (DATE itself not counted), "
                       "as YYYY-MM-DD; a line starting 'provisional' where the official "
                       "calendar is not published.")
@click.argument("start", metavar="DATE")
@click.argument("count", metavar="N", type=click.IntRange(min=0))
def add(start: str, count: int) -> None:
    try:
        day = date.fromisoformat(start)
    except ValueError:
        raise click.BadParameter(f"{start!r} is not a date like 2026-09-25",
                                 param_hint="DATE") from None
    click.echo(str(add_workdays(day, count)))

"""xinbao policies import | demo | reminders — 小微企业信保易's operator commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from sqlalchemy.orm import Session

from xinbao_cli.common import app_context


def register(group: click.Group) -> None:
    group.add_command(policies)


@click.group(help="小微企业信保易: enterprises, policies and credit limits; reminders.")
def policies() -> None:
    pass


def registry_matcher(session: Session):
    """Link a limit's buyer to the 资信红绿灯 registry only on an exact (or registration
    number) match: a near name is not the same company."""
    from lights.search import search

    def match(name: str, country: str | None) -> int | None:
        found = search(session, name, country, limit=2).best
        return found.buyer_id if found and found.how in ("exact", "registration") else None

    return match


def _report(result, rejects: Path | None) -> None:
    click.echo(f"{result.rows} rows: {result.enterprises} enterprises, {result.policies} "
               f"policies, {result.limits} credit limits ({result.linked_buyers} buyers linked "
               f"to the registry), {len(result.rejected)} rejected")
    for item in result.rejected[:20]:
        click.echo(f"  line {item.line}: {item.reason}", err=True)
    if rejects is not None:
        click.echo(f"every rejected row, with its line and reason: {rejects}")


@policies.command("import", help="Load enterprises, policies and credit limits from a CSV or "
                                 "Excel (.xlsx) file, one row per credit limit; rejected rows "
                                 "with line and reason go to FILE.rejected.csv.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Mark every row 示例数据.")
def import_file(file: Path, sample: bool) -> None:
    from core.services import current
    from policies.importer import import_rows, read_rows, write_rejects

    with app_context():
        services = current()
        session = services.db.session
        try:
            rows = list(read_rows(file))
        except (ValueError, OSError, KeyError) as error:
            raise click.ClickException(f"cannot read {file}: {error}") from None
        result = import_rows(session, iter(rows), services.clock(), registry_matcher(session),
                             sample=sample)
        session.commit()
    _report(result, write_rejects(file, result.rejected))


@policies.command(help="Demo enterprises with policies and credit limits, marked 示例数据. "
                       "Binding one needs a mobile number on file: pass --mobile (yours).")
@click.option("--count", default=5, show_default=True, type=click.IntRange(1, 1000))
@click.option("--mobile", default=None, help="The mobile on file for the demo enterprises.")
def demo(count: int, mobile: str | None) -> None:
    from sqlalchemy import select

    from core.services import current
    from lights.models import Buyer
    from policies.demo import demo_rows
    from policies.importer import import_rows

    with app_context():
        services = current()
        session = services.db.session
        buyers = [(name, country) for name, country in session.execute(
            select(Buyer.legal_name, Buyer.country).where(Buyer.sample.is_(True))
            .order_by(Buyer.id).limit(20))]
        now = services.clock()
        result = import_rows(session, demo_rows(count, now.date(), mobile, buyers or None),
                             now, registry_matcher(session), sample=True)
        session.commit()
    _report(result, None)


@policies.command(help="Issue the reminders due on a day now (each is sent once, whoever runs "
                       "it); xinbao worker does this daily on its own.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to judge by (default: today, Beijing time).")
def reminders(as_of) -> None:
    from wechat.notices import run_reminders

    with app_context():
        day = as_of.date().isoformat() if as_of else None
        issued = run_reminders(day or date.today().isoformat() if day else None)
    click.echo(f"{issued} reminders issued")

"""xinbao academy check | xinbao alerts publish | list | status | resume — 小微学院."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xinbao_cli.common import app_context, cli_actor

if TYPE_CHECKING:
    from core.uow import UnitOfWork


def register(group: click.Group) -> None:
    group.add_command(academy)
    group.add_command(alerts)


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


def _uow(audited: bool = False) -> UnitOfWork:
    """The command's unit of work (the caller commits), acting as ``cli:<user>``."""
    from core.services import current
    from core.uow import UnitOfWork
    from identity import audit

    services = current()
    return UnitOfWork(session=services.db.session, now=services.clock(), actor=cli_actor(),
                      settings=services.settings, redis=services.redis.text,
                      audit_log=audit.record if audited else None)


@click.group(help="风险预警: country risk alerts to the followers who subscribe to them.")
def alerts() -> None:
    pass


@alerts.command(help="Publish an alert: every follower who subscribes to one of its countries "
                     "and still follows gets it once, as a template message, from the worker's "
                     "jobs ([academy] alert_sends_per_second).")
@click.option("--title", required=True, help="First line of the template message (≤ 40).")
@click.option("--summary", required=True, help="What happened, in one sentence (≤ 120).")
@click.option("--countries", required=True,
              help="Countries, by ISO code or name: 'DE,US' or '德国 美国'.")
@click.option("--body", default="", help="The text of the alert's page.")
@click.option("--body-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the page's text from a file (UTF-8).")
@click.option("--source", default="", help="Where the news comes from.")
@click.option("--source-url", default="", help="Its address.")
@click.option("--sample", is_flag=True, help="Demo content: shown to followers as 示例数据.")
@click.option("--yes", is_flag=True, help="Publish without asking.")
def publish(title: str, summary: str, countries: str, body: str, body_file: Path | None,
            source: str, source_url: str, sample: bool, yes: bool) -> None:
    from academy.countries import parse_countries
    from academy.usecases import AlertDraft, AlertInvalid, AlertsNotConfigured, publish_alert
    from core.countries import display_name
    from core.services import current
    from wechat.alerts import fan_out_alert
    from wechat.delivery import send_after_commit

    codes, unknown = parse_countries(countries.replace(",", " "))
    if unknown:
        raise click.BadParameter(f"not a country: {', '.join(unknown)}", param_hint="--countries")
    if body_file is not None:
        body = body_file.read_text(encoding="utf-8")
    names = "、".join(display_name(code) for code in codes)
    if not yes:
        click.confirm(f"Publish「{title}」to the subscribers of {names}?", abort=True)
    with app_context():
        services = current()
        uow = _uow(audited=True)
        try:
            alert, audience = publish_alert(uow, AlertDraft(
                title=title, summary=summary, countries=codes, body=body, source=source,
                source_url=source_url, sample=sample), fan_out_alert)
        except AlertInvalid as invalid:
            for field, problem in invalid.problems.items():
                click.echo(f"✘ {field}: {problem}", err=True)
            sys.exit(1)
        except AlertsNotConfigured:
            raise click.UsageError("[academy] alert_template_id is empty: set the account's "
                                   "alert template before publishing") from None
        services.db.session.commit()
        send_after_commit(uow.outbox, services.jobs)
        click.echo(f"alert {alert.id} published: {audience} subscribers of {names}; "
                   f"the worker sends it (xinbao alerts status {alert.id})")


@alerts.command("list", help="The latest alerts and how far their sending got.")
@click.option("--limit", default=10, show_default=True, type=int)
def list_(limit: int) -> None:
    from academy.usecases import list_alerts

    with app_context():
        views, _total = list_alerts(_uow(), 0, limit)
        for view in views:
            counts = ", ".join(f"{status} {number}" for status, number
                               in sorted(view.counts.items()))
            click.echo(f"{view.alert.id:>5} {view.alert.status:<8} {view.alert.title} "
                       f"[{','.join(view.alert.countries)}] {counts or 'no deliveries yet'}")
    if not views:
        click.echo("no alerts yet")


@alerts.command(help="One alert's deliveries by status.")
@click.argument("alert_id", type=int)
def status(alert_id: int) -> None:
    from academy.usecases import alert_view

    with app_context():
        view = alert_view(_uow(), alert_id)
        if view is None:
            raise click.BadParameter(f"no alert {alert_id}", param_hint="ALERT_ID")
        click.echo(f"alert {alert_id}: {view.alert.status} {view.alert.note}".rstrip())
        for state in ("sent", "pending", "sending", "skipped", "failed"):
            click.echo(f"  {state:<8} {view.counts.get(state, 0)}")


@alerts.command(help="Queue the deliveries still to send again (after a pause for WeChat's "
                     "daily quota, or to pick up rows a dead worker left).")
@click.argument("alert_id", type=int)
def resume(alert_id: int) -> None:
    from academy.models import Alert
    from core.services import current
    from wechat.alerts import fan_out_alert

    with app_context():
        services = current()
        if services.db.session.get(Alert, alert_id) is None:
            raise click.BadParameter(f"no alert {alert_id}", param_hint="ALERT_ID")
        services.jobs.enqueue(fan_out_alert, alert_id)
    click.echo(f"alert {alert_id}: deliveries queued again")

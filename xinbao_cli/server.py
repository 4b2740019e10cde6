"""serve, worker, db upgrade."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

import click
from flask import Flask
from werkzeug.serving import WSGIRequestHandler

from core.logs import configure_cli_logging
from core.services import EXTENSION_KEY, current
from xinbao_cli.common import DEVELOPMENT, app_context

log = logging.getLogger(__name__)


def register(group: click.Group) -> None:
    group.add_command(serve)
    group.add_command(worker)
    group.add_command(db)


@click.command(help="Run the development server: development settings (the WeChat API "
                    "emulator and the sandbox), the embedded database and Redis unless "
                    "DATABASE_URL / REDIS_URL are set, migrations applied.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from app import create_app
    from core.migrate import upgrade

    chosen = os.environ.get("XINBAO_ENV")
    if chosen and chosen != "development":
        raise click.UsageError(
            f"xinbao serve is the development server (it serves the WeChat API emulator and "
            f"the sandbox) and XINBAO_ENV is {chosen!r}. In production run gunicorn "
            f'"app:create_app()" (README: Running in production).'
        )
    # The development server's log is read in its terminal: plain lines, with each request.
    if logging.getLogger().level > logging.INFO:
        configure_cli_logging(verbosity=1)
    app = create_app({**DEVELOPMENT, "server": {"public_url": f"http://{host}:{port}"}})
    upgrade(app.extensions[EXTENSION_KEY].db.engine)
    click.echo(f"信保小微助手 on http://{host}:{port}  (webhook: /wechat, health: /healthz)")
    if app.url_map.bind("").test("/sandbox/"):
        click.echo(f"New here? Open http://{host}:{port}/sandbox/ — a WeChat chat with this "
                   "account: its menus, photos, locations, QR scenes, several followers")
    click.echo("Talk to it: xinbao chat   (in another terminal)")
    run_simple(host, port, app, threaded=True, use_reloader=False,
               request_handler=_QuietQueryRequestHandler)


# Requests the sandbox makes on its own (it waits there for the account's later messages):
# logged only when they fail, so the log shows what people did.
UNLOGGED_PATHS = ("/emulator/_records", "/sandbox/api/follower")


class _QuietQueryRequestHandler(WSGIRequestHandler):
    """Access log lines without the query string: it carries signatures and openids."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        if path in UNLOGGED_PATHS and str(code).startswith(("2", "3")):
            return
        self.log("info", '"%s %s" %s %s', self.command, path, code, size)


@click.command(help="Run an rq worker (needs REDIS_URL), with the scheduler.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    from redis import Redis
    from rq import SimpleWorker

    from core.jobs import QUEUE_NAME
    from core.logs import configure_service_logging

    configure_service_logging()  # a service process: JSON lines for the log collector
    with app_context() as app:
        services = current()
        if services.redis.embedded:
            raise click.UsageError("xinbao worker needs REDIS_URL (the embedded default runs "
                                   "jobs inside the web process)")
        start_recovery(app)
        start_log_drain(app)
        schedule_periodic_jobs()
        # SimpleWorker runs jobs in this process, inside the app context set up above. Its
        # own connection has no command timeout: it blocks on the queue for minutes at a time.
        connection = Redis.from_url(services.settings.redis_url)
        SimpleWorker([QUEUE_NAME], connection=connection).work(burst=burst, with_scheduler=True)


RECOVERY_SECONDS = 5.0


def schedule_periodic_jobs() -> None:
    """Each service's periodic jobs (its manifest's ``periodic``) on rq's scheduler, which
    this worker runs; scheduling is idempotent, so every worker may do it."""
    from core.features import features, load

    for feature in features():
        for name in feature.periodic:
            load(name)()


def start_log_drain(app: Flask) -> list[threading.Thread]:
    """Beside the jobs, as they come: write the inbound log (what followers sent, appended by
    the webhook) into the database in batches (``core.inbound_log``), and answer the messages
    the webhook put aside under overload (``wechat.overload``)."""
    from core.inbound_log import InboundLog
    from wechat.overload import answer_put_aside, put_aside_reader

    services = app.extensions[EXTENSION_KEY]
    inbound_log = InboundLog(services.redis.text, services.db)
    put_aside = put_aside_reader(services.redis.text)
    loops = {"xinbao-inbound-log": inbound_log.drain_round,
             "xinbao-put-aside": lambda: answer_put_aside(app, 1000, put_aside)}
    threads = [threading.Thread(target=_forever, args=(step,), name=name, daemon=True)
               for name, step in loops.items()]
    for thread in threads:
        thread.start()
    return threads


def _forever(step: Callable[[], object], pause_seconds: float = 1.0) -> None:
    """A worker's loop that outlives Redis or the database going away."""
    while True:
        try:
            step()
        except Exception:  # what waits in its stream is done next round
            log.warning("round skipped", exc_info=True)
            time.sleep(pause_seconds)


def start_recovery(app: Flask) -> threading.Thread:
    """Beside the jobs, every few seconds: queue the jobs kept in the database while Redis was
    away, put the periodic jobs back on the scheduler if Redis lost them, and answer the
    messages kept in Redis while the database was away."""
    from handlers.replay import drain_pending_messages

    def recover() -> None:
        while True:
            try:
                with app.app_context():
                    current().jobs.release_deferred()
                    schedule_periodic_jobs()  # again: a Redis restarted empty loses them
                drain_pending_messages(app)
            except Exception:  # Redis or the database still away: try again next round
                log.warning("recovery round skipped", exc_info=True)
            time.sleep(RECOVERY_SECONDS)

    thread = threading.Thread(target=recover, name="xinbao-recovery", daemon=True)
    thread.start()
    return thread


@click.group(help="Database schema.")
def db() -> None:
    pass


@db.command(help="Apply every pending migration.")
def upgrade() -> None:
    from core.migrate import upgrade as apply

    with app_context():
        apply(current().db.engine)
        click.echo(f"database is up to date ({current().db.url.split('@')[-1]})")

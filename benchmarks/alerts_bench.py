"""One risk alert fanned out to 10,000 followers: the rate, and that nobody got it twice or
not at all.

The real path end to end: the followers and their subscriptions are rows; ``publish_alert``
stores the alert and queues ``wechat.alerts.fan_out_alert`` after the commit; that job writes
the delivery rows and queues one ``send_alert_batch`` per batch; every template message goes
over HTTP to the WeChat API emulator, which counts the messages per recipient. Beside the
subscribers the bench adds followers who must get nothing (subscribers of another country,
and subscribers who unfollowed). It prints the fan-out rate and the check:

    .venv/bin/python -m benchmarks.alerts_bench                     # SQLite, jobs in-process
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/9 \\
      .venv/bin/python -m benchmarks.alerts_bench --workers 4       # rq workers, 4 processes

With DATABASE_URL the bench empties that database first, and with REDIS_URL it empties the
job queue and this project's keys there: give it databases of its own. ``--rate`` is the
pace (``[academy] alert_sends_per_second``) the run uses; the default is high, to measure the
machinery rather than the pace (the service's default is 20 a second). Exits 1 on any
duplicate, miss or stranger.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import func, insert, select, text

SUBSCRIBED_TO = ["DE", "FR"]
ELSEWHERE = "US"


@dataclass(frozen=True)
class Result:
    subscribers: int
    received: int  # recipients the emulator saw
    duplicates: int  # recipients who got more than one
    missed: int  # subscribers who got none
    strangers: int  # followers who got one and should not have
    seconds: float  # from publishing to the last delivery settled

    @property
    def per_second(self) -> float:
        return self.subscribers / self.seconds if self.seconds else 0.0

    @property
    def exact(self) -> bool:
        return self.duplicates == self.missed == self.strangers == 0


def seed(session, followers: int, others: int) -> tuple[list[str], list[str]]:
    """``followers`` subscribers of DE and/or FR; ``others`` who must get nothing."""
    from academy.models import AlertSubscription
    from followers.models import Follower

    def add(prefix: str, count: int, following: bool) -> list[tuple[int, str]]:
        openids = [f"{prefix}-{n:06d}" for n in range(count)]
        session.execute(insert(Follower), [{"openid": o, "subscribed": following}
                                           for o in openids])
        return list(session.execute(select(Follower.id, Follower.openid)
                                    .where(Follower.openid.like(f"{prefix}-%"))))

    wanted = add("bench-sub", followers, True)
    elsewhere = add("bench-us", others // 2, True)
    gone = add("bench-gone", others - others // 2, False)
    rows = []
    for number, (follower_id, _) in enumerate(wanted):
        # A third subscribe to both countries: they too must get the alert once.
        for code in (SUBSCRIBED_TO if number % 3 == 0 else SUBSCRIBED_TO[number % 2:][:1]):
            rows.append({"follower_id": follower_id, "country": code})
    rows += [{"follower_id": follower_id, "country": ELSEWHERE} for follower_id, _ in elsewhere]
    rows += [{"follower_id": follower_id, "country": "DE"} for follower_id, _ in gone]
    session.execute(insert(AlertSubscription), rows)
    session.commit()
    return [openid for _, openid in wanted], [openid for _, openid in elsewhere + gone]


def _open_rows(session, alert_id: int) -> int:
    from academy.models import AlertDelivery

    return session.scalar(select(func.count()).where(
        AlertDelivery.alert_id == alert_id, AlertDelivery.status.in_(("pending", "sending"))))


def measure(app, base_url: str, followers: int, others: int, timeout: float = 1800.0) -> Result:
    """Seed, publish one alert, wait until every delivery is settled, and check what the
    emulator received. ``app`` runs the publishing; its jobs run wherever its queue goes."""
    from academy.models import Alert, AlertDelivery
    from academy.usecases import AlertDraft, publish_alert
    from core.services import EXTENSION_KEY
    from core.uow import Actor, UnitOfWork
    from wechat.alerts import fan_out_alert
    from wechat.delivery import send_after_commit

    services = app.extensions[EXTENSION_KEY]
    with app.app_context():
        session = services.db.session
        subscribers, outsiders = seed(session, followers, others)
        started = time.perf_counter()
        uow = UnitOfWork(session=session, now=services.clock(), actor=Actor(label="bench"),
                         settings=services.settings, redis=services.redis.text)
        alert, _ = publish_alert(uow, AlertDraft(
            title="示例：基准测试预警", summary="示例数据：基准测试，不代表真实事件。",
            countries=list(SUBSCRIBED_TO), sample=True), fan_out_alert)
        session.commit()
        send_after_commit(uow.outbox, services.jobs)
        alert_id = alert.id
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            session.expire_all()
            planned = session.scalar(select(func.count()).where(
                AlertDelivery.alert_id == alert_id))
            if planned and not _open_rows(session, alert_id) and \
                    session.get(Alert, alert_id).status == "done":
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        services.db.remove()
    counts: dict[str, int] = requests.get(f"{base_url}/emulator/_stats/templates",
                                          timeout=60).json()
    wanted = set(subscribers)
    return Result(
        subscribers=len(subscribers), received=len(counts),
        duplicates=sum(1 for number in counts.values() if number > 1),
        missed=len(wanted - set(counts)),
        strangers=len(set(counts) - wanted) + len(set(outsiders) & set(counts)),
        seconds=seconds)


# --- running it on its own --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(database_url: str, redis_url: str, port: int, rate: float,
            batch: int) -> dict[str, Any]:
    return {"env": "development", "server": {"public_url": f"http://127.0.0.1:{port}"},
            "database": {"url": database_url}, "redis": {"url": redis_url},
            "academy": {"alert_sends_per_second": rate, "alert_batch_size": batch}}


def _worker(config: dict[str, Any]) -> None:
    """A worker process with the bench's settings (its pace and batch size)."""
    from redis import Redis
    from rq import SimpleWorker

    from app import create_app
    from core.jobs import QUEUE_NAME

    app = create_app(config)
    with app.app_context():
        SimpleWorker([QUEUE_NAME], connection=Redis.from_url(config["redis"]["url"])).work(
            burst=False, with_scheduler=False, logging_level="WARNING")


def _fresh(app, redis_url: str) -> None:
    from rq import Queue

    from core.db import Base
    from core.jobs import QUEUE_NAME
    from core.migrate import upgrade
    from core.redis_store import KEY_PREFIX
    from core.services import EXTENSION_KEY

    services = app.extensions[EXTENSION_KEY]
    with services.db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(services.db.engine)
    if redis_url:
        Queue(QUEUE_NAME, connection=services.redis.raw).empty()
        for stale in services.redis.text.scan_iter(f"{KEY_PREFIX}*", count=1000):
            services.redis.text.delete(stale)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=1_000,
                        help="followers who must get nothing (another country, unfollowed)")
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="[academy] alert_sends_per_second for this run")
    parser.add_argument("--batch", type=int, default=500, help="deliveries per job")
    parser.add_argument("--workers", type=int, default=4,
                        help="rq worker processes (with REDIS_URL; else jobs run in-process)")
    args = parser.parse_args()

    from werkzeug.serving import make_server

    from app import create_app

    redis_url = os.environ.get("REDIS_URL", "")
    folder = tempfile.mkdtemp(prefix="alerts-bench-")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    port = free_port()
    config = _config(database_url, redis_url, port, args.rate, args.batch)
    app = create_app(config)
    _fresh(app, redis_url)
    server = make_server("127.0.0.1", port, app, threaded=True)  # the WeChat API emulator
    threading.Thread(target=server.serve_forever, daemon=True).start()
    workers = []
    if redis_url:
        spawn = multiprocessing.get_context("spawn")
        workers = [spawn.Process(target=_worker, args=(config,), daemon=True)
                   for _ in range(args.workers)]
        for process in workers:
            process.start()
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    jobs = f"{len(workers)} rq worker processes" if workers else "jobs in-process (one thread)"
    print(f"fanning one alert out to {args.followers:,} followers ({args.others:,} others must "
          f"get nothing); {engine}, {jobs}, pace {args.rate:g}/s, batches of {args.batch}")
    try:
        result = measure(app, f"http://127.0.0.1:{port}", args.followers, args.others)
    finally:
        for process in workers:
            process.terminate()
        server.shutdown()
    print(f"delivered {result.received:,} of {result.subscribers:,} in {result.seconds:.1f} s: "
          f"{result.per_second:,.0f} template messages/s")
    print(f"duplicates {result.duplicates}, missed {result.missed}, strangers "
          f"{result.strangers}: {'exact' if result.exact else 'NOT EXACT'}")
    return 0 if result.exact else 1


if __name__ == "__main__":
    sys.exit(main())

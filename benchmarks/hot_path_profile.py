"""What each step of the webhook costs per message, from a profile (issue "Performance at scale").

Sends N signed messages (帮助 text, then a HELP menu click) through the app in-process (Flask's
test client: no HTTP server, so the figures are our own work, not gunicorn's) under cProfile,
and prints for each step its time per message and how many Redis round trips, SQL statements,
commits and XML parses one message costs. The counts are exact; the times move with the
machine's load and with the profiler's own overhead (about 2× here), so compare steps with
each other, not with the benchmark's latencies.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/9 \\
    .venv/bin/python -m benchmarks.hot_path_profile --messages 2000
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import redis.connection
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from app import create_app
from core.inbound_log import BATCH, InboundLog
from core.migrate import upgrade
from core.services import EXTENSION_KEY, Services
from wechat import webhook
from wechat.simulator import WeChatSimulator

FOLLOWERS = [f"o-profile-{n:03d}" for n in range(64)]

# (label, module path suffix, function name): the steps in the order a message meets them.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("whole request (Flask, the view, the reply)", "flask/app.py", "wsgi_app"),
    ("verify the signature, parse the XML", "wechat/inbound.py", "open"),
    ("admit: replay check, dedupe, log, lock, quota, the follower's keys", "wechat/intake.py",
     "admit"),
    ("dispatch (everything below)", "handlers/dispatch.py", "dispatch"),
    ("  store the inbound message (only while Redis is away)", "handlers/dispatch.py",
     "_store_inbound"),
    ("  per-follower lock (only when the admission could not take it)", "core/locks.py", "hold"),
    ("  understand + answer (router, conversation, handler)", "handlers/dispatch.py", "answer"),
    ("    conversation cursor", "handlers/conversations.py", "find"),
    ("  commit (only when the answer used the database)", "sqlalchemy/orm/session.py",
     "commit"),
    ("  after commit (outbox)", "wechat/delivery.py", "send_after_commit"),
    ("render the reply XML", "wechat/inbound.py", "render_reply"),
    ("finish: the reply kept for retries, the lock released", "wechat/intake.py", "finish"),
    ("seal the reply (encrypt in safe mode)", "wechat/inbound.py", "seal"),
)
# Steps a message of these paths meets only in a fault or under contention: 0 calls is right.
RARE_STEPS = ("  store the inbound message (only while Redis is away)",
              "  per-follower lock (only when the admission could not take it)",
              "  commit (only when the answer used the database)")


@dataclass
class Counts:
    redis_round_trips: int = 0
    sql_statements: int = 0
    commits: int = 0


@contextmanager
def counting(app: Flask) -> Iterator[Counts]:
    """Count Redis round trips (a pipeline is one), SQL statements, commits and XML parses made
    by the requests' thread (not the embedded default's job thread draining the log)."""
    counts = Counts()
    requests_thread = threading.get_ident()
    services: Services = app.extensions[EXTENSION_KEY]
    engine = services.db.engine
    original_send = redis.connection.AbstractConnection.send_packed_command

    def send(self: Any, command: Any, check_health: bool = True) -> None:
        counts.redis_round_trips += threading.get_ident() == requests_thread
        original_send(self, command, check_health)

    def statement(*_: Any) -> None:
        counts.sql_statements += threading.get_ident() == requests_thread

    def commit(*_: Any) -> None:
        counts.commits += threading.get_ident() == requests_thread

    redis.connection.AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        redis.connection.AbstractConnection.send_packed_command = original_send  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def messages(simulator: WeChatSimulator, path: str) -> Callable[[], tuple[str, bytes]]:
    followers = itertools.cycle(FOLLOWERS)
    seconds = itertools.count(int(time.time()))

    def build() -> tuple[str, bytes]:
        openid = next(followers)
        xml = (simulator.text(openid, "帮助") if path == "help"
               else simulator.click(openid, "HELP", create_time=next(seconds)))
        signed = simulator.sign(xml)
        return "/wechat?" + urlencode(signed.params), signed.body

    return build


def xml_parses(profile: cProfile.Profile) -> int:
    """XML documents parsed: ElementTree's parser fed (defusedxml feeds it too) and
    xmltodict's parse, in the profile."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(primitive for (file, _, function), (_, primitive, *_) in stats.items()
               if (function == "feed" and file.endswith("ElementTree.py"))
               or (function == "parse" and file.endswith("xmltodict.py")))


def step_times(profile: cProfile.Profile, count: int) -> list[tuple[str, float, int]]:
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = []
    for label, file_suffix, name in STEPS:
        # The outermost of same-named functions in one file (Session.commit calls
        # SessionTransaction.commit): its time holds the others'.
        found = [(cum, primitive) for (file, _, function), (_, primitive, _, cum, _)
                 in stats.items() if function == name and file.endswith(file_suffix)]
        cumulative, calls = max(found, default=(0.0, 0))
        rows.append((label, cumulative / count * 1000, calls))
    return rows


class InlineExecutor:
    """The webhook hands a message to a thread so that a slow answer still meets WeChat's
    5 s; here it runs in the caller's thread, where the profiler is (the hop is not counted)."""

    def submit(self, function: Callable[..., Any], *args: Any) -> Future:
        done: Future = Future()
        try:
            done.set_result(function(*args))
        except Exception as error:  # noqa: BLE001 - handed to the caller as the thread would
            done.set_exception(error)
        return done


def run(app: Flask, path: str, count: int) -> None:
    services: Services = app.extensions[EXTENSION_KEY]
    build = messages(WeChatSimulator(services.settings.wechat), path)
    client = app.test_client()
    for _ in range(50):  # warm up: first follows, caches, pooled connections
        _post(client, build())
    services.jobs.drain()
    write_behind(services)  # the warm-up's messages are not the run's
    profile = cProfile.Profile()
    with counting(app) as counts:
        profile.enable()
        for _ in range(count):
            response = _post(client, build())
            assert response.status_code == 200, response.status_code
        profile.disable()
    print(f"\n## {path}: {count} messages\n")
    print("| step | ms per message | calls |")
    print("| --- | --- | --- |")
    for label, per_message, calls in step_times(profile, count):
        print(f"| {label} | {per_message:.3f} | {calls} |")
    print(f"\nper message: {counts.redis_round_trips / count:.2f} Redis round trips, "
          f"{counts.sql_statements / count:.2f} SQL statements, "
          f"{counts.commits / count:.2f} commits, "
          f"{xml_parses(profile) / count:.2f} XML parses")
    services.jobs.drain()  # embedded: the job thread drains the log as messages come
    written, seconds = write_behind(services)
    how = "COPY" if services.db.engine.dialect.name == "postgresql" else "INSERT"
    print(f"\nwritten behind: {written} messages in {seconds * 1000:.1f} ms "
          f"({seconds * 1000 / max(written, 1):.3f} ms per message; the worker's drain, "
          f"batches of up to {BATCH} by {how})")


def write_behind(services: Services) -> tuple[int, float]:
    """The inbound log's drain, as the worker runs it, over what the run appended."""
    drain = InboundLog(services.redis.text, services.db, consumer="profile", claim_idle_ms=0)
    started = time.perf_counter()
    written = 0
    while (batch := drain.drain_once()):
        written += batch
    return written, time.perf_counter() - started


def _post(client: FlaskClient, built: tuple[str, bytes]) -> TestResponse:
    url, body = built
    return client.post(url, data=body, content_type="text/xml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    config: dict[str, Any] = {"env": "development"}
    if os.environ.get("DATABASE_URL"):
        config["database"] = {"url": os.environ["DATABASE_URL"]}
    if os.environ.get("REDIS_URL"):
        config["redis"] = {"url": os.environ["REDIS_URL"]}
    app = create_app(config)
    webhook._handler_threads = InlineExecutor()  # type: ignore[assignment]
    upgrade(app.extensions[EXTENSION_KEY].db.engine)
    for path in ("help", "click"):
        run(app, path, args.messages)


if __name__ == "__main__":
    main()

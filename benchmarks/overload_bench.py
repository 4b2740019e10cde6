"""Overload: the webhook at three times the rate it can answer, for a minute.

Starts Xinbao under gunicorn (as ``webhook_bench``) with an ``xinbao worker`` beside it, finds
the saturating rate of the 帮助 path (closed loop), then sends an open-loop load of 3× that
rate for 60 s — each message at its time, whatever the answers before it, as WeChat does —
from thousands of followers, and prints:

    answered passively    replies with the answer in the body
    put aside             empty bodies (the answer follows as a customer-service message)
    late                  replies later than 5 s (WeChat would have retried): target 0
    5xx / failed          target 0
    stored                messages in inbound_messages once the worker caught up, of those sent:
                          every one, once (the dedupe key is unique)
    caught up             how long after the load the worker had answered every message put
                          aside (as customer-service messages) and written the inbound log

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \\
    REDIS_URL=redis://127.0.0.1:6379/9 \\
    .venv/bin/python -m benchmarks.overload_bench [--seconds 60] [--factor 3]

Needs real PostgreSQL and Redis (the put-aside path needs a worker).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import aiohttp
import psycopg
from redis import Redis

from benchmarks.webhook_bench import REPO, request_factory, run_load, start_gunicorn, start_worker
from core.config import load_settings
from core.inbound_log import STREAM as LOG_STREAM
from core.jobs import QUEUE_NAME
from wechat.overload import STREAM as PUT_ASIDE_STREAM
from wechat.simulator import WeChatSimulator

# Many followers, as WeChat's traffic has: a follower's messages one at a time (the lock), and
# each put-aside answer within WeChat's 5 customer-service messages per follower.
FOLLOWERS = [f"o-overload-{n:05d}" for n in range(50_000)]
LATE_SECONDS = 5.0


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    put_aside: int = 0
    late: int = 0
    server_errors: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)


async def open_loop(port: int, build, rate: float, seconds: float,
                    connections: int = 2000) -> Tally:
    """Each request at its own time (start + i / rate), however long the earlier ones take;
    at most ``connections`` open at once (a request beyond them waits for one, and its wait
    counts in its latency)."""
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.monotonic()
        tasks = []
        total = int(rate * seconds)
        for number in range(total):
            delay = started + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            url, body = build()
            tasks.append(asyncio.create_task(_post(session, port, url, body, tally)))
        await asyncio.gather(*tasks)
    return tally


async def _post(session: aiohttp.ClientSession, port: int, url: str, body: bytes,
                tally: Tally) -> None:
    tally.sent += 1
    began = time.perf_counter()
    try:
        async with session.post(f"http://127.0.0.1:{port}{url}", data=body,
                                headers={"Content-Type": "text/xml"}) as response:
            text = await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError):
        tally.failed += 1
        return
    elapsed = time.perf_counter() - began
    tally.latencies.append(elapsed)
    if status >= 500:
        tally.server_errors += 1
    elif status != 200:
        tally.failed += 1
    elif elapsed > LATE_SECONDS:
        tally.late += 1
    if status == 200:
        if text.strip():
            tally.answered += 1
        else:
            tally.put_aside += 1


def wait_for_worker(redis_url: str, timeout: float = 1800.0) -> float:
    """Until the worker has answered what was put aside, sent those answers and written the
    inbound log."""
    client = Redis.from_url(redis_url)
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not (client.xlen(PUT_ASIDE_STREAM) or client.xlen(LOG_STREAM)
                or client.llen(f"rq:queue:{QUEUE_NAME}")):
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit("the worker did not catch up in time")


def stored_messages(database_url: str) -> tuple[int, int]:
    """(rows, distinct dedupe keys) of the load's followers in inbound_messages."""
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT count(*), count(DISTINCT dedupe_key) FROM inbound_messages "
            "WHERE openid LIKE 'o-overload-%'").fetchone()
    return int(row[0]), int(row[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--factor", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rate", type=float, help="this open-loop rate instead of --factor x "
                        "the saturating rate measured first")
    parser.add_argument("--put-aside-all", action="store_true",
                        help="the webhook puts every message aside (what the machine carries "
                             "when the app's part is one XADD)")
    parser.add_argument("--connections", type=int, default=2000,
                        help="connections open at once: WeChat's own (many), or a proxy's "
                             "pool in front of gunicorn (a few dozen)")
    parser.add_argument("--worker-nice", type=int, default=10,
                        help="the worker's CPU priority below the webhook's (README: Running "
                             "in production); 0 runs it as an equal")
    args = parser.parse_args()
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        raise SystemExit("set DATABASE_URL and REDIS_URL: the put-aside path needs a worker")
    env = dict(os.environ, XINBAO_ENV="development")
    port, api_port = 18811, 18812
    env["XINBAO_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    # WeChat's API (the emulator) in a process of its own, as WeChat's servers are not the
    # webhook's: the customer-service messages the worker sends must not queue behind the load.
    env["WECHAT_API_BASE_URL"] = f"http://127.0.0.1:{api_port}/emulator/"
    subprocess.run([sys.executable, "-m", "xinbao_cli", "db", "upgrade"], cwd=REPO, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with psycopg.connect(env["DATABASE_URL"].replace("+psycopg", "")) as connection:
        connection.execute("DELETE FROM inbound_messages WHERE openid LIKE 'o-overload-%'")
    simulator = WeChatSimulator(load_settings(environ=env).wechat)
    build = request_factory(simulator, "help", FOLLOWERS)
    # --put-aside-all: the webhook answers nothing itself (every message counts as busy and
    # late), so the run shows what the machine carries when the app's part is one XADD.
    target = ('app:create_app({"webhook": {"busy_requests": 1, "put_aside_after_seconds": 0}})'
              if args.put_aside_all else "app:create_app()")
    server = start_gunicorn(target, port, args.workers, args.threads, env)
    api = start_gunicorn("app:create_app()", api_port, 1, 4, env)
    worker = start_worker(env, nice=args.worker_nice)
    try:
        run_load(port, build, 2.0, 16, None)  # warm up
        aside = "; every message put aside" if args.put_aside_all else ""
        print(f"gunicorn {args.workers} x {args.threads} threads, a worker beside it; "
              f"{len(FOLLOWERS)} followers; 帮助{aside}")
        if args.rate:
            rate = args.rate
        else:
            saturated = run_load(port, build, 10.0, 16, None).rate
            rate = saturated * args.factor
            print(f"saturating rate (closed loop): {saturated:.0f} msg/s; {args.factor:g}x:")
        print(f"open loop at {rate:.0f} msg/s for {args.seconds:g} s over at most "
              f"{args.connections} connections", flush=True)
        wait_for_worker(env["REDIS_URL"])
        before, _ = stored_messages(env["DATABASE_URL"])
        tally = asyncio.run(open_loop(port, build, rate, args.seconds, args.connections))
        report_load(tally)
        caught_up = wait_for_worker(env["REDIS_URL"])
        rows, distinct = stored_messages(env["DATABASE_URL"])
    finally:
        for process in (server, api, worker):
            process.terminate()
            process.wait(timeout=30)
    report(tally, rows - before, distinct - before, caught_up)


def report_load(tally: Tally) -> None:
    """What WeChat saw, printed before the wait for the worker (which may be long)."""
    print(f"sent {tally.sent}: answered passively {tally.answered}, put aside "
          f"{tally.put_aside} (answered later by the worker)")
    print(f"latency p50 {percentile(tally.latencies, 0.5) * 1000:.0f} ms, p99 "
          f"{percentile(tally.latencies, 0.99) * 1000:.0f} ms, max "
          f"{max(tally.latencies, default=0) * 1000:.0f} ms")
    print(f"late (> {LATE_SECONDS:g} s): {tally.late} (target 0); 5xx: {tally.server_errors} "
          f"(target 0); failed: {tally.failed} (target 0)", flush=True)


def report(tally: Tally, rows: int, distinct: int, caught_up: float) -> None:
    print(f"stored: {rows} rows, {distinct} messages, of {tally.sent} sent (target: every one, "
          f"once); the worker caught up {caught_up:.0f} s after the load")
    met = (tally.late == 0 and tally.server_errors == 0 and tally.failed == 0
           and rows == distinct == tally.sent)
    print("→ PASS" if met else "→ MISS")


if __name__ == "__main__":
    main()

"""资信红绿灯 at scale: import speed, lookup latency at two registry sizes, and the webhook round
trip of "查询 NAME" with the picture cached — on SQLite (FTS5) and PostgreSQL (pg_trgm).

For each engine and size it builds a fresh demo registry (Faker names from 30 locales), by
importing a JSON Lines file through the real importer (``lights.importer.import_buyers``: the
figure is rows/s), then times ``lights.service.look_up`` for a fixed query set drawn from the
first 100k buyers (so every size answers the same queries):

    exact      the legal name as registered
    typo       the legal name with one letter changed
    alias      a trade name / alias
    country    the name plus the country in Chinese ("… 德国")
    not found  names nobody has

and the whole webhook round trip (signature, dedupe, follower, stored message, lookup, rating,
history, the reply) for "查询 NAME 国家" — names with one clear answer, so that the reply is the
picture — with the card's media_id already cached.

Targets (issue 资信红绿灯): round trip p99 < 50 ms at the largest size; lookup at the largest
size ≤ 2× lookup at the smallest; import ≥ 20,000 rows/s.

    .venv/bin/python -m benchmarks.lights_bench                       # 100k and 1M, both engines
    .venv/bin/python -m benchmarks.lights_bench --sizes 10000,50000 --engines sqlite   # quick

PostgreSQL: ``--postgres postgresql://postgres@127.0.0.1:5432`` (the databases
``bench_lights_<size>`` are dropped and created; ``--reuse`` keeps one of the right size).
Redis for the PostgreSQL round trip: ``--redis redis://127.0.0.1:6379/13`` (jobs are only
enqueued there, the queue is emptied afterwards).
The demo file is kept in ``--workdir`` and reused by later runs.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from werkzeug.serving import make_server

from core.countries import display_name

QUERY_KINDS = ("exact", "typo", "alias", "country", "not found")
TARGET_ROUND_TRIP_P99_MS = 50.0
TARGET_SCALING = 2.0
TARGET_IMPORT_ROWS_PER_SECOND = 20_000
DATABASE_PREFIX = "bench_lights"  # bench_lights_<size>; other benchmarks name their own


@dataclass
class Figures:
    engine: str
    size: int
    import_rows_per_second: float
    lookup: dict[str, tuple[float, float]]  # kind → (p50 ms, p99 ms)
    round_trip: tuple[float, float]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def p50_p99(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 0.99)


# --- data --------------------------------------------------------------------------------------

def demo_file(workdir: Path, size: int) -> Path:
    """A JSON Lines file of ``size`` demo rows; the first N rows are the same for every size."""
    from lights.demo import demo_rows

    path = workdir / f"lights-demo-{size}.jsonl"
    if path.exists():
        return path
    bigger = sorted(workdir.glob("lights-demo-*.jsonl"),
                    key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    source = next((p for p in bigger if int(p.stem.rsplit("-", 1)[1]) >= size), None)
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        if source is not None:  # the head of a larger file: same rows, no regeneration
            with source.open(encoding="utf-8") as handle:
                for _, line in zip(range(size), handle, strict=False):
                    out.write(line)
        else:
            for row in demo_rows(size, today=date(2026, 11, 28)):
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"  demo file {path.name}: {time.perf_counter() - started:.1f} s")
    return path


def query_set(path: Path, per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    """Queries drawn from the first 100k rows of the demo file."""
    rng = random.Random(seed)
    rows = []
    with path.open(encoding="utf-8") as handle:
        for _, line in zip(range(100_000), handle, strict=False):
            rows.append(json.loads(line))
    picked = rng.sample(rows, per_kind * 3)
    with_alias = [row for row in rows if row["aliases"]]

    def typo(name: str) -> str:
        letters = [i for i, ch in enumerate(name) if ch.isalpha()]
        position = letters[len(letters) // 2]
        replacement = "x" if name[position].lower() != "x" else "z"
        return name[:position] + replacement + name[position + 1:]

    return {
        "exact": [row["name"] for row in picked[:per_kind]],
        "typo": [typo(row["name"]) for row in picked[per_kind:2 * per_kind]],
        "alias": [row["aliases"][0] for row in rng.sample(with_alias, per_kind)],
        "country": [f"{row['name']} {display_name(row['country'])}"
                    for row in picked[2 * per_kind:]],
        "not found": [f"Zyqwx {rng.choice(['Vortrel', 'Plimbus', 'Quendar'])} {n} Holdings"
                      for n in range(per_kind)],
    }


# --- engines -----------------------------------------------------------------------------------

def database_url(engine: str, size: int, workdir: Path, postgres: str,
                 prefix: str = DATABASE_PREFIX) -> str:
    """The PostgreSQL database ``prefix``_SIZE, or a SQLite file in ``workdir`` (each
    benchmark has its own)."""
    if engine == "sqlite":
        return f"sqlite:///{workdir / f'lights-bench-{size}.sqlite3'}"
    return f"{postgres}/{prefix}_{size}"


def fresh_database(engine: str, size: int, workdir: Path, postgres: str,
                   prefix: str = DATABASE_PREFIX) -> str:
    url = database_url(engine, size, workdir, postgres, prefix)
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
        return url
    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {prefix}_{size} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {prefix}_{size}")
    return url


def existing_rows(app) -> int:
    from sqlalchemy import func, select

    from core.services import current
    from lights.models import Buyer

    with app.app_context():
        count = current().db.session.scalar(select(func.count()).select_from(Buyer)) or 0
        current().db.remove()
    return count


def bench_config(database_url: str, redis_url: str, port: int) -> dict[str, Any]:
    """The app's settings in a benchmark: development (the emulator answers on ``port``), no
    daily lookup quota (the same followers ask hundreds of times)."""
    return {"env": "development", "database": {"url": database_url},
            "redis": {"url": redis_url},
            "server": {"public_url": f"http://127.0.0.1:{port}"},
            "lights": {"daily_quota": 0}}


def make_bench_app(database_url: str, redis_url: str, port: int):
    from app import create_app
    from core.migrate import upgrade
    from core.services import EXTENSION_KEY

    app = create_app(bench_config(database_url, redis_url, port))
    upgrade(app.extensions[EXTENSION_KEY].db.engine)
    return app


# --- measurements ------------------------------------------------------------------------------

def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure_import(app, path: Path) -> float:
    from core.services import current
    from lights.importer import import_buyers

    with app.app_context():
        session = current().db.session
        started = time.perf_counter()
        report = import_buyers(session, path, source="demo", resume=False)
        seconds = time.perf_counter() - started  # includes settling the indexes at the end
        current().db.remove()
    return report.accepted / seconds


def measure_lookups(app, queries: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    from core.services import current
    from lights.service import look_up

    results: dict[str, tuple[float, float]] = {}
    everything: list[float] = []
    today = date(2026, 11, 28)
    with app.app_context():
        session = current().db.session
        for query in queries["exact"][:20]:  # warm the caches (pages, rules, countries)
            look_up(session, query, today)
        for kind in QUERY_KINDS:
            times = [timed(lambda q=query: look_up(session, q, today)) for query in queries[kind]]
            results[kind] = p50_p99(times)
            everything += times
        results["all"] = p50_p99(everything)
        current().db.remove()
    return results


Post = Callable[[dict[str, str], bytes], bytes]  # signed query and body → reply body


def measure_round_trip(app, queries: list[str], count: int) -> tuple[float, float]:
    """查询 NAME through the real webhook (the app's test client, in this process)."""
    services = app.extensions["xinbao"]
    client = app.test_client()

    def post(params: dict[str, str], body: bytes) -> bytes:
        return client.post("/wechat", query_string=params, data=body).get_data()

    figures = time_round_trips(app, answered_queries(app, queries, count), post)
    services.jobs.drain(60)
    return figures


def answered_queries(app, queries: list[str], count: int) -> list[str]:
    """Up to ``count`` of the queries with one clear answer (so that the reply is the
    picture), each answer's card media_id cached beforehand in the app's Redis."""
    from core.services import EXTENSION_KEY, current
    from core.workdays import beijing_day
    from lights.service import look_up
    from wechat.media import MEDIA_TTL_SECONDS, MediaCache

    services = app.extensions[EXTENSION_KEY]
    answered: list[str] = []
    with app.app_context():
        cache = MediaCache(current())
        for query in queries:
            found = look_up(current().db.session, query, beijing_day(services.clock())).found
            if found is not None:
                services.redis.text.set(cache.redis_key(found.cache_key), "MEDIA_BENCH",
                                        ex=MEDIA_TTL_SECONDS)
                answered.append(query)
            if len(answered) >= count:
                break
        current().db.remove()
    return answered


def time_round_trips(app, queries: list[str], post: Post) -> tuple[float, float]:
    """p50 / p99 ms of "查询 QUERY" signed as WeChat signs with the app's settings, each query
    twice; the first quarter warms followers and caches and is not counted."""
    from core.services import EXTENSION_KEY
    from wechat.simulator import WeChatSimulator

    simulator = WeChatSimulator(app.extensions[EXTENSION_KEY].settings.wechat)
    times: list[float] = []
    kinds: dict[str, int] = {}
    for number, query in enumerate(queries * 2):
        signed = simulator.sign(simulator.text(f"o-bench-{number % 40:02d}", f"查询 {query}"))
        started = time.perf_counter()
        reply = post(signed.params, signed.body)
        elapsed = (time.perf_counter() - started) * 1000
        if number >= len(queries) // 4:
            times.append(elapsed)
        kind = simulator.open_reply(reply).get("MsgType", "empty")
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"    round-trip replies: {kinds}")
    return p50_p99(times)


def run(engine: str, size: int, args: argparse.Namespace) -> Figures:
    from core.jobs import QUEUE_NAME

    print(f"\n== {engine}, {size:,} buyers")
    path = demo_file(args.workdir, size)
    redis_url = args.redis if engine == "postgresql" else ""
    url = database_url(engine, size, args.workdir, args.postgres)
    reuse = False
    if args.reuse:
        try:
            app = make_bench_app(url, redis_url, args.port)
            reuse = existing_rows(app) == size
        except Exception:  # no such database yet: build it
            reuse = False
    if not reuse:
        url = fresh_database(engine, size, args.workdir, args.postgres)
        app = make_bench_app(url, redis_url, args.port)
    server = make_server("127.0.0.1", args.port, app, threaded=True)  # the emulator's address
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        rate = float("nan") if reuse else measure_import(app, path)
        print("  import: reused the registry built earlier" if reuse
              else f"  import: {rate:,.0f} rows/s")
        queries = query_set(path, args.queries)
        lookup = measure_lookups(app, queries)
        for kind, (p50, p99) in lookup.items():
            print(f"  lookup {kind:>9}: p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
        pool = query_set(path, args.round_trips * 3, seed=11)["country"]
        round_trip = measure_round_trip(app, pool, args.round_trips)
        print(f"  round trip 查询 NAME (picture cached): p50 {round_trip[0]:.2f} ms  "
              f"p99 {round_trip[1]:.2f} ms")
    finally:
        server.shutdown()
        services = app.extensions["xinbao"]
        if not services.redis.embedded:
            from rq import Queue

            Queue(QUEUE_NAME, connection=services.redis.raw).empty()
        services.db.remove()
        services.db.engine.dispose()
    return Figures(engine, size, rate, lookup, round_trip)


def verdicts(figures: list[Figures]) -> list[str]:
    lines = []
    ok = True
    for engine in sorted({f.engine for f in figures}):
        mine = sorted((f for f in figures if f.engine == engine), key=lambda f: f.size)
        small, large = mine[0], mine[-1]
        p99 = large.round_trip[1]
        good = p99 < TARGET_ROUND_TRIP_P99_MS
        ok &= good
        lines.append(f"{engine}: round trip p99 at {large.size:,} = {p99:.1f} ms "
                     f"(target < {TARGET_ROUND_TRIP_P99_MS:.0f}) {'OK' if good else 'MISSED'}")
        if large.size != small.size:
            for index, name in ((0, "p50"), (1, "p99")):
                ratio = large.lookup["all"][index] / max(small.lookup["all"][index], 1e-6)
                good = ratio <= TARGET_SCALING
                ok &= good
                lines.append(f"{engine}: lookup {name} {large.size:,} / {small.size:,} = "
                             f"{ratio:.2f}× (target ≤ {TARGET_SCALING:.0f}×) "
                             f"{'OK' if good else 'MISSED'}")
        rates = [f.import_rows_per_second for f in mine if f.import_rows_per_second > 0]
        if not rates:
            continue
        slowest = min(rates)
        good = slowest >= TARGET_IMPORT_ROWS_PER_SECOND
        ok &= good
        lines.append(f"{engine}: import ≥ {slowest:,.0f} rows/s (target ≥ "
                     f"{TARGET_IMPORT_ROWS_PER_SECOND:,}) {'OK' if good else 'MISSED'}")
    lines.append("all targets met" if ok else "some targets missed")
    return lines


def add_shared_arguments(parser: argparse.ArgumentParser, *, redis: str, workdir: Path,
                         port: int) -> None:
    """The options this benchmark shares with ``benchmarks.scale_bench``, with its defaults."""
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--round-trips", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default=redis)
    parser.add_argument("--workdir", type=Path, default=workdir)
    parser.add_argument("--port", type=int, default=port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    add_shared_arguments(parser, redis="redis://127.0.0.1:6379/13",
                         workdir=Path("/tmp/xinbao-lights-bench"), port=5391)
    parser.add_argument("--reuse", action="store_true",
                        help="keep a registry of the right size from an earlier run (no import)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    figures = [run(engine, size, args)
               for engine in args.engines.split(",") for size in sizes]
    print("\n== against the targets")
    for line in verdicts(figures):
        print("  " + line)


if __name__ == "__main__":
    main()

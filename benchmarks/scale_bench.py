"""资信红绿灯 at 10 million buyers (issue 19, items 3 and 4), measured as an operator runs it:
the import is the operator's command (``xinbao buyers import FILE``) in a process of its own,
查询 NAME goes through the webhook of a gunicorn process, and this process only watches.

For each size (one engine; PostgreSQL unless ``--engine sqlite``):

- the first load of the demo file (``lights_bench.demo_file``) into a fresh database,
  ``bench_scale_<size>``: rows/s of the whole load (the secondary indexes the importer sets
  aside and builds at its end, and the statistics, included); rows/s per slice of the file,
  from the run's own checkpoint in ``buyer_imports`` (committed with each batch), so that a
  slowdown late in the load shows; the time from the last batch to the end, and each index
  build and ANALYZE in it as PostgreSQL ran them (``pg_stat_activity``);
- the size of each table and index of the registry;
- lookups (``lights_bench.measure_lookups``) and 查询 NAME through the webhook
  (``lights_bench.time_round_trips``) with the card's media_id cached;
- the monthly refresh: ``--changed`` rows of the registry (a tenth unless told) changed as
  next month's file brings them (``refresh_file``), imported by the same command into the
  full registry (an upsert: the indexes kept up to date batch by batch);
- the peak resident memory (VmHWM, from /proc) of each process: the import command and its
  parsing process, gunicorn's master and worker, and ``xinbao worker`` (which runs beside
  gunicorn, as in production, and writes the inbound log behind the replies).

Targets (issue 19): round trip p99 < 50 ms at the largest size and ≤ 2× the p99 at the
smallest; the first load ≥ 20,000 rows/s for the whole load, indexes included; the refresh
≥ 10,000 rows/s; every process under 300 MB.

    .venv/bin/python -m benchmarks.scale_bench --sizes 100000,10000000   # the issue's run
    .venv/bin/python -m benchmarks.scale_bench --sizes 100000,200000     # a quick check

Databases ``bench_scale_<size>`` are dropped and created (and left for a look afterwards:
``--drop`` drops them at the end); the demo and refresh files are kept in ``--workdir``
and reused. Redis (``--redis``) holds the cached media_ids, the inbound log and the jobs the
webhook enqueues; the job queue is emptied afterwards. Docs: docs/scale.md (the 10M command,
its time and disk, and the figures).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from rq import Queue
from sqlalchemy import Engine, create_engine, func, select, text

from benchmarks.lights_bench import (
    TARGET_IMPORT_ROWS_PER_SECOND,
    TARGET_ROUND_TRIP_P99_MS,
    TARGET_SCALING,
    Post,
    add_shared_arguments,
    answered_queries,
    bench_config,
    demo_file,
    fresh_database,
    make_bench_app,
    measure_lookups,
    query_set,
    time_round_trips,
)
from benchmarks.webhook_bench import report_log_written, start_gunicorn, start_worker
from lights.importer import BATCH_ROWS

PREFIX = "bench_scale"  # bench_scale_<size>
TARGET_REFRESH_ROWS_PER_SECOND = 10_000
TARGET_PEAK_MB = 300
POLL_SECONDS = 0.1  # how often the watchers look: the resolution of the times below
REPO = Path(__file__).resolve().parent.parent
REFRESH_AS_OF = "2026-12-28"  # a month after the demo's date: marks the rows a refresh changed
SETTLING = re.compile(r"^\s*(CREATE INDEX|ANALYZE|SELECT gin_clean_pending_list)", re.I)


# --- watching another process ----------------------------------------------------------------

class Watcher:
    """Calls each sampler every POLL_SECONDS on a thread of its own, and once more on exit."""

    def __init__(self, samplers: list[Callable[[], None]]) -> None:
        self.samplers = samplers
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        for sampler in self.samplers:
            sampler()

    def _loop(self) -> None:
        while not self.stopping.wait(POLL_SECONDS):
            self._sample()

    def __enter__(self) -> Watcher:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join()
        self._sample()


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM: the most resident memory the process has had so far (None once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in status.splitlines()
                 if line.startswith("VmHWM:")), None)


def descendants(pid: int) -> list[int]:
    """The process's children, their children, ... (from each process's parent in /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # the name may hold spaces
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        children = [child for child, its_parent in parents.items() if its_parent == parent]
        found += children
        pending += children
    return found


def command_line(pid: int, root: int) -> str:
    """The command, paths shortened to their last part (the interpreter's too) and long
    arguments cut; a descendant of ``root`` marked as one."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return str(pid)
    words = [Path(arg).name if "/" in arg else arg for arg in argv if arg]
    line = " ".join(word if len(word) <= 40 else f"{word[:37]}…" for word in words)
    return line if pid == root else f"└ {line}"


class MemoryWatch:
    """The peak resident memory of a process and of each of its descendants while it runs
    (VmHWM only grows: a process's last sample is its peak, but for the last POLL_SECONDS)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peaks: dict[int, tuple[str, int]] = {}  # pid → (command, KiB)

    def sample(self) -> None:
        for pid in [self.root, *descendants(self.root)]:
            kib = peak_rss_kib(pid)
            if kib is not None:
                name = self.peaks[pid][0] if pid in self.peaks else command_line(pid, self.root)
                self.peaks[pid] = (name, kib)


@dataclass(frozen=True)
class Checkpoint:
    accepted: int
    at: datetime
    status: str


class CheckpointWatch:
    """The newest import run after ``after_id`` as its writer commits it: each (rows
    accepted, time) the watcher saw. The writer stamps the checkpoint in the transaction of
    its batch, so each pair is exact; only batches between two looks go unseen."""

    def __init__(self, engine: Engine, after_id: int) -> None:
        from lights.models import BuyerImport

        self.engine = engine
        self.started_at: datetime | None = None
        self.seen: list[Checkpoint] = []
        self.query = (select(BuyerImport.accepted, BuyerImport.updated_at, BuyerImport.status,
                             BuyerImport.started_at)
                      .where(BuyerImport.id > after_id).order_by(BuyerImport.id.desc()).limit(1))

    def sample(self) -> None:
        with self.engine.connect() as connection:
            row = connection.execute(self.query).first()
        if row is None:
            return
        accepted, at, status, self.started_at = row
        if not self.seen or (accepted, status) != (self.seen[-1].accepted, self.seen[-1].status):
            self.seen.append(Checkpoint(accepted, at, status))


class StatementWatch:
    """PostgreSQL: the statements other connections to the database run, each with its start
    and the last time it was seen running (a statement shorter than POLL_SECONDS may go
    unseen). Parallel workers, which show their leader's statement, are left out."""

    QUERY = text("SELECT pid, query_start, clock_timestamp(), query FROM pg_stat_activity "
                 "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                 "AND state = 'active' AND backend_type = 'client backend'")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.running: dict[tuple[int, datetime], tuple[str, datetime]] = {}

    def sample(self) -> None:
        with self.engine.connect() as connection:
            for pid, started, now, query in connection.execute(self.QUERY):
                self.running[pid, started] = (query, now)

    def settling(self) -> list[tuple[str, float]]:
        """The index builds, pending-list merges and ANALYZEs seen, with their seconds."""
        found = [(started, _short(query), (seen - started).total_seconds())
                 for (_, started), (query, seen) in self.running.items()
                 if SETTLING.match(query)]
        return [(query, seconds) for _, query, seconds in sorted(found)]


def _short(statement: str) -> str:
    """CREATE INDEX IF NOT EXISTS ix_x ON t USING gin (…) → CREATE INDEX ix_x ON t USING gin."""
    statement = " ".join(statement.split()).replace("IF NOT EXISTS ", "")
    return statement.split(" (", 1)[0]


# --- one import, watched ---------------------------------------------------------------------

@dataclass
class Slice:
    first_row: int
    last_row: int
    rows_per_second: float


@dataclass
class ImportFigures:
    label: str
    accepted: int
    command_seconds: float  # the command's wall time, start to exit
    run_seconds: float  # its run: started → finished (buyer_imports)
    settle_seconds: float  # the last batch committed → finished: indexes built, statistics
    slices: list[Slice]
    settling: list[tuple[str, float]]  # statement, seconds (PostgreSQL)
    peaks: list[tuple[str, int]]  # process, peak KiB
    said: str  # the command's own last line

    @property
    def rows_per_second(self) -> float:
        """Over the run, from its start to its end (indexes and statistics included)."""
        return self.accepted / self.run_seconds

    @property
    def command_rows_per_second(self) -> float:
        """Over the command's wall time: also Python's start and the app's creation."""
        return self.accepted / self.command_seconds


def slices(seen: list[Checkpoint], started_at: datetime, slice_rows: int) -> list[Slice]:
    """Rows/s between the first checkpoints seen at or past each multiple of ``slice_rows``
    (the last slice ends at the last batch)."""
    running = [checkpoint for checkpoint in seen if checkpoint.status == "running"]
    found: list[Slice] = []
    rows, at, boundary = 0, started_at, slice_rows
    for checkpoint in running:
        seconds = (checkpoint.at - at).total_seconds()
        if seconds > 0 and (checkpoint.accepted >= boundary or checkpoint is running[-1]):
            found.append(Slice(rows + 1, checkpoint.accepted,
                               (checkpoint.accepted - rows) / seconds))
            rows, at = checkpoint.accepted, checkpoint.at
            boundary = (rows // slice_rows + 1) * slice_rows
    return found


def last_import_id(engine: Engine) -> int:
    from lights.models import BuyerImport

    with engine.connect() as connection:
        return connection.scalar(select(func.coalesce(func.max(BuyerImport.id), 0)))


def import_command(path: Path, batch_rows: int) -> list[str]:
    return [sys.executable, "-m", "xinbao_cli", "buyers", "import", str(path), "--source", "demo",
            "--batch", str(batch_rows)]


def run_import(label: str, database_url: str, redis_url: str, path: Path, slice_rows: int,
               batch_rows: int = BATCH_ROWS) -> ImportFigures:
    """``xinbao buyers import PATH`` in a process of its own, watched from this one."""
    engine = create_engine(database_url)
    try:
        checkpoints = CheckpointWatch(engine, last_import_id(engine))
        statements = StatementWatch(engine) if engine.dialect.name == "postgresql" else None
        env = dict(os.environ, XINBAO_ENV="development", DATABASE_URL=database_url,
                   REDIS_URL=redis_url)
        started = time.perf_counter()
        process = subprocess.Popen(import_command(path, batch_rows), cwd=REPO, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        memory = MemoryWatch(process.pid)
        samplers = [memory.sample, checkpoints.sample, *([statements.sample] if statements else [])]
        with Watcher(samplers):
            out, err = process.communicate()
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    if process.returncode != 0:
        raise SystemExit(f"{label}: the import failed ({process.returncode}):\n{err}")
    finished = checkpoints.seen[-1]
    assert finished.status == "finished" and checkpoints.started_at is not None
    last_batch = [checkpoint for checkpoint in checkpoints.seen if checkpoint.status == "running"]
    return ImportFigures(
        label=label, accepted=finished.accepted, command_seconds=seconds,
        run_seconds=(finished.at - checkpoints.started_at).total_seconds(),
        settle_seconds=(finished.at - last_batch[-1].at).total_seconds() if last_batch else 0,
        slices=slices(checkpoints.seen, checkpoints.started_at, slice_rows),
        settling=statements.settling() if statements else [],
        peaks=list(memory.peaks.values()), said=out.strip().splitlines()[-1])


def print_import(figures: ImportFigures) -> None:
    print(f"  {figures.label}: {figures.accepted:,} rows in {figures.run_seconds:.1f} s = "
          f"{figures.rows_per_second:,.0f} rows/s (indexes and statistics included); the "
          f"command's wall time {figures.command_seconds:.1f} s = "
          f"{figures.command_rows_per_second:,.0f} rows/s")
    print(f"    the command said: {figures.said}")
    for part in figures.slices:
        print(f"    rows {part.first_row:>11,} – {part.last_row:>11,}: "
              f"{part.rows_per_second:>8,.0f} rows/s")
    print(f"    last batch → finished: {figures.settle_seconds:.1f} s")
    for statement, seconds in figures.settling:
        print(f"      {seconds:6.1f} s  {statement}")
    print_peaks(figures.peaks)


def print_peaks(peaks: list[tuple[str, int]]) -> None:
    for command, kib in peaks:
        print(f"    peak RSS {kib / 1024:6.0f} MB  {command}")


# --- the registry's size on disk -------------------------------------------------------------

_SIZES = {
    "postgresql": text(
        "SELECT c.relname, CASE WHEN i.indexrelid IS NULL THEN 'table' ELSE 'index' END, "
        "CASE WHEN i.indexrelid IS NULL THEN pg_table_size(c.oid) "
        "ELSE pg_relation_size(c.oid) END "
        "FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid "
        "WHERE c.oid IN ('buyers'::regclass, 'buyer_names'::regclass) "
        "OR i.indrelid IN ('buyers'::regclass, 'buyer_names'::regclass) ORDER BY 2 DESC, 1"),
    # dbstat counts the pages of every table and index, FTS5's own tables too.
    "sqlite": text(
        "SELECT d.name, coalesce(m.type, 'table'), sum(d.pgsize) FROM dbstat d "
        "LEFT JOIN sqlite_master m ON m.name = d.name "
        "WHERE m.tbl_name IN ('buyers', 'buyer_names') OR d.name LIKE 'buyer_names_fts%' "
        "GROUP BY d.name ORDER BY 2 DESC, 1"),
}


def registry_sizes(database_url: str) -> list[tuple[str, str, int]]:
    """(name, table or index, bytes) of the registry's tables (TOAST included) and indexes."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(_SIZES[engine.dialect.name])]
    finally:
        engine.dispose()


def print_sizes(sizes: list[tuple[str, str, int]]) -> None:
    for name, kind, size in sizes:
        print(f"    {kind:<5} {size / 2**20:9.1f} MB  {name}")
    indexes = sum(size for _, kind, size in sizes if kind == "index")
    everything = sum(size for *_, size in sizes)
    print(f"    indexes {indexes / 2**20:7.1f} MB, all {everything / 2**20:.1f} MB")


# --- the web process -------------------------------------------------------------------------

@contextmanager
def web_processes(database_url: str, redis_url: str, port: int
                  ) -> Iterator[tuple[subprocess.Popen, subprocess.Popen]]:
    """The app under gunicorn (one worker, as each of production's workers), built by
    ``app.create_app`` with the benchmark's settings, and ``xinbao worker`` beside it, as in
    production: it writes the inbound log behind the replies and runs the jobs they enqueue,
    on the same cores."""
    config = bench_config(database_url, redis_url, port)
    web = start_gunicorn(f"app:create_app({config!r})", port, workers=1, threads=4,
                         env=dict(os.environ))
    worker = start_worker(dict(os.environ, XINBAO_ENV="development", DATABASE_URL=database_url,
                               REDIS_URL=redis_url,
                               XINBAO_PUBLIC_URL=f"http://127.0.0.1:{port}"))
    try:
        yield web, worker
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            process.wait(30)


@contextmanager
def http_post(port: int) -> Iterator[Post]:
    """A POST to /wechat on one kept-alive connection, as WeChat's servers send them."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def post(params: dict[str, str], body: bytes) -> bytes:
        connection.request("POST", f"/wechat?{urlencode(params)}", body=body,
                           headers={"Content-Type": "text/xml"})
        response = connection.getresponse()
        reply = response.read()
        if response.status != 200:
            raise SystemExit(f"the webhook answered {response.status}: {reply[:200]!r}")
        return reply

    try:
        yield post
    finally:
        connection.close()


def process_peaks(pid: int) -> list[tuple[str, int]]:
    """(command, peak KiB) of a running process and its descendants."""
    return [(command_line(each, pid), peak_rss_kib(each) or 0)
            for each in [pid, *descendants(pid)]]


# --- the monthly refresh ---------------------------------------------------------------------

def changed_row(row: dict, number: int) -> dict:
    """A demo row as next month's file brings it, changed by its line number: a new address,
    a new alias for every third, another status for every seventh, the data a month newer."""
    changed = dict(row, address=f"{row['address']}, Building {number % 40 + 1}",
                   as_of=REFRESH_AS_OF)
    if number % 3 == 0:
        changed["aliases"] = [*row["aliases"], f"{row['name'].split()[0]} Holdings {number}"]
    if number % 7 == 0:
        changed["status"] = "dormant" if row["status"] == "active" else "active"
    return changed


def refresh_file(workdir: Path, demo: Path, size: int, changed: int) -> Path:
    """``changed`` rows of the ``size`` demo buyers in ``demo``, spread over the whole
    registry (every size // changed-th row), each changed by ``changed_row``."""
    path = workdir / f"lights-refresh-{size}-{changed}.jsonl"
    if path.exists():
        return path
    step = max(1, size // changed)
    written = 0
    with demo.open(encoding="utf-8") as rows, path.open("w", encoding="utf-8") as out:
        for number, line in enumerate(rows):
            if number % step or written >= changed:
                continue
            out.write(json.dumps(changed_row(json.loads(line), number), ensure_ascii=False) + "\n")
            written += 1
    return path


def refreshed_rows(database_url: str) -> int:
    """Buyers the refresh reached (their data dated REFRESH_AS_OF)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT count(*) FROM buyers WHERE as_of = :day"),
                                     {"day": REFRESH_AS_OF})
    finally:
        engine.dispose()


# --- one size --------------------------------------------------------------------------------

@dataclass
class ScaleFigures:
    size: int
    first_load: ImportFigures
    refresh: ImportFigures
    lookup: dict[str, tuple[float, float]]
    round_trip: tuple[float, float]
    sizes: list[tuple[str, str, int]]
    web_peaks: list[tuple[str, int]] = field(default_factory=list)


def run(size: int, args: argparse.Namespace) -> ScaleFigures:
    from core.jobs import QUEUE_NAME

    print(f"\n== {args.engine}, {size:,} buyers")
    demo = demo_file(args.workdir, size)
    slice_rows = args.slice_rows or max(size // 10, 1)
    url = fresh_database(args.engine, size, args.workdir, args.postgres, PREFIX)
    app = make_bench_app(url, args.redis, args.port)  # migrations; lookups from this process
    try:
        first = run_import("first load", url, args.redis, demo, slice_rows)
        print_import(first)
        sizes = registry_sizes(url)
        print("  registry on disk:")
        print_sizes(sizes)
        lookup = measure_lookups(app, query_set(demo, args.queries))
        for kind, (p50, p99) in lookup.items():
            print(f"  lookup {kind:>9}: p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
        pool = query_set(demo, args.round_trips * 3, seed=11)["country"]
        with (web_processes(url, args.redis, args.port) as (web, worker),
              http_post(args.port) as post):
            round_trip = time_round_trips(app, answered_queries(app, pool, args.round_trips),
                                          post)
            report_log_written({"REDIS_URL": args.redis})
            web_peaks = [*process_peaks(web.pid), *process_peaks(worker.pid)]
        print(f"  round trip 查询 NAME through gunicorn, xinbao worker beside it (picture "
              f"cached): p50 {round_trip[0]:.2f} ms  p99 {round_trip[1]:.2f} ms")
        print_peaks(web_peaks)
        changed = args.changed or max(size // 10, 1)
        refresh = run_import(f"refresh of {changed:,} changed rows", url, args.redis,
                             refresh_file(args.workdir, demo, size, changed), slice_rows)
        print_import(refresh)
        print(f"    rows the refresh changed, found in the registry: {refreshed_rows(url):,}")
        grown = sum(size for *_, size in registry_sizes(url))
        print(f"    registry on disk after the refresh: {grown / 2**20:.1f} MB (dead rows "
              "included, until VACUUM)")
    finally:
        services = app.extensions["xinbao"]
        Queue(QUEUE_NAME, connection=services.redis.raw).empty()
        services.db.remove()
        services.db.engine.dispose()
    if args.drop:
        drop_database(args, size)
    return ScaleFigures(size, first, refresh, lookup, round_trip, sizes, web_peaks)


def drop_database(args: argparse.Namespace, size: int) -> None:
    if args.engine == "sqlite":  # a fresh SQLite database is its files deleted
        fresh_database("sqlite", size, args.workdir, args.postgres, PREFIX)
        return
    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PREFIX}_{size} WITH (FORCE)")


# --- against the targets ---------------------------------------------------------------------

def verdict(good: bool) -> str:
    return "OK" if good else "MISSED"


def scale_verdicts(figures: list[ScaleFigures]) -> list[str]:
    small, large = figures[0], figures[-1]
    lines: list[tuple[str, bool]] = []
    p99 = large.round_trip[1]
    lines.append((f"round trip p99 at {large.size:,} = {p99:.1f} ms "
                  f"(target < {TARGET_ROUND_TRIP_P99_MS:.0f})", p99 < TARGET_ROUND_TRIP_P99_MS))
    if large is not small:
        ratio = p99 / max(small.round_trip[1], 1e-6)
        lines.append((f"round trip p99 {large.size:,} / {small.size:,} = {ratio:.2f}× "
                      f"(target ≤ {TARGET_SCALING:.0f}×)", ratio <= TARGET_SCALING))
    rate = large.first_load.rows_per_second
    lines.append((f"first load of {large.size:,}: {rate:,.0f} rows/s, indexes included "
                  f"(target ≥ {TARGET_IMPORT_ROWS_PER_SECOND:,})",
                  rate >= TARGET_IMPORT_ROWS_PER_SECOND))
    slowest = min(part.rows_per_second for part in large.first_load.slices)
    lines.append((f"first load of {large.size:,}: slowest slice {slowest:,.0f} rows/s "
                  f"(target ≥ {TARGET_IMPORT_ROWS_PER_SECOND:,})",
                  slowest >= TARGET_IMPORT_ROWS_PER_SECOND))
    rate = large.refresh.rows_per_second
    lines.append((f"refresh of {large.refresh.accepted:,} rows into {large.size:,}: "
                  f"{rate:,.0f} rows/s (target ≥ {TARGET_REFRESH_ROWS_PER_SECOND:,})",
                  rate >= TARGET_REFRESH_ROWS_PER_SECOND))
    for each in figures:
        peaks = [*each.first_load.peaks, *each.refresh.peaks, *each.web_peaks]
        command, kib = max(peaks, key=lambda peak: peak[1])
        lines.append((f"largest process at {each.size:,}: {kib / 1024:.0f} MB, {command} "
                      f"(target < {TARGET_PEAK_MB})", kib / 1024 < TARGET_PEAK_MB))
    return [f"{line} {verdict(good)}" for line, good in lines] + [
        "all targets met" if all(good for _, good in lines) else "some targets missed"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,10000000")
    parser.add_argument("--engine", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--changed", type=int, default=0,
                        help="rows in the refresh file (default: a tenth of the size)")
    parser.add_argument("--slice-rows", type=int, default=0,
                        help="rows per slice of the import's rate (default: a tenth)")
    add_shared_arguments(parser, redis="redis://127.0.0.1:6379/12",
                         workdir=Path("/tmp/xinbao-scale-bench"), port=5393)
    parser.add_argument("--drop", action="store_true", help="drop each database at the end")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    figures = [run(size, args) for size in sorted(int(size) for size in args.sizes.split(","))]
    print(f"\n  this process (lookups, watching): peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("\n== against the targets")
    for line in scale_verdicts(figures):
        print("  " + line)


if __name__ == "__main__":
    main()

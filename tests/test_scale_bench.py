"""The scale benchmark's own check on the suite's database, at a few thousand rows: the
operator's import command runs in a process of its own and is watched (its checkpoint read
as it commits, its memory from /proc), the refresh reaches every row it changes, and the
webhook answers through gunicorn. Not timed; the figures are the script's to print
(docs/scale.md)."""

from __future__ import annotations

import json

import pytest

from benchmarks import scale_bench
from benchmarks.lights_bench import (
    answered_queries,
    demo_file,
    make_bench_app,
    query_set,
    time_round_trips,
)
from tests.conftest import REAL_REDIS, free_port


def test_a_watched_import_and_refresh_report_what_the_database_holds(
        app, base_config, tmp_path, monkeypatch):
    monkeypatch.setattr(scale_bench, "POLL_SECONDS", 0.005)  # many looks at a short import
    url, redis_url = base_config["database"]["url"], base_config["redis"]["url"]
    demo = demo_file(tmp_path, 2000)

    first = scale_bench.run_import("first load", url, redis_url, demo, slice_rows=500,
                                   batch_rows=100)

    assert first.accepted == 2000 and "accepted 2,000 rows, rejected 0" in first.said
    assert first.run_seconds > first.settle_seconds >= 0
    assert first.slices[0].first_row == 1 and first.slices[-1].last_row <= 2000
    for earlier, later in zip(first.slices, first.slices[1:], strict=False):
        assert later.first_row == earlier.last_row + 1
    assert all(part.rows_per_second > 0 for part in first.slices)
    commands = [command for command, kib in first.peaks if kib > 0]
    assert any("buyers import" in command for command in commands)

    refresh = scale_bench.refresh_file(tmp_path, demo, 2000, 200)
    rows = [json.loads(line) for line in refresh.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 200 and [row["source_id"] for row in rows[:2]] == ["demo-0", "demo-10"]
    assert all(row["as_of"] == scale_bench.REFRESH_AS_OF for row in rows)
    again = scale_bench.run_import("refresh", url, redis_url, refresh, slice_rows=500)
    assert again.accepted == 200 and scale_bench.refreshed_rows(url) == 200


@pytest.mark.skipif(not REAL_REDIS, reason="gunicorn and this process share the cached cards "
                                           "through a real Redis")
# webhook_bench.start_gunicorn leaves its /healthz connection for the collector to close.
@pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning")
def test_the_round_trip_goes_through_gunicorn(app, base_config, tmp_path, capsys):
    url, redis_url = base_config["database"]["url"], base_config["redis"]["url"]
    demo = demo_file(tmp_path, 300)
    scale_bench.run_import("first load", url, redis_url, demo, slice_rows=300)
    port = free_port()
    bench_app = make_bench_app(url, redis_url, port)
    try:
        with (scale_bench.web_processes(url, redis_url, port) as (web, worker),
              scale_bench.http_post(port) as post):
            queries = answered_queries(bench_app, query_set(demo, 30, seed=11)["country"], 10)
            p50, p99 = time_round_trips(bench_app, queries, post)
            peaks = [*scale_bench.process_peaks(web.pid), *scale_bench.process_peaks(worker.pid)]
    finally:
        bench_app.extensions["xinbao"].db.engine.dispose()
    assert len(queries) == 10 and 0 < p50 <= p99
    assert "round-trip replies: {'image': 20}" in capsys.readouterr().out  # the picture
    assert all(kib > 0 for _, kib in peaks)
    master, child, rq_worker = (command for command, _ in peaks)
    assert "-m gunicorn" in master and child.startswith("└ ") and "-m gunicorn" in child
    assert rq_worker.endswith("-m xinbao_cli worker")

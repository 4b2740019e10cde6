"""The alert benchmark's own check at a smaller scale, through the real job path (the test's
app: jobs in-process, or the worker process on real Redis): every subscriber gets the alert
once, nobody else any. Not timed; the rate is the benchmark's to print."""

from __future__ import annotations

from benchmarks.alerts_bench import measure
from core.redis_store import key


def test_the_fan_out_the_benchmark_measures_is_exact(app, live_server, wechat, redis):
    # The emulator's count is global: what an earlier run on this Redis left is not ours.
    redis.delete(key("emulator", "records"), key("emulator", "template_count"))
    result = measure(app, live_server, followers=300, others=60, timeout=120)
    assert (result.subscribers, result.received) == (300, 300)
    assert (result.duplicates, result.missed, result.strangers) == (0, 0, 0)

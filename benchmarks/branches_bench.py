"""How long the branch lookup takes: loading its tables once, a place named in a sentence,
and a location.

    .venv/bin/python -m benchmarks.branches_bench

Prints the start-up cost (the division table, the world towns, the name, pinyin and sound
indexes, the branches' coverage) and p50 / p99 / max for: every name of the table in a
sentence ("我在X找哪个网点"), typos (no exact name: the homophone and pinyin passes), and
locations drawn at random inside China's bounding box and over the whole world.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterable


def _timed(calls: Iterable[Callable[[], object]]) -> list[float]:
    spent = []
    for call in calls:
        start = time.perf_counter()
        call()
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def _line(what: str, spent: list[float]) -> str:
    spent = sorted(spent)
    p99 = spent[min(len(spent) - 1, int(len(spent) * 0.99))]
    return (f"{what:<34} n={len(spent):>5}  p50 {statistics.median(spent):6.2f} ms  "
            f"p99 {p99:6.2f} ms  max {spent[-1]:6.2f} ms")


def main() -> None:
    start = time.perf_counter()
    import branches
    from branches import gazetteer as gz

    branches.warm_up()
    gz.gazetteer()
    print(f"start-up (import, tables, indexes)   {(time.perf_counter() - start) * 1000:.0f} ms")
    names = [d.name for d in gz.gazetteer().divisions]
    print(_line("place in a sentence", _timed(
        (lambda n=n: branches.look_up(f"我在{n}找哪个网点")) for n in names)))
    typos = ["杭洲", "温洲", "夏门", "Hangzou", "Shenzen", "Guangzou", "网点 火星", "ACME GmbH"]
    print(_line("typos and no place", _timed(
        (lambda t=t: branches.look_up(t)) for t in typos * 50)))
    rng = random.Random(13)
    china = [(rng.uniform(18, 53), rng.uniform(73, 135)) for _ in range(2000)]
    world = [(rng.uniform(-60, 75), rng.uniform(-180, 180)) for _ in range(2000)]
    print(_line("location in China's box", _timed(
        (lambda p=p: branches.locate(*p)) for p in china)))
    print(_line("location anywhere (60S-75N)", _timed(
        (lambda p=p: branches.locate(*p)) for p in world)))


if __name__ == "__main__":
    main()

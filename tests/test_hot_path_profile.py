"""The hot-path profile's own check on the suite's app: every step of a message is found in the
profile (a renamed function would silently print 0), and the counts are a message's. Not
timed; the figures are the script's to print (docs/hot-path.md)."""

from __future__ import annotations

import re

from benchmarks import hot_path_profile
from wechat import webhook


def test_the_profile_finds_every_step_and_counts_per_message(app, monkeypatch, capsys):
    monkeypatch.setattr(webhook, "_handler_threads", hot_path_profile.InlineExecutor())
    hot_path_profile.run(app, "help", 20)
    printed = capsys.readouterr().out
    rows = dict(re.findall(r"^\| (.+?) \| [\d.]+ \| (\d+) \|$", printed, re.M))
    labels = [label for label, _, _ in hot_path_profile.STEPS]
    assert set(rows) == set(labels)
    missing = [label for label in labels if int(rows[label]) == 0
               and "replay guard" not in label]  # plain mode only: the suite may be in safe
    assert missing == []
    counts = re.search(r"([\d.]+) Redis round trips, ([\d.]+) SQL statements, ([\d.]+) commits, "
                       r"([\d.]+) XML parses", printed)
    assert counts is not None
    round_trips, statements, commits, parses = map(float, counts.groups())
    assert round_trips >= 5 and statements >= 1 and commits >= 1 and parses == 1

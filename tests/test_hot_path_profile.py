"""The hot-path profile's own check on the suite's app: every step of a message is found in the
profile (a renamed function would silently print 0), and the counts are a message's. Not
timed; the figures are the script's to print (docs/hot-path.md)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from benchmarks import hot_path_profile
from core.models import InboundMessage
from wechat import webhook

from helpers import drain_inbound_log


def test_the_profile_finds_every_step_and_counts_per_message(app, db, monkeypatch, capsys):
    monkeypatch.setattr(webhook, "_handler_threads", hot_path_profile.InlineExecutor())
    hot_path_profile.run(app, "help", 20)
    printed = capsys.readouterr().out
    rows = dict(re.findall(r"^\| (.+?) \| [\d.]+ \| (\d+) \|$", printed, re.M))
    labels = [label for label, _, _ in hot_path_profile.STEPS]
    assert set(rows) == set(labels)
    missing = [label for label in labels
               if int(rows[label]) == 0 and label not in hot_path_profile.RARE_STEPS]
    assert missing == []
    assert all(int(rows[label]) == 0 for label in hot_path_profile.RARE_STEPS)
    counts = re.search(r"([\d.]+) Redis round trips, ([\d.]+) SQL statements, ([\d.]+) commits, "
                       r"([\d.]+) XML parses", printed)
    assert counts is not None
    round_trips, statements, commits, parses = map(float, counts.groups())
    # One round trip in, one out; nothing written to the database on the way (the log is
    # written behind); one XML document parsed.
    assert round_trips == 2 and statements == 0 and parses == 1
    assert re.search(r"written behind: \d+ messages", printed)
    # every message of the run and its warm-up stored once, behind the replies
    drain_inbound_log(app)
    stored = db.scalar(select(func.count()).select_from(InboundMessage)
                       .where(InboundMessage.openid.like("o-profile-%")))
    assert stored == 20 + 50

"""The stream reader behind the inbound log and the messages put aside: at least once, and a
stream that went away (a Redis restarted empty) does not stop the worker's loop."""

from __future__ import annotations

import fakeredis

from core.streams import StreamConsumer


def test_entries_come_back_until_done_and_a_dead_readers_are_taken_over():
    client = fakeredis.FakeRedis(decode_responses=True)
    client.xadd("s", {"n": "1"})
    first = StreamConsumer(client, "s", "g", consumer="first")
    read = first.read()
    assert [values for _, values in read] == [{"n": "1"}]
    assert first.read() == []  # in hand: not read again while the work goes on
    first.failed()
    assert first.read() == read  # the work failed: its own entry again
    other = StreamConsumer(client, "s", "g", consumer="other")
    assert other.read() == []  # another's, not idle long enough
    assert StreamConsumer(client, "s", "g", consumer="other", claim_idle_ms=0).read() == read
    first.done([entry_id for entry_id, _ in read])
    assert first.read() == [] and first.backlog() == 0


def test_a_stream_deleted_under_the_reader_is_started_afresh():
    client = fakeredis.FakeRedis(decode_responses=True)
    reader = StreamConsumer(client, "s", "g")
    assert reader.read() == []  # the group exists now
    client.delete("s")  # as a Redis restarted without its data
    client.xadd("s", {"n": "2"})
    assert reader.read() == []  # the group is gone: made again on the next read
    assert [values for _, values in reader.read()] == [{"n": "2"}]

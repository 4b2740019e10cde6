"""The stream reader behind the inbound log and the messages put aside: at least once, and a
stream that went away (a Redis restarted empty) does not stop the worker's loop."""

from __future__ import annotations

import shutil
import threading
import time

import fakeredis
import redis
from faults import RedisProcess, require

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


def test_a_stream_deleted_while_the_reader_waits_on_it_is_started_afresh():
    """A real Redis (7) ends a blocked read whose stream is deleted with an error of its own
    ("UNBLOCKED"); the worker's loop had logged it as a failed round."""
    require(shutil.which("redis-server") is not None, "redis-server on PATH")
    server = RedisProcess()
    server.start()
    try:
        client = redis.Redis.from_url(server.url, decode_responses=True)
        reader = StreamConsumer(client, "s", "g")
        assert reader.read() == []  # the group exists now; the look-back is done
        outcome: list[object] = []
        waiting = threading.Thread(target=lambda: outcome.append(_read_or_error(reader)))
        waiting.start()
        _until_blocked(client)
        client.delete("s")
        waiting.join(timeout=10)
        assert outcome == [[]]
        client.xadd("s", {"n": "3"})
        assert [values for _, values in reader.read()] == [{"n": "3"}]
    finally:
        server.kill()


def _read_or_error(reader: StreamConsumer) -> object:
    try:
        return reader.read(block_ms=10_000)
    except redis.ResponseError as error:
        return error


def _until_blocked(client: redis.Redis) -> None:
    deadline = time.monotonic() + 10
    while int(client.info("clients")["blocked_clients"]) == 0:
        assert time.monotonic() < deadline, "the reader never blocked"
        time.sleep(0.02)

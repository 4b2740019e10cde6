"""A Redis stream read through a consumer group, at least once: each reader first takes back
its own entries a failed round left unacknowledged, then those a dead reader left (after
``claim_idle_ms``), then new ones; an entry is acknowledged and deleted only after its work is
done. What the work does with an entry seen twice is the caller's to make harmless (a unique
key, a claim)."""

from __future__ import annotations

import os
import socket
import time

import redis

Entry = tuple[str, dict[str, str]]
LOOK_BACK_SECONDS = 5.0
# Redis's errors for a stream that went away: the group is gone, or (Redis 7) the key was
# deleted while this reader waited on it.
STREAM_GONE = ("NOGROUP", "UNBLOCKED")


class StreamConsumer:
    def __init__(self, client: redis.Redis, stream: str, group: str,
                 consumer: str | None = None, claim_idle_ms: int = 30_000,
                 batch: int = 2000) -> None:
        self.redis = client
        self.stream = stream
        self.group = group
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.claim_idle_ms = claim_idle_ms
        self.batch = batch
        self._group_ready = False
        self._look_back_at = 0.0  # when to look for unacknowledged entries next

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._group_ready = True

    def read(self, block_ms: int | None = None) -> list[Entry]:
        """The next entries to work on; ``block_ms``: wait that long for new ones. Entries
        left unacknowledged (by this reader's failed round, or a dead reader) are looked for
        first, then every ``LOOK_BACK_SECONDS``: a busy stream costs one command a round."""
        self._ensure_group()
        try:
            if time.monotonic() >= self._look_back_at:
                self._look_back_at = time.monotonic() + LOOK_BACK_SECONDS
                left = self._read(0) or self._abandoned()
                if left:
                    self._look_back_at = 0.0  # there may be more: look again next round
                    return left
            return self._read(">", block_ms)
        except redis.ResponseError as error:
            if not str(error).startswith(STREAM_GONE):
                raise
            # The stream went away (a Redis restarted empty, a key deleted): start it afresh.
            self._group_ready = False
            return []

    def _read(self, start: str | int, block_ms: int | None = None) -> list[Entry]:
        """``0``: this consumer's entries read before and not acknowledged; ``>``: new ones."""
        found = self.redis.xreadgroup(self.group, self.consumer, {self.stream: start},
                                      count=self.batch, block=block_ms)
        return [entry for _, entries in found or () for entry in entries if entry[1]]

    def _abandoned(self) -> list[Entry]:
        claimed = self.redis.xautoclaim(self.stream, self.group, self.consumer,
                                        self.claim_idle_ms, start_id="0-0", count=self.batch)
        return [entry for entry in claimed[1] if entry[1]]  # deleted entries come back empty

    def failed(self) -> None:
        """The round's work failed: its entries are read again first, next round."""
        self._look_back_at = 0.0

    def done(self, entry_ids: list[str]) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.xack(self.stream, self.group, *entry_ids)
        pipe.xdel(self.stream, *entry_ids)
        pipe.execute()

    def backlog(self) -> int:
        return int(self.redis.xlen(self.stream))

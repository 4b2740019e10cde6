"""Messages that arrived while the database was down, kept in a Redis stream until it is back.

The webhook stores every message in the database before it answers. When the database cannot be
reached, the message (its fields and dedupe key) goes to this stream instead and the follower is
told it was received and will be answered; ``handlers.replay`` stores and answers each one when
the database is back (the stored message's unique dedupe key makes that exactly once, however
often an entry is read). Redis must persist for this promise to hold across a Redis restart:
run it with ``appendonly yes`` (see "Running in production" in the README).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import redis

from core.redis_store import key

STREAM = key("inbound", "pending")
MAX_ENTRIES = 100_000  # a bound on what an outage may pile up (oldest dropped beyond it)


class PendingInbox:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def keep(self, dedupe_key: str, fields: dict[str, Any]) -> None:
        """Raises ``core.redis_store.UNAVAILABLE`` errors when Redis is gone too."""
        self.redis.xadd(STREAM, {"dedupe": dedupe_key,
                                 "fields": json.dumps(fields, ensure_ascii=False)},
                        maxlen=MAX_ENTRIES, approximate=True)

    def entries(self, limit: int = 500) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(entry id, dedupe key, fields), oldest first."""
        for entry_id, values in self.redis.xrange(STREAM, count=limit):
            yield entry_id, values["dedupe"], json.loads(values["fields"])

    def done(self, entry_id: str) -> None:
        self.redis.xdel(STREAM, entry_id)

    def size(self) -> int:
        return int(self.redis.xlen(STREAM))

"""What the development tools record for the sandbox and the tests: the WeChat API emulator's
calls (messages, uploads, menus, tags) and the development SMS provider's messages.

One Redis list (the app's Redis, so every process of a run sees the same), read by
``/emulator/_records``. Only development writes to it: the emulator is never registered in
production, and the development SMS provider refuses to run there.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from core.redis_store import key

RECORD_LIMIT = 1000
RECORDS_KEY = key("emulator", "records")
COUNT_KEY = key("emulator", "record_count")
# Wakes this process's waiting long polls when it records something (a worker process's
# records are seen by the poll's next look at Redis).
recorded = threading.Condition()


def _redis() -> Any:
    from core.services import current

    return current().redis.text


def record(kind: str, payload: dict[str, Any]) -> None:
    # Each record keeps its number for good (``index``): the list keeps only the last
    # RECORD_LIMIT, and a reader's ``since`` must not shift when older ones are dropped.
    index = _redis().incr(COUNT_KEY) - 1
    entry = json.dumps({"kind": kind, "at": time.time(), **payload, "index": index},
                       ensure_ascii=False)
    pipe = _redis().pipeline()
    pipe.rpush(RECORDS_KEY, entry)
    pipe.ltrim(RECORDS_KEY, -RECORD_LIMIT, -1)
    pipe.execute()
    with recorded:
        recorded.notify_all()


def records() -> list[dict[str, Any]]:
    return [json.loads(item) for item in _redis().lrange(RECORDS_KEY, 0, -1)]


def recorded_count() -> int:
    return int(_redis().get(COUNT_KEY) or 0)

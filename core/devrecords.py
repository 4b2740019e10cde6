"""What the development tools record for the sandbox and the tests: the WeChat API emulator's
calls (messages, uploads, menus, tags) and the development SMS provider's messages.

One Redis list (the app's Redis, so every process of a run sees the same), read by
``/emulator/_records``. Only development writes to it: the emulator is never registered in
production, and the development SMS provider refuses to run there.
"""

from __future__ import annotations

import json
import time
from typing import Any

from core.redis_store import key

RECORD_LIMIT = 1000
RECORDS_KEY = key("emulator", "records")


def record(kind: str, payload: dict[str, Any]) -> None:
    from core.services import current

    entry = json.dumps({"kind": kind, "at": time.time(), **payload}, ensure_ascii=False)
    pipe = current().redis.text.pipeline()
    pipe.rpush(RECORDS_KEY, entry)
    pipe.ltrim(RECORDS_KEY, -RECORD_LIMIT, -1)
    pipe.execute()


def records() -> list[dict[str, Any]]:
    from core.services import current

    return [json.loads(item) for item in current().redis.text.lrange(RECORDS_KEY, 0, -1)]

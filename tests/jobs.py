"""Jobs the fault tests hand to a real worker process."""

from __future__ import annotations

import time

from core.replies import Text, to_payload
from core.services import current
from wechat.delivery import deliver

HOLD_KEY = "xinbao:test:hold"


def deliver_when_released(openid: str, content: str) -> None:
    """Wait while the test holds the job (so a worker can be killed mid-job), then hand the
    message to the delivery job, as every job that tells a follower something does."""
    services = current()
    deadline = time.monotonic() + 30
    while services.redis.text.exists(HOLD_KEY) and time.monotonic() < deadline:
        time.sleep(0.05)
    # A fixed delivery id: were this job run once more after sending, nothing is sent twice.
    deliver(openid, to_payload(Text(content)), f"test-hold-{openid}")

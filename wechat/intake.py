"""The webhook's Redis work in two round trips: one script on the way in, one on the way out.

In (``Intake.admit``), atomically:

1. the replay check of plain mode (a signed query string reused with another body is refused;
   ``wechat.security.ReplayCheck``);
2. the dedupe claim (``SET NX``): a retry stops here and waits for the first attempt's reply;
3. the message appended to the inbound log stream (``core.inbound_log``), which a worker writes
   into PostgreSQL in batches — the webhook commits nothing for a message no service keeps;
4. the follower's lock, taken if free (a busy follower's message waits the slow way, in
   ``core.locks``);
5. the customer-service allowance the message opens (``wechat.delivery.GRANT_LUA``);
6. the follower's small keys the handlers read on most messages (an open hand-off, a numbered
   question, the conversation cursor), handed to them through ``core.redis_store.prefetched``.

Out (``Intake.finish``): the reply kept for WeChat's retries (or the claim let go after a
failure, so that the retry runs again) and the lock released if it is still ours.

When Redis cannot be reached, ``admit`` raises ``core.redis_store.UNAVAILABLE``: the webhook
then takes the database's path (unique dedupe key, advisory lock; ``handlers.dispatch``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import redis

from core.inbound_log import LOG_MAX_ENTRIES, STREAM
from core.locks import FOLLOWER_LOCK_SECONDS, follower_lock_key
from core.redis_store import key
from wechat.dedupe import PENDING
from wechat.delivery import GRANT_LUA, CustomerServiceQuota
from wechat.security import ReplayCheck

# KEYS: replay, dedupe, lock, quota, log stream, then the keys to read.
# ARGV: replay digest ('' in safe mode), replay window, dedupe ttl, pending marker, lock token,
#       lock ms, quota kind, the log entry (JSON), the stream's bound.
_ADMIT = GRANT_LUA + """
if ARGV[1] ~= '' then
  if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
    local first = redis.call('GET', KEYS[1])
    if first and first ~= ARGV[1] then return {'replayed'} end
  end
end
if not redis.call('SET', KEYS[2], ARGV[4], 'NX', 'EX', ARGV[3]) then return {'retry'} end
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[9], '*', 'row', ARGV[8])
local locked = redis.call('SET', KEYS[3], ARGV[5], 'NX', 'PX', ARGV[6]) and 1 or 0
grant_quota(KEYS[4], ARGV[7])
local result = {'claimed', locked}
for i = 6, #KEYS do result[#result + 1] = redis.call('GET', KEYS[i]) end
return result
"""

# KEYS: dedupe, lock. ARGV: 'store' with the reply, or 'release'; dedupe ttl; lock token.
_FINISH = """
if ARGV[1] == 'store' then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
elseif ARGV[1] == 'release' then
  redis.call('DEL', KEYS[1])
end
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
return 1
"""


@dataclass
class Admission:
    """What the first round trip said. ``outcome``: "claimed" (answer it), "retry" (another
    attempt has it) or "replayed" (refuse)."""

    outcome: str
    lock_key: str = ""
    lock_token: str = ""
    locked: bool = False
    prefetched: dict[str, str | None] = field(default_factory=dict)


class Intake:
    def __init__(self, client: redis.Redis, dedupe_ttl_seconds: int) -> None:
        self.redis = client
        self.dedupe_ttl = max(dedupe_ttl_seconds, 30)
        self._admit = client.register_script(_ADMIT)
        self._finish = client.register_script(_FINISH)

    def admit(self, *, openid: str, dedupe: str, row: dict[str, Any], quota_kind: str,
              replay: ReplayCheck | None, prefetch: Sequence[str]) -> Admission:
        token = secrets.token_hex(8)
        lock_key = follower_lock_key(openid)
        keys = [replay.key if replay else key("replay", "-"), key("dedupe", dedupe), lock_key,
                CustomerServiceQuota.key_for(openid), STREAM, *prefetch]
        args = [replay.digest if replay else "", replay.window_seconds if replay else 0,
                self.dedupe_ttl, PENDING, token, FOLLOWER_LOCK_SECONDS * 1000, quota_kind,
                json.dumps(row, ensure_ascii=False), LOG_MAX_ENTRIES]
        result = self._admit(keys=keys, args=args)
        outcome = result[0]
        if outcome != "claimed":
            return Admission(outcome)
        return Admission(outcome, lock_key, token, bool(result[1]),
                         dict(zip(prefetch, result[2:], strict=True)))

    def finish(self, dedupe: str, reply_xml: str | None,
               admission: Admission | None = None) -> None:
        """``reply_xml``: the final reply retries get; None lets the claim go (a failure). The
        admission's lock is released if this message took it and still holds it."""
        held = admission is not None and admission.locked
        lock_key = admission.lock_key if held else key("lock", "-")
        token = admission.lock_token if held else ""
        verb, reply = ("store", reply_xml) if reply_xml is not None else ("release", "")
        self._finish(keys=[key("dedupe", dedupe), lock_key],
                     args=[verb, reply, self.dedupe_ttl, token])

"""Customer-service messages within WeChat's quotas, and the template-message fallback.

WeChat allows customer-service messages only after the follower interacted: up to 5 within
48 hours of a message the follower sent, and up to 3 within a minute of a menu click,
subscribe or QR scan. We count in Redis (shared by every process) and, once the quota is
spent or WeChat answers 45015/45047, send the configured template message instead.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import redis
from wechatpy.exceptions import WeChatClientException

from core.jobs import Jobs
from core.logs import hash_openid
from core.redis_store import key
from core.replies import (
    Image,
    News,
    NoReply,
    Outgoing,
    Reply,
    TemplateMessage,
    Text,
    from_payload,
    to_payload,
)
from core.services import Services, current
from core.uow import Outbox

log = logging.getLogger(__name__)

MESSAGE_ALLOWANCE = 5
MESSAGE_WINDOW_SECONDS = 48 * 3600
EVENT_ALLOWANCE = 3
EVENT_WINDOW_SECONDS = 60
QUOTA_ERRORS = frozenset({45015, 45047})

# Events after which WeChat allows 3 customer-service messages within a minute.
INTERACTION_EVENTS = frozenset({"click", "subscribe", "subscribe_scan", "scan"})

# The allowance a message (5 for 48 hours) or an interaction event (3 for a minute) opens. A
# click does not shrink a larger allowance still open from a recent message. A Lua function, so
# that the webhook's first round trip (``wechat.intake``) grants it with everything else.
GRANT_LUA = f"""
local function grant_quota(quota_key, kind)
  if kind == 'message' then
    redis.call('SET', quota_key, {MESSAGE_ALLOWANCE}, 'EX', {MESSAGE_WINDOW_SECONDS})
  elseif kind == 'event' then
    local left = tonumber(redis.call('GET', quota_key) or '0')
    if left < {EVENT_ALLOWANCE} then
      redis.call('SET', quota_key, {EVENT_ALLOWANCE}, 'EX', {EVENT_WINDOW_SECONDS})
    end
  end
end
"""
_GRANT = GRANT_LUA + "grant_quota(KEYS[1], ARGV[1])\nreturn 1\n"


def grant_kind(msg_type: str, event: str | None) -> str:
    """"message", "event" (an interaction) or "" (an event that opens nothing)."""
    if msg_type != "event":
        return "message"
    return "event" if event in INTERACTION_EVENTS else ""


# Spend one unit if any is left; atomic across processes.
_SPEND = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
if left <= 0 then return 0 end
redis.call('DECR', KEYS[1])
return 1
"""


class CustomerServiceQuota:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._spend = client.register_script(_SPEND)
        self._grant = client.register_script(_GRANT)

    @staticmethod
    def key_for(openid: str) -> str:
        return key("cs_quota", openid)

    def grant(self, openid: str, kind: str) -> None:
        """``kind`` as ``grant_kind`` says; "" grants nothing."""
        if kind:
            self._grant(keys=[self.key_for(openid)], args=[kind])

    def remaining(self, openid: str) -> int:
        return int(self.redis.get(self.key_for(openid)) or 0)

    def try_spend(self, openid: str) -> bool:
        return bool(self._spend(keys=[self.key_for(openid)]))


DELIVERED_SECONDS = 2 * 24 * 3600


def deliver(openid: str, payload: dict[str, Any], delivery_id: str | None = None) -> str:
    """Job: send one reply later. Returns how it went ("custom", "template", "dropped" or
    "already sent").

    ``delivery_id`` makes a job that runs again (a worker killed after sending, before rq
    heard it finished) send nothing the second time."""
    services = current()
    if delivery_id is not None:
        done_key = key("delivered", delivery_id)
        if services.redis.text.exists(done_key):
            return "already sent"
        outcome = _deliver_now(services, openid, from_payload(payload))
        services.redis.text.set(done_key, outcome, ex=DELIVERED_SECONDS)
        return outcome
    return _deliver_now(services, openid, from_payload(payload))


def _deliver_now(services: Services, openid: str, reply: Outgoing) -> str:
    if isinstance(reply, NoReply):
        return "dropped"
    if isinstance(reply, TemplateMessage):
        services.wechat.send_template(openid, reply.template_id,
                                      {name: {"value": value} for name, value in
                                       reply.fields.items()}, url=reply.url or None)
        return "template"
    quota = CustomerServiceQuota(services.redis.text)
    if quota.try_spend(openid):
        try:
            _send_custom(openid, reply)
            return "custom"
        except WeChatClientException as error:
            if error.errcode not in QUOTA_ERRORS:
                raise
    return _send_template(openid, reply)


def _send_custom(openid: str, reply: Reply) -> None:
    client = current().wechat
    if isinstance(reply, Text):
        client.send_text(openid, reply.content)
    elif isinstance(reply, Image):
        client.send_image(openid, reply.media_id)
    elif isinstance(reply, News):
        article = reply.article
        client.send_news(openid, {"title": article.title, "description": article.description,
                                  "url": article.url, "image": article.image})


def _send_template(openid: str, reply: Reply) -> str:
    services = current()
    template_id = services.settings.wechat.fallback_template_id
    if not template_id:
        log.warning("customer-service quota spent and no fallback template configured",
                    extra={"openid": hash_openid(openid)})
        return "dropped"
    summary = _summary(reply)
    services.wechat.send_template(
        openid,
        template_id,
        {"first": {"value": "您有一条新消息"}, "keyword1": {"value": summary},
         "remark": {"value": "回复任意文字可查看完整内容"}},
        url=reply.article.url if isinstance(reply, News) else None,
    )
    return "template"


def _summary(reply: Reply) -> str:
    if isinstance(reply, Text):
        return reply.content[:100]
    if isinstance(reply, News):
        return reply.article.title
    return "图片消息"


def deliver_later(jobs: Jobs, openid: str, reply: Outgoing) -> None:
    """Queue one message for a follower, with an id that makes its delivery once."""
    jobs.enqueue(deliver, openid, to_payload(reply), uuid.uuid4().hex)


def deliver_soon(jobs: Jobs, openid: str, reply: Outgoing) -> None:
    """Send one message from this process now (the worker answering what overload put aside:
    a queued job each would leave followers waiting behind thousands of jobs); a send that fails
    is queued as ``deliver_later`` queues it, under the same id, so it is retried and sent once."""
    payload, delivery_id = to_payload(reply), uuid.uuid4().hex
    try:
        deliver(openid, payload, delivery_id)
    except Exception:  # whatever failed (WeChat's API, the network): the queue's retries take it
        log.warning("sending failed; queued for retries", exc_info=True,
                    extra={"openid": hash_openid(openid)})
        jobs.enqueue(deliver, openid, payload, delivery_id)


def send_after_commit(outbox: Outbox, jobs: Jobs) -> None:
    """What a use case's outbox holds, handed to the jobs once the edge has committed."""
    outbox.flush(jobs.enqueue, lambda openid, reply: deliver_later(jobs, openid, reply))

"""The jobs that send a risk alert: a fan-out job, then one job per batch of deliveries.

``fan_out_alert(alert_id)`` (queued after the publishing transaction commits) writes the
delivery rows and queues ``send_alert_batch`` for each id range; a batch claims its rows, sends
each as a template message at the shared pace and records the outcome row by row
(``academy.alerts`` explains why none is sent twice or missed when a job runs twice).

The pace is ``[academy] alert_sends_per_second`` for the whole account: every worker reserves
its next send slot in one Redis key (``SendPacer``), so more workers send no faster. WeChat's
answers: 43004 (the follower unfollowed) skips the row; 45009 (the account's daily quota)
puts the claimed rows back and pauses the alert (``xinbao alerts resume``); anything else puts
them back and fails the job, which rq retries.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import redis
from flask import current_app
from sqlalchemy.orm import Session
from wechatpy.exceptions import WeChatClientException

from academy import alerts as fan
from academy.models import Alert
from core.countries import display_name
from core.redis_store import key
from core.services import Services, current
from core.workdays import in_beijing

log = logging.getLogger(__name__)

UNFOLLOWED = frozenset({43004})  # "require subscribe": the follower left
DAILY_QUOTA = frozenset({45009})  # "reach max api daily quota limit"
CLAIM_ROWS = 50  # rows a job takes at a time from its range

# Reserve the next send slot: returns the microseconds to wait for it. The key holds the
# earliest free slot (microseconds, Redis's clock), so every process shares one pace.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', 60000)
return slot - now
"""


class SendPacer:
    """At most ``per_second`` sends a second across every process."""

    def __init__(self, client: redis.Redis, per_second: float) -> None:
        self.interval = max(int(1_000_000 / per_second), 1)
        self.key = key("alerts", "pace")
        self._reserve = client.register_script(_RESERVE)

    def wait(self) -> None:
        delay = int(self._reserve(keys=[self.key], args=[self.interval]))
        if delay > 0:
            time.sleep(delay / 1_000_000)


def _settings(services: Services) -> dict[str, Any]:
    return services.settings.section("academy")


def _lease(services: Services) -> timedelta:
    return timedelta(seconds=float(_settings(services).get("alert_lease_seconds", 600)))


def fan_out_alert(alert_id: int) -> str:
    """Job: the delivery rows of the alert, then a job per batch. Safe to run again."""
    services = current()
    size = int(_settings(services).get("alert_batch_size", 500))
    with services.db.new_session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            return "no such alert"
        planned = fan.plan(session, alert)
        if alert.status in ("queued", "paused"):
            alert.status, alert.note = "sending", ""
        session.commit()
        ranges = fan.batches(session, alert_id, size, services.clock(), _lease(services))
        if not ranges:
            fan.settle(session, alert_id, services.clock())
            session.commit()
    for first, last in ranges:
        services.jobs.enqueue(send_alert_batch, alert_id, first, last)
    return f"{planned} deliveries, {len(ranges)} batches queued"


def alert_fields(alert: Alert) -> dict[str, dict[str, str]]:
    """The template message's keywords (``[academy] alert_template_id``)."""
    countries = "、".join(display_name(code) for code in alert.countries)
    # The app's template environment, without a request's context processors (a job has none).
    remark = current_app.jinja_env.get_template("replies/academy/alert_remark.j2").render(
        alert=alert).strip()
    return {"first": {"value": alert.title}, "keyword1": {"value": countries},
            "keyword2": {"value": f"{in_beijing(alert.published_at):%Y-%m-%d}"},
            "remark": {"value": remark}}


def send_alert_batch(alert_id: int, first: int, last: int) -> str:
    """Job: send the deliveries of ``alert_id`` with ids first…last still to send."""
    services = current()
    settings = _settings(services)
    pacer = SendPacer(services.redis.text, float(settings.get("alert_sends_per_second", 20)))
    template_id = str(settings.get("alert_template_id") or "")
    sent = 0
    with services.db.new_session() as session:
        alert = session.get(Alert, alert_id)
        if alert is None or alert.status == "paused":
            return "not sending"
        fields = alert_fields(alert)
        url = f"{services.settings.public_url}/h5/academy/alerts/{alert.id}"
        while True:
            rows = fan.claim(session, alert_id, first, last, services.clock(),
                             _lease(services), CLAIM_ROWS)
            session.commit()  # the claim is ours before anything is sent
            if not rows:
                break
            following = fan.still_following(session, [row.follower_id for row in rows])
            for done, row in enumerate(rows):
                if row.follower_id not in following:
                    fan.finish(session, row.id, fan.SKIPPED, services.clock(), "unfollowed")
                    session.commit()
                    continue
                pacer.wait()
                try:
                    services.wechat.send_template(row.openid, template_id, fields, url=url)
                except WeChatClientException as error:
                    if error.errcode in UNFOLLOWED:
                        fan.finish(session, row.id, fan.SKIPPED, services.clock(), "unfollowed")
                        session.commit()
                        continue
                    _stop(session, alert, [r.id for r in rows[done:]], error)
                    if error.errcode in DAILY_QUOTA:
                        return "paused: daily quota"
                    raise
                except Exception as error:
                    _stop(session, alert, [r.id for r in rows[done:]], error)
                    raise
                fan.finish(session, row.id, fan.SENT, services.clock())
                session.commit()
                sent += 1
        fan.settle(session, alert_id, services.clock())
        session.commit()
    return f"{sent} sent"


def _stop(session: Session, alert: Alert, unsent: list[int], error: Exception) -> None:
    """Put the rows not sent back; on the daily quota, pause the alert."""
    session.rollback()
    fan.release(session, unsent)
    if isinstance(error, WeChatClientException) and error.errcode in DAILY_QUOTA:
        alert.status, alert.note = "paused", "WeChat daily quota (45009)"
    log.warning("alert %s: stopped with %s rows unsent (%s)", alert.id, len(unsent),
                type(error).__name__)
    session.commit()

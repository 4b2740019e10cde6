"""Answer the messages that arrived while the database was down (``core.inbox``).

Each kept message goes through the dispatcher as if it had just arrived: stored (the inbound
log may have stored it already), handled, and its answer sent as a customer-service message.
Once: a claim in Redis per kept message (``replayed:<dedupe key>``) is taken before it is
handled and let go only when the database still cannot take it. ``xinbao worker`` runs this
every few seconds; it stops at the first message the database still cannot take and leaves the
rest for the next round.
"""

from __future__ import annotations

import logging

from flask import Flask

from core.inbox import PendingInbox
from core.redis_store import key
from core.replies import NoReply
from core.services import current
from wechat.delivery import deliver_later
from wechat.parsing import message_from_fields

log = logging.getLogger(__name__)

REPLAYED_SECONDS = 7 * 24 * 3600  # longer than any outage the inbox is meant to bridge


def drain_pending_messages(app: Flask, limit: int = 500) -> int:
    """Store and answer the kept messages, oldest first; returns how many were answered."""
    answered = 0
    with app.app_context():
        services = current()
        inbox = PendingInbox(services.redis.text)
        dispatcher = app.extensions["xinbao.dispatcher"]
        for entry_id, dedupe_key, fields in inbox.entries(limit):
            try:
                msg = message_from_fields(fields)
            except (KeyError, AttributeError, TypeError):
                log.error("a kept message could not be read; dropped")
                inbox.done(entry_id)
                continue
            claim = key("replayed", dedupe_key)
            if not services.redis.text.set(claim, "1", nx=True, ex=REPLAYED_SECONDS):
                inbox.done(entry_id)  # answered by an earlier round that stopped short
                continue
            try:
                answer = dispatcher.dispatch(msg, fields, dedupe_key, services, claimed=True,
                                             replay=True)
            finally:
                services.db.remove()
            if not answer.final:
                services.redis.text.delete(claim)
                break  # the database is still away, or the follower busy: next round
            if not isinstance(answer.reply, NoReply):
                deliver_later(services.jobs, msg.source, answer.reply)
                answered += 1
            inbox.done(entry_id)
    return answered

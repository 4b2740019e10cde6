"""One message in, one Reply out: store it, understand it, route it, commit, then send the rest.

The order, fixed and the same for every service:

1. an event that is not a menu tap (subscribe, scan, unsubscribe, a location report) by its type;
2. the conversation the follower is in (``handlers.conversations``: its question, its control
   words, a menu tap or another service's words, the step's answer);
3. what the message asks for: a menu key, or the intents the services declared (words, commands
   with an argument, patterns — ``core.intents``);
4. a conversation Redis lost (its draft row), for a message nothing else claims;
5. the fallback for the message type.

This is the single error boundary of the chat: a handler that raises is logged (openid hashed)
and the follower gets a polite apology, never silence. The transaction is committed once, after
the handler; jobs and later messages the handler asked for are handed over only after that.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import LockError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage

from core.conversation import MenuTap, as_text
from core.intents import IntentRouter
from core.locks import follower_lock
from core.logs import hash_openid
from core.models import InboundMessage, utcnow
from core.replies import NoReply, Reply, Text, split_text, to_payload
from core.services import Services
from handlers.context import Ctx, Handler, render
from handlers.conversations import Conversations
from handlers.inputs import input_of
from wechat.delivery import CustomerServiceQuota, deliver

log = logging.getLogger(__name__)

# Events after which WeChat allows 3 customer-service messages within a minute.
INTERACTION_EVENTS = frozenset({"click", "subscribe", "subscribe_scan", "scan"})


class Dispatcher:
    def __init__(self, router: IntentRouter, handlers: dict[str, Handler],
                 events: dict[str, Handler], fallbacks: dict[str, Handler], default: Handler,
                 conversations: Conversations) -> None:
        self.router = router
        self.handlers = handlers
        self.events = events
        self.fallbacks = fallbacks
        self.default = default
        self.conversations = conversations

    def dispatch(self, msg: BaseMessage, fields: dict[str, Any], dedupe_key: str,
                 services: Services) -> Reply:
        openid = msg.source
        session = services.db.session
        try:
            with follower_lock(services.redis.text, openid):
                _store_inbound(session, msg, fields, dedupe_key)
                _grant_quota(services, msg)
                ctx = Ctx(msg=msg, input=input_of(msg), openid=openid, db=session,
                          services=services, now=services.clock(),
                          conversations=self.conversations)
                reply = self.answer(ctx)
                session.commit()
        except LockError:
            log.warning("follower busy", extra={"openid": hash_openid(openid)})
            return Text(render("busy.j2"))
        except Exception:
            session.rollback()
            log.exception("handler failed", extra={"openid": hash_openid(openid),
                                                   "msg_type": msg.type})
            return Text(render("error.j2"))
        ctx.uow.outbox.flush(services.jobs.enqueue,
                             lambda to, later: services.jobs.enqueue(deliver, to,
                                                                     to_payload(later)))
        return self._finish(reply, ctx)

    def answer(self, ctx: Ctx) -> Reply:
        given = ctx.input
        if isinstance(given, MenuTap):
            ctx.understood = self.router.for_menu(given.key)
        elif (words := as_text(given)) is not None:
            ctx.understood = self.router.understand(words)
        if ctx.msg.type == "event" and not isinstance(given, MenuTap):
            return self.events.get(ctx.msg.event, self.default)(ctx.msg, ctx)
        active = self.conversations.find(ctx)
        if active is None and ctx.understood is None and not isinstance(given, MenuTap):
            active = self.conversations.find(ctx, recover=True)
        if active is not None:
            reply = self.conversations.handle(ctx, active)
            if reply is not None:
                return reply
        if ctx.understood is not None:
            return self.handlers[ctx.understood.intent.name](ctx.msg, ctx)
        return self.fallbacks.get(ctx.msg.type, self.default)(ctx.msg, ctx)

    def _finish(self, reply: Reply, ctx: Ctx) -> Reply:
        """Prepend notices; a text too long for one reply continues as later messages."""
        later: list[Reply] = []
        if ctx.notices:
            notice = "\n".join(ctx.notices)
            if isinstance(reply, Text):
                reply = Text(f"{notice}\n\n{reply.content}")
            elif isinstance(reply, NoReply):
                reply = Text(notice)
            else:
                later.append(Text(notice))
        if isinstance(reply, Text):
            first, *rest = split_text(reply.content) or [""]
            later += [Text(part) for part in rest]
            reply = Text(first)
        for part in later:
            ctx.services.jobs.enqueue(deliver, ctx.openid, to_payload(part))
        return reply


def _store_inbound(session: Session, msg: BaseMessage, fields: dict[str, Any],
                   dedupe_key: str) -> None:
    """Saved and committed before any handler runs: nothing a follower sent is lost.

    A prebuilt Core INSERT on the table, not the ORM: this runs for every message, needs no
    object back, and the ORM's insert path was a third of the webhook's CPU time.
    """
    try:
        session.execute(
            _INSERT_INBOUND,
            {
                "dedupe_key": dedupe_key,
                "openid": msg.source,
                "msg_type": str(fields.get("MsgType", msg.type))[:32],
                "event": getattr(msg, "event", None) or None,
                "content": fields.get("Content"),
                "payload": {k: v for k, v in fields.items() if isinstance(v, str)},
                "created_at": utcnow(),
            },
        )
        session.commit()
    except IntegrityError:  # already stored by an attempt that timed out before replying
        session.rollback()


_INSERT_INBOUND = InboundMessage.__table__.insert()


def _grant_quota(services: Services, msg: BaseMessage) -> None:
    quota = CustomerServiceQuota(services.redis.text)
    if msg.type != "event":
        quota.grant_for_message(msg.source)
    elif msg.event in INTERACTION_EVENTS:
        quota.grant_for_event(msg.source)


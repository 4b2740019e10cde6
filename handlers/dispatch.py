"""One message in, one Reply out: follower, storage, conversation, route, errors, long text.

This is the single error boundary of the chat: a handler that raises is logged (openid
hashed) and the follower gets a polite apology, never silence.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from redis.exceptions import LockError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage

from core.conversation import (
    ConversationStore,
    End,
    Flow,
    Goto,
    Stay,
    classify_control_word,
)
from core.logs import hash_openid
from core.models import InboundMessage, utcnow
from core.replies import NoReply, Reply, Text, split_text
from core.services import Services
from handlers.context import Ctx, render
from handlers.routing import Router
from wechat.delivery import CustomerServiceQuota

log = logging.getLogger(__name__)

# Events after which WeChat allows 3 customer-service messages within a minute.
INTERACTION_EVENTS = frozenset({"click", "subscribe", "subscribe_scan", "scan"})


class Dispatcher:
    def __init__(self, router: Router, flows: dict[str, Flow]) -> None:
        self.router = router
        self.flows = flows

    def dispatch(self, msg: BaseMessage, fields: dict[str, Any], dedupe_key: str,
                 services: Services) -> Reply:
        openid = msg.source
        store = ConversationStore(
            services.redis.text,
            timedelta(seconds=int(services.settings.section("conversation")["timeout_seconds"])),
        )
        session = services.db.session
        try:
            with store.user_lock(openid):
                _store_inbound(session, msg, fields, dedupe_key)
                _grant_quota(services, msg)
                ctx = Ctx(msg=msg, openid=openid, db=session, services=services,
                          conversations=store, now=services.clock())
                reply = self._answer(msg, ctx)
                session.commit()
        except LockError:
            log.warning("follower busy", extra={"openid": hash_openid(openid)})
            return Text(render("busy.j2"))
        except Exception:
            session.rollback()
            log.exception("handler failed", extra={"openid": hash_openid(openid),
                                                   "msg_type": msg.type})
            return Text(render("error.j2"))
        return self._finish(reply, ctx)

    def _answer(self, msg: BaseMessage, ctx: Ctx) -> Reply:
        conversation = ctx.conversations.load(ctx.openid)
        if conversation is not None and conversation.deadline < ctx.now:
            ctx.conversations.clear(ctx.openid)
            flow = self.flows.get(conversation.flow)
            minutes = int(ctx.conversations.timeout.total_seconds() // 60)
            ctx.notices.append(render("conversation_expired.j2",
                                      title=flow.title if flow else "", minutes=minutes))
            conversation = None
        if conversation is not None and msg.type == "text" and conversation.flow in self.flows:
            ctx.conversation = conversation
            return self._continue(msg.content or "", ctx, self.flows[conversation.flow])
        resolved = self.router.resolve(msg)
        ctx.match = resolved.match
        return resolved.handler(msg, ctx)

    def _continue(self, text: str, ctx: Ctx, flow: Flow) -> Reply:
        conversation = ctx.conversation
        assert conversation is not None
        step = flow.step(conversation.state)
        control = classify_control_word(text)
        if control == "cancel":
            ctx.conversations.clear(ctx.openid)
            return ctx.text("conversation_cancelled.j2", title=flow.title)
        if control == "help":
            ctx.conversations.save(ctx.openid, conversation, ctx.now)
            return ctx.text("conversation_help.j2", title=flow.title,
                            prompt=step.prompt(ctx, conversation.data))
        if control == "back":
            if conversation.history:
                conversation.state = conversation.history.pop()
            ctx.conversations.save(ctx.openid, conversation, ctx.now)
            return Text(flow.step(conversation.state).prompt(ctx, conversation.data))
        result = step.accept(text.strip(), ctx, conversation.data)
        if isinstance(result, Stay):
            ctx.conversations.save(ctx.openid, conversation, ctx.now)
            return ctx.text("conversation_retry.j2", hint=result.hint)
        if isinstance(result, Goto):
            conversation.history.append(conversation.state)
            conversation.state = result.state.value
            ctx.conversations.save(ctx.openid, conversation, ctx.now)
            prompt = flow.step(conversation.state).prompt(ctx, conversation.data)
            return Text("\n".join(part for part in (result.message, prompt) if part))
        assert isinstance(result, End)
        ctx.conversations.clear(ctx.openid)
        if result.reply is not None:
            return result.reply  # type: ignore[return-value]
        return Text(result.message)

    def _finish(self, reply: Reply, ctx: Ctx) -> Reply:
        """Prepend notices; a text too long for one reply continues as later messages."""
        if ctx.notices:
            notice = "\n".join(ctx.notices)
            if isinstance(reply, Text):
                reply = Text(f"{notice}\n\n{reply.content}")
            elif isinstance(reply, NoReply):
                reply = Text(notice)
            else:
                ctx.send_later(Text(notice))
        if isinstance(reply, Text):
            first, *rest = split_text(reply.content) or [""]
            for part in rest:
                ctx.send_later(Text(part))
            reply = Text(first)
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

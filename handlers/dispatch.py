"""One message in, one Reply out: store it, understand it, route it, commit, then send the rest.

The order, fixed and the same for every service:

1. an event that is not a menu tap (subscribe, scan, unsubscribe, a location report) by its type;
2. what holds the follower's next message (``HOLDS``): an open hand-off to a person, a
   numbered question waiting for its number;
3. the conversation the follower is in (``handlers.conversations``: its question, its control
   words, a menu tap or another service's words, the step's answer);
4. what the message asks for: a menu key, or the intents the services declared (words, commands
   with an argument, patterns — ``core.intents``), read a second time by ``REFINE`` (a command
   whose "argument" is a question: "账期多长" asks about 账期);
5. a conversation Redis lost (its draft row), for a message nothing else claims;
6. the fallback for the message type (for text: the knowledge base, ``handlers.kb``).

This is the single error boundary of the chat: a handler that raises is logged (openid hashed)
and the follower gets a polite apology, never silence. The transaction is committed once, after
the handler; jobs and later messages the handler asked for are handed over only after that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from redis.exceptions import LockError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wechatpy.messages import BaseMessage

from core.conversation import MenuTap, as_text
from core.db import UNAVAILABLE as DATABASE_UNAVAILABLE
from core.db import is_disconnect
from core.inbox import PendingInbox
from core.intents import IntentRouter, Understood
from core.locks import FollowerLocks
from core.logs import hash_openid
from core.models import InboundMessage, utcnow
from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.replies import Answer, NoReply, Reply, Text, split_text
from core.services import Services
from handlers.context import Ctx, Handler, render
from handlers.conversations import Conversations
from handlers.inputs import input_of
from wechat.delivery import CustomerServiceQuota, deliver_later, grant_kind, send_after_commit
from wechat.inbound import log_row
from wechat.intake import Admission

log = logging.getLogger(__name__)

Hold = Callable[[Ctx], "Reply | None"]
Refine = Callable[[str, "Understood | None", Ctx], "Understood | None"]


class Dispatcher:
    def __init__(self, router: IntentRouter, handlers: dict[str, Handler],
                 events: dict[str, Handler], fallbacks: dict[str, Handler], default: Handler,
                 conversations: Conversations, locks: FollowerLocks,
                 holds: Sequence[Hold] = (), refine: Refine | None = None,
                 prefetch: Sequence[Callable[[str], str]] = ()) -> None:
        self.router = router
        self.handlers = handlers
        self.events = events
        self.fallbacks = fallbacks
        self.default = default
        self.conversations = conversations
        self.locks = locks
        self.holds = tuple(holds)
        self.refine = refine
        self.prefetch = tuple(prefetch)

    def dispatch(self, msg: BaseMessage, fields: dict[str, Any], dedupe_key: str,
                 services: Services, claimed: bool = False, replay: bool = False,
                 admission: Admission | None = None) -> Answer:
        """Answer the message; what the follower is told is true: "saved" only after what
        they submitted was committed, and a failure is never the answer a retry receives.

        ``admission``: the webhook's first Redis round trip claimed the message, logged it (it
        reaches ``inbound_messages`` behind, ``core.inbound_log``), perhaps took the
        follower's lock and granted the customer-service allowance. Without one (Redis away,
        or a kept message replayed) the message is stored here first, and ``claimed`` says
        whether Redis's dedupe asked for it to be answered even if it is stored already (an
        earlier attempt failed and let go); a message stored before was answered before.
        ``replay``: a message kept while the database was down (``handlers.replay``)."""
        if admission is None:
            stored = self._store_first(msg, fields, dedupe_key, services, replay)
            if isinstance(stored, Answer):
                return stored
            if not stored and not claimed:  # answered before: side effects once
                return Answer(NoReply())
        for attempt in (1, 2):
            try:
                return self._handle(msg, services, admission)
            except DATABASE_UNAVAILABLE as error:
                services.db.session.rollback()
                services.db.remove()
                log.warning("database unavailable", extra={"openid": hash_openid(msg.source)})
                if admission is None:  # stored, then lost: a retry or the next round runs it
                    return Answer(Text(render("error.j2")), final=False)
                # A pooled connection a database restart broke: the pool is renewed; once more.
                if attempt == 2 or not is_disconnect(error):
                    return _keep_for_later(services, fields, dedupe_key)
        raise AssertionError("unreachable")

    def _store_first(self, msg: BaseMessage, fields: dict[str, Any], dedupe_key: str,
                     services: Services, replay: bool) -> bool | Answer:
        try:
            return _store_inbound(services.db.session,
                                  log_row(msg, fields, dedupe_key, utcnow()))
        except DATABASE_UNAVAILABLE:
            log.warning("database unavailable", extra={"openid": hash_openid(msg.source)})
            services.db.remove()
            if replay:  # still down: it stays where it is kept
                return Answer(NoReply(), final=False)
            return _keep_for_later(services, fields, dedupe_key)

    def _handle(self, msg: BaseMessage, services: Services,
                admission: Admission | None) -> Answer:
        openid = msg.source
        session = services.db.session
        try:
            with self._follower_lock(openid, session, admission):
                if admission is None:  # the webhook's round trip grants it otherwise
                    _grant_quota(services, msg)
                ctx = Ctx(msg=msg, input=input_of(msg), openid=openid, db=session,
                          services=services, now=services.clock(),
                          conversations=self.conversations)
                ctx.route = lambda understood, ctx=ctx: self.route(ctx, understood)
                reply = self.answer(ctx)
                if session().in_transaction():  # most answers read nothing, write nothing
                    session.commit()
        except LockError:
            session.rollback()
            log.warning("follower busy", extra={"openid": hash_openid(openid)})
            return Answer(Text(render("busy.j2")), final=False)
        except DATABASE_UNAVAILABLE:
            raise
        except Exception:
            session.rollback()
            log.exception("handler failed", extra={"openid": hash_openid(openid),
                                                   "msg_type": msg.type})
            return Answer(Text(render("error.j2")), final=False)
        send_after_commit(ctx.uow.outbox, services.jobs)
        return Answer(self._finish(reply, ctx))

    def _follower_lock(self, openid: str, session: Session,
                       admission: Admission | None) -> AbstractContextManager[None]:
        """Held already when the webhook's round trip took it (released by its second)."""
        if admission is not None and admission.locked:
            return nullcontext()
        return self.locks.hold(openid, session)

    def prefetch_keys(self, openid: str) -> list[str]:
        """The follower's keys most messages read: fetched in the webhook's first round trip."""
        return [self.conversations.cursors.key_for(openid),
                *(key_for(openid) for key_for in self.prefetch)]

    def answer(self, ctx: Ctx) -> Reply:
        given = ctx.input
        if isinstance(given, MenuTap):
            ctx.understood = self.router.for_menu(given.key)
        elif (words := as_text(given)) is not None:
            ctx.understood = self.router.understand(words)
            if self.refine is not None:
                ctx.understood = self.refine(words, ctx.understood, ctx)
        if ctx.msg.type == "event" and not isinstance(given, MenuTap):
            return self.events.get(ctx.msg.event, self.default)(ctx.msg, ctx)
        for hold in self.holds:
            held = hold(ctx)
            if held is not None:
                return held
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

    def route(self, ctx: Ctx, understood: Understood) -> Reply:
        """Answer as the intent's own handler (for what was found other than by the router)."""
        ctx.understood = understood
        return self.handlers[understood.intent.name](ctx.msg, ctx)

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
            deliver_later(ctx.services.jobs, ctx.openid, part)
        return reply


def _store_inbound(session: Session, row: dict[str, Any]) -> bool:
    """Saved and committed before any handler runs while Redis is away (with Redis the inbound
    log writes it behind): nothing a follower sent is lost. False when it was stored before (a
    retry). A connection the database dropped since it was pooled (a restart) is noticed
    here, on the first statement, and the insert tried once more.

    A prebuilt Core INSERT on the table, not the ORM: this runs for every such message and
    needs no object back.
    """
    row = {**row, "created_at": datetime.fromisoformat(row["created_at"])}
    for attempt in (1, 2):
        try:
            session.execute(_INSERT_INBOUND, row)
            session.commit()
            return True
        except IntegrityError:
            session.rollback()
            return False
        except DATABASE_UNAVAILABLE as error:
            session.rollback()
            if attempt == 2 or not is_disconnect(error):
                raise
    raise AssertionError("unreachable")


_INSERT_INBOUND = InboundMessage.__table__.insert()


def _keep_for_later(services: Services, fields: dict[str, Any], dedupe_key: str) -> Answer:
    """The database is down: the message waits in Redis and is answered when it is back
    (``handlers.replay``); with Redis gone too, the follower is asked to send it again."""
    try:
        PendingInbox(services.redis.text).keep(dedupe_key, fields)
    except REDIS_UNAVAILABLE:
        return Answer(Text(render("not_kept.j2")), final=False)
    return Answer(Text(render("kept_for_later.j2")))


def _grant_quota(services: Services, msg: BaseMessage) -> None:
    quota = CustomerServiceQuota(services.redis.text)
    try:
        quota.grant(msg.source, grant_kind(msg.type, getattr(msg, "event", None)))
    except REDIS_UNAVAILABLE:  # later messages fall back to the template message
        log.warning("customer-service quota not granted: Redis unavailable")


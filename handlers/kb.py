"""Text no service claims: the knowledge base answers (``kb.understand``), asks one numbered
question when two answers are close, or says it has no answer, offers the three nearest topics
and a person, and keeps the question as a gap. 人工客服 opens a hand-off ticket (``support``)
with the conversation so far; while it is open the follower's messages go to the ticket.

Two things hold the follower's next message before any conversation or service (``HOLDS``):
an open hand-off, then a numbered question waiting for its number ("1", or "都不是" — twice in
a row opens a hand-off).
"""

from __future__ import annotations

import logging
from typing import Any

from wechatpy.messages import BaseMessage

from academy import countries as country_library
from academy.manifest import COUNTRIES
from core.conversation import (
    Control,
    ImageInput,
    LocationInput,
    MenuTap,
    VoiceInput,
    as_text,
)
from core.inbound_log import unwritten
from core.intents import Understood
from core.logs import hash_openid
from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.replies import Reply
from handlers.basics import received_media
from handlers.context import Ctx, Handler
from kb.content import shipped
from kb.manifest import HANDOFF, HANDOFF_CLOSE
from kb.understand import INTENT_PREFIX, Result, Understanding, for_router
from kb.usecases import Choice, ChoiceStore, GapReason, HandoffFlag, recent_words, record_gap
from support.models import Ticket
from support.usecases import Kind, Status, close, follower_writes, open_for, open_ticket

log = logging.getLogger(__name__)

NOT_THESE = frozenset({"0", "都不是", "都不对", "都没有", "不是", "没有", "都不是的", "以上都不是",
                       "none", "none of these", "都唔系", "都不是呢"})
HANDOFF_WORDS = frozenset(HANDOFF.words)


def understanding(ctx: Ctx) -> Understanding:
    return for_router(ctx.conversations.router, shipped())


def warm() -> None:
    """At start (the manifest's ``start``): jieba's dictionary and the index are built before
    the first follower's question, not during it."""
    from core.features import features
    from handlers import build_router

    for_router(build_router(features()), shipped()).resolve("理赔要多久")


def _hours(ctx: Ctx) -> str:
    return str(ctx.settings.section("kb").get("service_hours") or "工作日")


# --- REFINE: a command whose argument is a question -------------------------------------------

def refine(words: str, understood: Understood | None, ctx: Ctx) -> Understood | None:
    """"账期多长" is not 账期 with the dates "多长": the knowledge base answers it (the
    fallback ranks it again, cheaply)."""
    if understood is None:
        return None
    engine = understanding(ctx)
    return None if engine.review(understood, engine.fold(words)) is not None else understood


# --- the fallback for text ---------------------------------------------------------------------

def answer_text(msg: BaseMessage, ctx: Ctx) -> Reply:
    text = (as_text(ctx.input) or "").strip()
    engine = understanding(ctx)
    if not text:
        return _route(ctx, Control.HELP.value)
    result = engine.resolve(text)
    if result.kind == "intent" and result.understood is not None:
        return _route_understood(ctx, result.understood)
    if result.kind == "answer":
        return serve(ctx, result.hits[0].target)
    if result.kind == "clarify":
        _offer(ctx, text, result)
        return ctx.text("kb/clarify.j2", titles=[hit.title for hit in result.hits])
    countries = ctx.conversations.router.by_name.get(COUNTRIES.name)  # None: academy off
    if countries is not None and country_library.exact(result.folded) is not None:
        # A country's name alone ("俄罗斯", "Vietnam"): its entry in the country library.
        return _route_understood(ctx, Understood(countries, "ranked", result.folded))
    record_gap(ctx.uow, ctx.openid, text, result.folded, GapReason.NONE,
               [hit.target for hit in result.hits])
    _offer(ctx, text, result)
    return ctx.text("kb/nothing.j2", text=text[:30], titles=[hit.title for hit in result.hits],
                    hours=_hours(ctx))


def answer_voice(msg: BaseMessage, ctx: Ctx) -> Reply:
    """A voice message WeChat recognised is a question like any other; without words, the
    polite answer for media."""
    if as_text(ctx.input):
        return answer_text(msg, ctx)
    return received_media(msg, ctx)


def _offer(ctx: Ctx, text: str, result: Result) -> None:
    """Remember the numbered choices for the next message (lost with Redis: the number is then
    read as a new question)."""
    choice = Choice(question=text[:500], folded=result.folded[:500],
                    targets=[hit.target for hit in result.hits])
    try:
        ChoiceStore(ctx.services.redis.text).put(ctx.openid, choice)
    except REDIS_UNAVAILABLE:
        log.warning("kb choice not kept: Redis unavailable")


def serve(ctx: Ctx, target: str) -> Reply:
    """An entry's answer (with its source and the way into its service), or the intent's own
    handler."""
    if target.startswith(INTENT_PREFIX):
        return _route(ctx, target.removeprefix(INTENT_PREFIX))
    kb = shipped()
    entry = kb.get(target)
    if entry is None:  # a choice remembered across a content change
        return ctx.text("kb/handoff_none.j2")
    return ctx.text("kb/answer.j2", answer=entry.answer, source=kb.source_of(entry),
                    way=kb.way_into(entry))


def _route(ctx: Ctx, intent_name: str) -> Reply:
    intent = ctx.conversations.router.by_name[intent_name]
    return _route_understood(ctx, Understood(intent, "ranked"))


def _route_understood(ctx: Ctx, understood: Understood) -> Reply:
    if ctx.route is None:  # only the dispatcher calls handlers
        raise RuntimeError("no route to the intents' handlers")
    return ctx.route(understood)


# --- a numbered question waiting -------------------------------------------------------------

def choice_hold(ctx: Ctx) -> Reply | None:
    store = ChoiceStore(ctx.services.redis.text)
    try:
        choice = store.get(ctx.openid)
    except REDIS_UNAVAILABLE:
        return None
    if choice is None:
        return None
    words = None if isinstance(ctx.input, MenuTap) else as_text(ctx.input)
    picked = (words or "").strip().rstrip("。.!！").casefold()
    if picked.isdigit() and 1 <= int(picked) <= len(choice.targets):
        store.clear(ctx.openid)
        return serve(ctx, choice.targets[int(picked) - 1])
    if words is not None and picked in NOT_THESE:
        return _not_these(ctx, store, choice)
    store.clear(ctx.openid)  # anything else is read afresh
    return None


def _not_these(ctx: Ctx, store: ChoiceStore, choice: Choice) -> Reply:
    if choice.misses == 0:
        record_gap(ctx.uow, ctx.openid, choice.question, choice.folded, GapReason.REJECTED,
                   choice.targets)
    choice.misses += 1
    if choice.misses >= 2:
        store.clear(ctx.openid)
        return open_handoff(ctx.msg, ctx)
    store.put(ctx.openid, choice)
    return ctx.text("kb/not_these.j2")


# --- a person ------------------------------------------------------------------------------

def open_handoff(msg: BaseMessage, ctx: Ctx) -> Reply:
    uow = ctx.uow
    existing = open_for(uow, ctx.openid, Kind.HANDOFF)
    if existing is not None:
        _flag(ctx, existing.id)
        return ctx.text("kb/handoff_already.j2", ticket_id=existing.id, hours=_hours(ctx))
    history = int(ctx.settings.section("kb").get("handoff_history", 10))
    words = recent_words(uow, ctx.openid, history, unwritten=_unwritten(ctx)) or ["转人工客服"]
    subject = next((w for w in reversed(words) if w.casefold() not in HANDOFF_WORDS
                    and w not in NOT_THESE), "转人工客服")
    ticket = open_ticket(uow, ctx.openid, Kind.HANDOFF, subject, words)
    _flag(ctx, ticket.id)
    log.info("hand-off opened", extra={"openid": hash_openid(ctx.openid), "ticket": ticket.id})
    return ctx.text("kb/handoff_opened.j2", ticket_id=ticket.id, hours=_hours(ctx))


def close_handoff(msg: BaseMessage, ctx: Ctx) -> Reply:
    ticket = open_for(ctx.uow, ctx.openid, Kind.HANDOFF)
    _unflag(ctx)
    if ticket is None:
        return ctx.text("kb/handoff_none.j2")
    close(ctx.uow, ticket, "follower")
    return ctx.text("kb/handoff_closed.j2", ticket_id=ticket.id)


def _flag(ctx: Ctx, ticket_id: int) -> None:
    try:
        HandoffFlag(ctx.services.redis.text).put(ctx.openid, ticket_id)
    except REDIS_UNAVAILABLE:  # the hold asks the database instead
        log.warning("hand-off flag not set: Redis unavailable")


def _unwritten(ctx: Ctx) -> list[dict[str, Any]]:
    """The follower's latest messages the inbound log has not written to the database yet."""
    try:
        return unwritten(ctx.services.redis.text, ctx.openid)
    except REDIS_UNAVAILABLE:  # then every message was stored at once
        return []


def _unflag(ctx: Ctx) -> None:
    try:
        HandoffFlag(ctx.services.redis.text).clear(ctx.openid)
    except REDIS_UNAVAILABLE:
        log.warning("hand-off flag not cleared: Redis unavailable")


def _open_ticket(ctx: Ctx) -> Ticket | None:
    """The follower's open hand-off: the Redis flag first (most followers have none), the
    database when Redis is away; a ticket staff closed drops the flag."""
    try:
        ticket_id = HandoffFlag(ctx.services.redis.text).get(ctx.openid)
    except REDIS_UNAVAILABLE:
        return open_for(ctx.uow, ctx.openid, Kind.HANDOFF)
    if ticket_id is None:
        return None
    ticket = ctx.db.get(Ticket, ticket_id)
    if ticket is None or ticket.status == Status.CLOSED.value or ticket.openid != ctx.openid:
        _unflag(ctx)
        return None
    return ticket


def handoff_hold(ctx: Ctx) -> Reply | None:
    """While a hand-off is open, what the follower sends goes to the ticket; a menu tap still
    opens its service, and 结束人工 ends the hand-off."""
    if isinstance(ctx.input, MenuTap):
        return None
    ticket = _open_ticket(ctx)
    if ticket is None:
        return None
    understood = ctx.understood
    if understood is not None and understood.intent.name == HANDOFF_CLOSE.name:
        return close_handoff(ctx.msg, ctx)
    if understood is not None and understood.intent.name == HANDOFF.name:
        return ctx.text("kb/handoff_already.j2", ticket_id=ticket.id, hours=_hours(ctx))
    body, media_id = _as_message(ctx)
    follower_writes(ctx.uow, ticket, body, media_id=media_id)
    return ctx.text("kb/handoff_routed.j2", ticket_id=ticket.id)


def _as_message(ctx: Ctx) -> tuple[str, str | None]:
    given = ctx.input
    if isinstance(given, ImageInput):
        return "[图片]", given.media_id
    if isinstance(given, VoiceInput):
        return given.recognition.strip() or "[语音]", given.media_id or None
    if isinstance(given, LocationInput):
        return f"[位置] {given.label}".strip(), None
    words = as_text(given)
    return (words.strip() if words and words.strip() else f"[{ctx.msg.type}]"), None


HANDLERS: dict[str, Handler] = {HANDOFF.name: open_handoff, HANDOFF_CLOSE.name: close_handoff}
FALLBACKS: dict[str, Handler] = {"text": answer_text, "voice": answer_voice}
HOLDS = (handoff_hold, choice_hold)
PREFETCH = (HandoffFlag.key_for, ChoiceStore.key_for)  # what the holds read on every message
REFINE = refine

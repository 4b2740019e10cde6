"""资信红绿灯 in the chat: "查询 NAME", "红绿灯 NAME", the menu item, 我的查询.

```mermaid
stateDiagram-v2
    [*] --> NAME: menu LIGHT_LOOKUP / 查询 / 红绿灯
    [*] --> PICK: 查询 NAME with several candidates
    NAME --> [*]: one buyer (the picture, the text follows), no data, or the quota spent
    NAME --> PICK: several candidates (numbered list)
    PICK --> [*]: a number from the list (the picture, the text follows)
    NAME --> NAME: empty or too long (hint)
    PICK --> PICK: not a number on the list (hint)
    note right of PICK: 取消 ends; a menu tap or another command ends it and is served
```

One flow, entered at NAME by the menu or at PICK by a command that found several buyers. The
lookup itself is ``lights.usecases`` — the same use case the mini-program API calls, with the
same quota and the same sentence when it is spent. A found buyer gets the picture as the passive
reply and the text as a customer-service message; when the picture is not uploaded yet and the
upload is slower than ``[lights] upload_budget_seconds``, the text is the passive reply and a
job sends the picture.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

import requests
from wechatpy.exceptions import WeChatException
from wechatpy.messages import BaseMessage

from core.conversation import End, Flow, Goto, Stay, Step, Transition, reading_text
from core.countries import display_name
from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.redis_store import key
from core.replies import Image, Reply, Text, to_payload
from core.services import Services, current
from core.workdays import beijing_day, in_beijing
from handlers.context import Ctx
from lights.links import verdict_url
from lights.picture import LightCard, render_card_cached
from lights.records import LIGHT_NAMES
from lights.service import MAX_QUERY_CHARS, MIN_QUERY_CHARS, LightResult, Lookup
from lights.service import query_problem as buyer_name_problem
from lights.usecases import QuotaSpent, Shown, Viewer, look_up_buyer, my_lookups, show_light
from wechat.media import MediaCache, UploadTooSlow

log = logging.getLogger(__name__)

PICTURE_SENT_SECONDS = 24 * 3600
QUERY_LIMITS = {"min_chars": MIN_QUERY_CHARS, "max_chars": MAX_QUERY_CHARS}  # for the hints


class LookupState(StrEnum):
    NAME = "name"
    PICK = "pick"


@dataclass
class LookupDraft:
    query: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)


def _viewer(ctx: Ctx) -> Viewer:
    return Viewer(openid=ctx.openid, channel="wechat")


# --- the picture -------------------------------------------------------------------------------

def card_of(result: LightResult) -> LightCard:
    buyer = result.buyer
    return LightCard(light=result.verdict.light, buyer_name=buyer.legal_name,
                     original_name=buyer.original_name, country_zh=buyer.country_zh,
                     hint=result.verdict.hint, as_of=buyer.as_of, sample=buyer.sample)


def _picture_now(services: Services, result: LightResult, timeout: float | None) -> str:
    """The media_id of the card: from the cache, or rendered and uploaded (may raise)."""
    media = MediaCache(services)
    media_id = media.cached(result.cache_key)
    if media_id:
        return media_id
    content = render_card_cached(card_of(result), result.cache_key, services.redis.raw)
    return media.upload(result.cache_key, f"light-{result.buyer.id}.png", content,
                        timeout=timeout)


def send_light_picture(openid: str, buyer_id: int, marker: str) -> str:
    """Job: render and upload the card if needed, then send it as a customer-service message.

    Idempotent: a marker per lookup makes a job that runs again (rq retry) send nothing new.
    """
    from lights.service import light_for
    from wechat.delivery import deliver

    services = current()
    sent_key = key("lights", "picture_sent", marker)
    if services.redis.text.exists(sent_key):
        return "already sent"
    with services.db.new_session() as session:
        result = light_for(session, buyer_id, beijing_day(services.clock()))
    if result is None:
        return "buyer gone"
    media_id = _picture_now(services, result, timeout=None)
    outcome = deliver(openid, to_payload(Image(media_id)))
    services.redis.text.set(sent_key, outcome, ex=PICTURE_SENT_SECONDS)
    return outcome


def _shown_reply(ctx: Ctx, shown: Shown, corrected_from: str = "") -> Reply:
    """The picture as the passive reply when it can be had within the budget, else the text.
    ``corrected_from``: what the follower typed, when the buyer is not what they typed."""
    result = shown.result
    url = verdict_url(ctx.settings, result.buyer.id, ctx.now)
    text = ctx.render("lights/verdict.j2", result=result, buyer=result.buyer,
                      verdict=result.verdict, url=url, corrected_from=corrected_from)
    marker = f"{ctx.openid}:{shown.record_id}"
    budget = float(ctx.settings.section("lights").get("upload_budget_seconds", 1.0))
    try:
        media_id = _picture_now(ctx.services, result, timeout=budget)
    except UploadTooSlow:
        ctx.enqueue(send_light_picture, ctx.openid, result.buyer.id, marker)
        return Text(text)
    except (WeChatException, requests.RequestException, *REDIS_UNAVAILABLE) as error:
        # WeChat refused, the network failed, or the access token's Redis is away
        log.warning("card upload failed (%s); the picture follows", type(error).__name__)
        ctx.enqueue(send_light_picture, ctx.openid, result.buyer.id, marker)
        return Text(text)
    ctx.send_later(Text(text))
    return Image(media_id)


# --- the lookup, in the flow's terms ---------------------------------------------------------

def _not_found_text(ctx: Ctx, lookup: Lookup) -> str:
    country_zh = display_name(lookup.country) if lookup.country else ""
    return ctx.render("lights/not_found.j2", query=lookup.query, country_zh=country_zh)


def _quota_spent(ctx: Ctx, spent: QuotaSpent) -> Transition:
    """The sentence every channel says (the API renders the same template)."""
    return End(ctx.render("lights/quota.j2", limit=spent.limit))


def _look_up(answer: str, ctx: Ctx, draft: LookupDraft) -> Transition:
    problem = buyer_name_problem(answer)
    if problem:
        return Stay(ctx.render("lights/hint.j2", code=problem, **QUERY_LIMITS))
    try:
        outcome = look_up_buyer(ctx.uow, _viewer(ctx), answer)
    except QuotaSpent as spent:
        return _quota_spent(ctx, spent)
    if outcome.shown is not None:
        corrected = outcome.lookup.query if outcome.lookup.corrected else ""
        return End(reply=_shown_reply(ctx, outcome.shown, corrected))
    lookup = outcome.lookup
    if lookup.candidates:
        draft.query = lookup.query
        draft.candidates = [{"id": view.id, "name": view.legal_name,
                             "original": view.original_name, "country": view.country_zh,
                             "sample": view.sample} for view in lookup.candidates]
        return Goto(LookupState.PICK)
    return End(_not_found_text(ctx, lookup))


def _pick(answer: str, ctx: Ctx, draft: LookupDraft) -> Transition:
    number = answer.rstrip("。.号")
    if not number.isdigit() or not 1 <= int(number) <= len(draft.candidates):
        return Stay(ctx.render("lights/hint.j2", code="bad_number", count=len(draft.candidates)))
    chosen = draft.candidates[int(number) - 1]
    try:
        shown = show_light(ctx.uow, _viewer(ctx), int(chosen["id"]), draft.query)
    except QuotaSpent as spent:
        return _quota_spent(ctx, spent)
    if shown is None:  # removed from the registry since the list was shown
        return End(ctx.render("lights/hint.j2", code="gone"))
    return End(reply=_shown_reply(ctx, shown))


LOOKUP_FLOW: Flow[Ctx, LookupDraft] = Flow(
    name="light_lookup",
    title="资信红绿灯",
    first=LookupState.NAME,
    draft=LookupDraft,
    form=False,
    # A list of candidates goes stale sooner than a form: the follower has moved on.
    timeout=timedelta(minutes=5),
    steps={
        LookupState.NAME: Step(lambda ctx, draft: ctx.render("lights/prompt.j2"),
                               reading_text(_look_up), label="买方名称"),
        LookupState.PICK: Step(
            lambda ctx, draft: ctx.render("lights/candidates.j2", query=draft.query,
                                          candidates=draft.candidates),
            reading_text(_pick), label="序号"),
    },
)


# --- handlers ----------------------------------------------------------------------------------

def look_up(msg: BaseMessage, ctx: Ctx) -> Reply:
    """查询 NAME / 红绿灯 NAME in one message; the menu item and 查询 alone ask for the name."""
    if not ctx.argument:
        return ctx.start(LOOKUP_FLOW)
    draft = LookupDraft()
    return ctx.conversations.begin_with(ctx, LOOKUP_FLOW, draft,
                                        _look_up(ctx.argument, ctx, draft))


def show_my_lookups(msg: BaseMessage, ctx: Ctx) -> Reply:
    rows = [{"when": in_beijing(row.created_at).strftime("%m-%d %H:%M"),
             "name": row.buyer_name or row.query, "light": LIGHT_NAMES.get(row.light, row.light)}
            for row in my_lookups(ctx.uow, ctx.openid)]
    return ctx.text("lights/my_lookups.j2", rows=rows)


HANDLERS = {"lights.look_up": look_up, "lights.my_lookups": show_my_lookups}
FLOWS = [LOOKUP_FLOW]

"""资信红绿灯 in the chat: "查询 NAME", "红绿灯 NAME", the menu item, 我的查询.

```mermaid
stateDiagram-v2
    [*] --> NAME: menu LIGHT_LOOKUP / 查询 / 红绿灯
    NAME --> [*]: one buyer (the picture, the text follows) or no data
    NAME --> PICK: several candidates (numbered list)
    [*] --> PICK: 查询 NAME with several candidates
    PICK --> [*]: a number from the list (the picture, the text follows)
    NAME --> NAME: empty or too long (hint)
    PICK --> PICK: not a number on the list (hint)
    note right of PICK: 取消 ends anywhere; 帮助 repeats the list
```

A found buyer (by 查询 NAME, in the lookup conversation or picked from the list) gets the
picture as the passive reply and the text as a customer-service message; when the picture is
not uploaded yet and the upload is slower than ``[lights] upload_budget_seconds``, the text is
the passive reply and a job sends the picture.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import requests
from wechatpy.exceptions import WeChatException
from wechatpy.messages import BaseMessage

from core.conversation import End, Flow, Goto, Stay, Step, Transition
from core.countries import display_name
from core.redis_store import key
from core.replies import Image, Reply, Text, to_payload
from core.services import Services, current
from handlers.context import Ctx
from handlers.routing import Route, on_keywords, on_menu, on_pattern
from lights.links import verdict_url
from lights.picture import LightCard, render_card_cached
from lights.records import LIGHT_NAMES
from lights.service import (
    CHINA,
    MAX_QUERY_CHARS,
    MIN_QUERY_CHARS,
    DailyQuota,
    LightResult,
    Lookup,
    china_today,
    light_for,
    look_up,
    query_problem,
    recent_lookups,
    record_lookup,
)
from menus import keys, synonyms
from wechat.media import MediaCache, UploadTooSlow

log = logging.getLogger(__name__)

PICTURE_SENT_SECONDS = 24 * 3600
FILLER_WORDS = frozenset({"一下", "一下吧", "买家", "买方", "怎么用", "说明", "功能"})

QUERY_LIMITS = {"min_chars": MIN_QUERY_CHARS, "max_chars": MAX_QUERY_CHARS}  # for the hints


class LookupState(StrEnum):
    NAME = "name"
    PICK = "pick"


# --- settings --------------------------------------------------------------------------------

def _setting(services: Services, name: str, default: Any) -> Any:
    return services.settings.section("lights").get(name, default)


def _quota(ctx: Ctx) -> DailyQuota:
    return DailyQuota.configured(ctx.services.redis.text, ctx.settings.section("lights"))


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
    from wechat.delivery import deliver

    services = current()
    sent_key = key("lights", "picture_sent", marker)
    if services.redis.text.exists(sent_key):
        return "already sent"
    with services.db.new_session() as session:
        result = light_for(session, buyer_id, china_today(services.clock()))
    if result is None:
        return "buyer gone"
    media_id = _picture_now(services, result, timeout=None)
    outcome = deliver(openid, to_payload(Image(media_id)))
    services.redis.text.set(sent_key, outcome, ex=PICTURE_SENT_SECONDS)
    return outcome


def _found_reply(ctx: Ctx, result: LightResult, marker: str) -> Reply:
    """The picture as the passive reply when it can be had within the budget, else the text."""
    text = _verdict_text(ctx, result)
    budget = float(_setting(ctx.services, "upload_budget_seconds", 1.0))
    try:
        media_id = _picture_now(ctx.services, result, timeout=budget)
    except UploadTooSlow:
        ctx.enqueue(send_light_picture, ctx.openid, result.buyer.id, marker)
        return Text(text)
    except (WeChatException, requests.RequestException) as error:
        log.warning("card upload failed (%s); the picture follows", type(error).__name__)
        ctx.enqueue(send_light_picture, ctx.openid, result.buyer.id, marker)
        return Text(text)
    ctx.send_later(Text(text))
    return Image(media_id)


# --- words -------------------------------------------------------------------------------------

def _verdict_text(ctx: Ctx, result: LightResult) -> str:
    return ctx.render("lights/verdict.j2", result=result, buyer=result.buyer,
                      verdict=result.verdict,
                      url=verdict_url(ctx.settings, result.buyer.id, ctx.services.clock()))


def _candidates_text(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx.render("lights/candidates.j2", query=data["query"], candidates=data["candidates"])


def _not_found_text(ctx: Ctx, lookup: Lookup) -> str:
    country_zh = display_name(lookup.country) if lookup.country else ""
    return ctx.render("lights/not_found.j2", query=lookup.query, country_zh=country_zh)


# --- the lookup --------------------------------------------------------------------------------

def _search(ctx: Ctx, query: str) -> Lookup | str:
    """The lookup, or the text to answer when the quota is spent."""
    today = china_today(ctx.now)
    quota = _quota(ctx)
    if not quota.take(ctx.openid, today):
        return ctx.render("lights/quota.j2", limit=quota.limit)
    return look_up(ctx.db, query, today, limit=int(_setting(ctx.services, "candidates", 5)))


def _found(ctx: Ctx, query: str, result: LightResult) -> str:
    """Record a found buyer; returns the marker of this lookup (for the picture job)."""
    row = record_lookup(ctx.db, ctx.openid, query, result, ctx.now)
    ctx.db.commit()
    return f"{ctx.openid}:{row.id}"


def _not_found(ctx: Ctx, lookup: Lookup) -> str:
    record_lookup(ctx.db, ctx.openid, lookup.query, None, ctx.now)
    ctx.db.commit()
    return _not_found_text(ctx, lookup)


def _pick_data(lookup: Lookup) -> dict[str, Any]:
    return {"query": lookup.query, "candidates": [
        {"id": view.id, "name": view.legal_name, "original": view.original_name,
         "country": view.country_zh, "sample": view.sample} for view in lookup.candidates]}


def lookup_command(msg: BaseMessage, ctx: Ctx) -> Reply:
    """查询 NAME / 红绿灯 NAME."""
    assert ctx.match is not None
    query = ctx.match.group("name").strip()
    if query in FILLER_WORDS or synonyms.load().key_for(msg.content or "") == keys.LIGHT_LOOKUP:
        return start_lookup(msg, ctx)  # "红绿灯服务", "查询一下": the service, not a buyer
    problem = query_problem(query)
    if problem:
        return ctx.text("lights/hint.j2", code=problem, **QUERY_LIMITS)
    lookup = _search(ctx, query)
    if isinstance(lookup, str):
        return Text(lookup)
    if lookup.found is not None:
        marker = _found(ctx, query, lookup.found)
        return _found_reply(ctx, lookup.found, marker)
    if lookup.candidates:
        return ctx.start(PICK_FLOW, _pick_data(lookup))
    return Text(_not_found(ctx, lookup))


def start_lookup(msg: BaseMessage, ctx: Ctx) -> Reply:
    """The menu item (and 查询 / 红绿灯 alone): ask for the name."""
    return ctx.start(LOOKUP_FLOW)


def _china_time(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; we store UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%m-%d %H:%M")


def my_lookups(msg: BaseMessage, ctx: Ctx) -> Reply:
    rows = [{"when": _china_time(row.created_at),
             "name": row.buyer_name or row.query, "light": LIGHT_NAMES.get(row.light, row.light)}
            for row in recent_lookups(ctx.db, ctx.openid)]
    return ctx.text("lights/my_lookups.j2", rows=rows)


# --- the conversation --------------------------------------------------------------------------

def _accept_name(answer: str, ctx: Ctx, data: dict[str, Any]) -> Transition:
    for prefix in ("查询", "红绿灯"):  # "查询 ACME" typed while being asked for a name
        answer = answer.removeprefix(prefix).strip(" :：")
    problem = query_problem(answer)
    if problem:
        return Stay(ctx.render("lights/hint.j2", code=problem, **QUERY_LIMITS))
    lookup = _search(ctx, answer)
    if isinstance(lookup, str):
        return End(lookup)
    if lookup.found is not None:
        marker = _found(ctx, answer, lookup.found)
        return End(reply=_found_reply(ctx, lookup.found, marker))
    if lookup.candidates:
        data.update(_pick_data(lookup))
        return Goto(LookupState.PICK)
    return End(_not_found(ctx, lookup))


def _accept_pick(answer: str, ctx: Ctx, data: dict[str, Any]) -> Transition:
    candidates = data.get("candidates", [])
    number = answer.strip().rstrip("。.号")
    if not number.isdigit() or not 1 <= int(number) <= len(candidates):
        return Stay(ctx.render("lights/hint.j2", code="bad_number", count=len(candidates)))
    chosen = candidates[int(number) - 1]
    result = light_for(ctx.db, chosen["id"], china_today(ctx.now))
    if result is None:  # removed from the registry since the list was shown
        return End(ctx.render("lights/hint.j2", code="gone"))
    marker = _found(ctx, data.get("query", ""), result)
    return End(reply=_found_reply(ctx, result, marker))


def _prompt_name(ctx: Ctx, data: dict[str, Any]) -> str:
    return ctx.render("lights/prompt.j2")


def _prompt_pick(ctx: Ctx, data: dict[str, Any]) -> str:
    return _candidates_text(ctx, data)


PICK_STEP: Step[Ctx] = Step(_prompt_pick, _accept_pick)

LOOKUP_FLOW: Flow[Ctx] = Flow(
    name="light_lookup",
    title="资信红绿灯",
    first=LookupState.NAME,
    steps={LookupState.NAME: Step(_prompt_name, _accept_name), LookupState.PICK: PICK_STEP},
)
PICK_FLOW: Flow[Ctx] = Flow(
    name="light_pick",
    title="资信红绿灯",
    first=LookupState.PICK,
    steps={LookupState.PICK: PICK_STEP},
)

# "查询 ACME GmbH", "红绿灯：山田電気", "查询ACME 德国"; not "查询理赔进度" (other services).
LOOKUP_PATTERN = (r"(?:查询|红绿灯|查买家|查买方)\s*[:：]?\s*"
                  r"(?!理赔|索赔|保单|进度|贷款|续保|网点)(?P<name>\S.*)")

ROUTES: list[Route] = [
    on_menu(keys.LIGHT_LOOKUP, start_lookup),
    on_menu(keys.MY_LOOKUPS, my_lookups),
    on_pattern(LOOKUP_PATTERN, lookup_command),
    *on_keywords(["我的查询", "查询记录", "查询历史"], my_lookups),
]
FLOWS = [LOOKUP_FLOW, PICK_FLOW]

"""Subscription events, help, and the polite defaults for everything else."""

from __future__ import annotations

from wechatpy.messages import BaseMessage

from core.conversation import CANCEL_WORDS
from core.replies import NoReply, Reply
from followers import subscriptions
from handlers.context import Ctx
from handlers.routing import Handler, Route, on_event, on_keywords, on_menu
from lights.service import MY_LOOKUPS
from menus import keys


def welcome(msg: BaseMessage, ctx: Ctx) -> Reply:
    scene = getattr(msg, "scene_id", None) or None
    returning = subscriptions.subscribe(ctx.db, ctx.follower, scene, ctx.now)
    return ctx.text("welcome.j2", returning=returning,
                    account_name=ctx.settings.wechat.account_name)


def scanned(msg: BaseMessage, ctx: Ctx) -> Reply:
    subscriptions.scan(ctx.db, ctx.follower, getattr(msg, "scene_id", None) or None, ctx.now)
    return ctx.text("scanned.j2", account_name=ctx.settings.wechat.account_name)


def farewell(msg: BaseMessage, ctx: Ctx) -> Reply:
    subscriptions.unsubscribe(ctx.db, ctx.follower, ctx.now)
    return NoReply()  # WeChat shows nothing to someone who has just left


def show_help(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("help.j2", my_lookups=MY_LOOKUPS)


def nothing_to_cancel(msg: BaseMessage, ctx: Ctx) -> Reply:
    """取消 with no conversation open (inside one, the conversation takes the word first)."""
    return ctx.text("nothing_to_cancel.j2")


def silent(msg: BaseMessage, ctx: Ctx) -> Reply:
    return NoReply()


def location_reported(msg: BaseMessage, ctx: Ctx) -> Reply:
    # The periodic location report arrives without the follower doing anything: stay quiet.
    return NoReply()


def unknown_text(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("fallback_text.j2", text=(msg.content or "").strip()[:20])


def received_media(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("fallback_media.j2", kind=msg.type)


def received_location(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("fallback_location.j2", label=getattr(msg, "label", "") or "")


def polite_default(msg: BaseMessage, ctx: Ctx) -> Reply:
    """Unknown message types (file, future types) and events we have no handler for."""
    if msg.type == "event":
        return NoReply()
    return ctx.text("fallback_other.j2")


ROUTES: list[Route] = [
    on_event("subscribe", welcome),
    on_event("subscribe_scan", welcome),
    on_event("scan", scanned),
    on_event("unsubscribe", farewell),
    on_event("location", location_reported),
    on_event("view", silent),
    on_event("view_miniprogram", silent),
    on_event("templatesendjobfinish", silent),
    on_event("masssendjobfinish", silent),
    on_menu(keys.HELP, show_help),
    *on_keywords(["帮助", "菜单", "help", "menu", "?", "？", "你好", "您好", "hi", "hello"],
                 show_help),
    *on_keywords(sorted(CANCEL_WORDS), nothing_to_cancel),
]
FLOWS: list = []

FALLBACKS: dict[str, Handler] = {
    "text": unknown_text,
    "image": received_media,
    "voice": received_media,
    "video": received_media,
    "shortvideo": received_media,
    "location": received_location,
    "link": received_media,
    "miniprogrampage": received_media,
}

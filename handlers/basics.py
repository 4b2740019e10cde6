"""Following and unfollowing, help, the words that work in every conversation, and the polite
answers for everything no service claims (text no service claims goes to the knowledge base:
``handlers.kb``)."""

from __future__ import annotations

from wechatpy.messages import BaseMessage

from core.conversation import Control
from core.replies import NoReply, Reply
from followers import subscriptions
from handlers.context import Ctx, Handler
from lights.service import MY_LOOKUPS


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
    ctx.conversations.leave_all(ctx)  # a pick list does not wait for a follower who left
    return NoReply()  # WeChat shows nothing to someone who has just left


def show_help(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("help.j2", my_lookups=MY_LOOKUPS)


def nothing_to_leave(msg: BaseMessage, ctx: Ctx) -> Reply:
    """取消 / 返回 with no conversation open (inside one, the conversation takes the word)."""
    return ctx.text("nothing_to_cancel.j2")


def resume(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.conversations.resume(ctx)


def silent(msg: BaseMessage, ctx: Ctx) -> Reply:
    return NoReply()


def received_media(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("fallback_media.j2", kind=msg.type)


def polite_default(msg: BaseMessage, ctx: Ctx) -> Reply:
    """Unknown message types (file, future types) and events we have no handler for."""
    if msg.type == "event":
        return NoReply()
    return ctx.text("fallback_other.j2")


HANDLERS: dict[str, Handler] = {
    Control.HELP: show_help,
    Control.CANCEL: nothing_to_leave,
    Control.BACK: nothing_to_leave,
    Control.RESUME: resume,
}
EVENTS: dict[str, Handler] = {
    "subscribe": welcome,
    "subscribe_scan": welcome,
    "scan": scanned,
    "unsubscribe": farewell,
    # The periodic location report arrives without the follower doing anything: stay quiet.
    "location": silent,
    "view": silent,
    "view_miniprogram": silent,
    "templatesendjobfinish": silent,
    "masssendjobfinish": silent,
}
FALLBACKS: dict[str, Handler] = {
    "image": received_media,
    "video": received_media,
    "shortvideo": received_media,
    "link": received_media,
    "miniprogrampage": received_media,
}
DEFAULT = polite_default

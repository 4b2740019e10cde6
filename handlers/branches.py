"""营业机构 in the chat: the list, the branch for a place the follower names, and the branch
for a location the follower sends (a location message, or a ``location_select`` menu button).
"""

from __future__ import annotations

import re
from typing import Any

from wechatpy.messages import BaseMessage

import branches
from branches.gazetteer import fold
from core.conversation import LocationInput
from core.countries import display_name
from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.replies import NoReply, Reply
from handlers.context import Ctx, Handler

# Words of a branch question that name no place: what is left after them is a place we did not
# recognise ("网点 火星" → 火星), or nothing ("网点在哪里").
_QUESTION_WORDS = re.compile(
    "|".join(sorted((
        "中国信保", "营业机构", "营业部", "分公司", "支公司", "办事处", "机构", "网点",
        "联系方式", "联系", "电话", "地址", "邮箱", "在哪里", "在哪儿", "在哪", "哪里", "哪儿",
        "哪个", "哪家", "哪", "去", "到", "找", "我们", "我", "您", "你", "在", "的", "有", "吗",
        "呢", "啊", "吧", "办理", "投保", "线下", "业务", "归", "管", "负责", "附近", "最近",
        "请问", "查询", "查", "一下", "是", "什么", "号码", "多少", "怎么", "可以", "能",
        "谁", "和", "或", "及", "里", "边", "省", "市", "区", "县", "多少家", "几家", "几个",
        "一共", "总共",
    ), key=len, reverse=True))
    + r"|\b(?:branch(?:es)?|offices?|sinosure|in|near|for|at|the|where|is|which|my|of|a)\b",
    re.IGNORECASE)
_NOT_WORDS = re.compile(r"[\s\W_]+")
# How long a location_select tap and the location message WeChat sends with it are taken for
# one question (answered once).
LOCATION_PAIR_SECONDS = 60


def follower_branch(ctx: Ctx) -> dict[str, Any]:
    """The follower's own branch, when the profile names the province (and city)."""
    follower = ctx.follower
    if not follower.province:
        return {"branch": None, "place": ""}
    found = branches.for_region(follower.province, follower.city)
    if found is None or found.branch is None:
        return {"branch": None, "place": ""}
    return {"branch": found.branch, "place": found.place.label}


def branch_list(msg: BaseMessage, ctx: Ctx) -> Reply:
    mine = follower_branch(ctx)
    return ctx.text("services/branches.j2", branches=branches.all_branches(),
                    mine=mine if mine["branch"] else None)


def branch_lookup(msg: BaseMessage, ctx: Ctx) -> Reply:
    """"网点 温州", "温州归哪个分公司管": the branch for the place named. No place named: the
    follower's own (from the profile) and the list; words that are no place: said so."""
    text = ctx.argument or ""
    found = branches.look_up(text)
    if found is None:
        unknown = _NOT_WORDS.sub("", _QUESTION_WORDS.sub("", fold(text)))
        if len(unknown) < 2:
            return branch_list(msg, ctx)
        # "信保贷去哪里办理": what is left names another service, not a place.
        other = ctx.conversations.router.understand(unknown)
        if other is not None and other.intent.service != "branches":
            return ctx.text("services/branch_other_service.j2", words=unknown[:20],
                            title=other.intent.title)
        return ctx.text("services/branch_unknown.j2", words=unknown[:20])
    if len(found.options) > 1:
        return ctx.text("services/branch_choose.j2", found=found)
    return _answer(ctx, found.options[0], typed=found.typed, guessed=found.guessed)


def _answer(ctx: Ctx, option: branches.PlaceBranch, **lead: Any) -> Reply:
    template = "services/branch_found.j2" if option.branch else "services/branch_unlisted.j2"
    return ctx.text(template, option=option, place=option.place, branch=option.branch, **lead)


def branch_at_location(msg: BaseMessage, ctx: Ctx) -> Reply:
    """A location the follower sent: the branch for where it is."""
    given = ctx.input
    if not isinstance(given, LocationInput):  # a location_select without its position
        return NoReply()
    if _answered_as_pair(ctx, given, select=msg.type == "event"):
        return NoReply()
    located = branches.locate(given.latitude, given.longitude, given.label)
    if located is None:
        return ctx.text("services/branch_unreadable.j2")
    if located.found is None:
        mine = follower_branch(ctx)
        return ctx.text("services/branch_abroad.j2", label=given.label,
                        country=display_name(located.country), egypt=located.country == "EG",
                        mine=mine if mine["branch"] else None)
    return _answer(ctx, located.found, label=given.label, km=located.km,
                   by_label=located.by_label, at_location=True)


def _answered_as_pair(ctx: Ctx, given: LocationInput, select: bool) -> bool:
    """A location_select tap comes with a location message of the same point: whichever
    arrives second finds the first's mark and stays quiet. Two location messages never
    silence each other; without Redis both are answered."""
    point = f"{given.latitude:.4f},{given.longitude:.4f}"
    mine, other = ("select", "message") if select else ("message", "select")
    redis = ctx.services.redis.text
    try:
        if redis.delete(f"branches:located:{other}:{ctx.openid}:{point}"):
            return True
        redis.set(f"branches:located:{mine}:{ctx.openid}:{point}", 1,
                  ex=LOCATION_PAIR_SECONDS)
    except REDIS_UNAVAILABLE:
        pass
    return False


HANDLERS: dict[str, Handler] = {
    "branches.list": branch_list,
    "branches.find": branch_lookup,
}
EVENTS: dict[str, Handler] = {"location_select": branch_at_location}
FALLBACKS: dict[str, Handler] = {"location": branch_at_location}

"""营业机构 in the chat: the list, and the branch for a place the follower names."""

from __future__ import annotations

from typing import Any

from wechatpy.messages import BaseMessage

import branches
from core.replies import Reply
from handlers.context import Ctx, Handler


def follower_branch(ctx: Ctx) -> dict[str, Any]:
    """The follower's own branch, when the profile names the province (and city)."""
    follower = ctx.follower
    if not follower.province:
        return {"branch": None, "place": ""}
    branch = branches.branch_for(follower.province, follower.city)
    place = branches.Place(follower.province, follower.city).label
    return {"branch": branch, "place": place}


def branch_list(msg: BaseMessage, ctx: Ctx) -> Reply:
    mine = follower_branch(ctx)
    return ctx.text("services/branches.j2", branches=branches.all_branches(),
                    mine=mine if mine["branch"] else None)


def branch_lookup(msg: BaseMessage, ctx: Ctx) -> Reply:
    """"网点 宁波", "贵州归哪个分公司": the branch for the place named; the list otherwise."""
    found = branches.look_up(ctx.argument or "")
    if found is None:
        return branch_list(msg, ctx)
    return ctx.text("services/branch_found.j2", place=found.place.label, branch=found.branch)


HANDLERS: dict[str, Handler] = {"branches.list": branch_list, "branches.find": branch_lookup}

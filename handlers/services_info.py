"""Menu items whose full services later issues build: for now they answer with what the seed
document says about them and where to go (SOL 信保通, the Single Window, a branch office).

Words are in templates/replies/services/. When a service lands (claims, loans, the academy),
its module takes over the menu key and the route here is removed.
"""

from __future__ import annotations

from typing import Any

from wechatpy.messages import BaseMessage

import branches
from core.replies import Reply
from handlers.context import Ctx
from handlers.routing import Handler, Route, on_keywords, on_menu, on_pattern
from menus import keys

ACADEMY_PARTS: dict[str, tuple[str, ...]] = {
    # part -> the words that ask for it (信保说案 and 国别图书馆 are menu items, see synonyms.toml)
    "basics": ("必修课",),
    "master": ("大师课",),
    "toolbox": ("小微工具箱", "工具箱"),
    "alerts": ("风险预警", "预警订阅", "预警"),
}


def _follower_branch(ctx: Ctx) -> dict[str, Any]:
    """The follower's own branch, when the profile names the province (and city)."""
    follower = ctx.follower
    if not follower.province:
        return {"branch": None, "place": ""}
    branch = branches.branch_for(follower.province, follower.city)
    place = branches.Place(follower.province, follower.city).label
    return {"branch": branch, "place": place}


def policy_info(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("services/policy.j2", **_follower_branch(ctx))


def policy_renewal(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("services/renewal.j2", **_follower_branch(ctx))


def claims_info(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("services/claims.j2", **_follower_branch(ctx))


def loans_info(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("services/loans.j2")


def academy_info(msg: BaseMessage, ctx: Ctx) -> Reply:
    return ctx.text("services/academy.j2")


def academy_part(part: str) -> Handler:
    def handle(msg: BaseMessage, ctx: Ctx) -> Reply:
        return ctx.text("services/academy_part.j2", part=part)

    handle.__name__ = f"academy_{part}"
    return handle


def branch_list(msg: BaseMessage, ctx: Ctx) -> Reply:
    mine = _follower_branch(ctx)
    return ctx.text("services/branches.j2", branches=branches.all_branches(),
                    mine=mine if mine["branch"] else None)


def branch_lookup(msg: BaseMessage, ctx: Ctx) -> Reply:
    """"网点 宁波", "贵州归哪个分公司": the branch for the place named; the list otherwise."""
    found = branches.look_up(msg.content or "")
    if found is None:
        return branch_list(msg, ctx)
    return ctx.text("services/branch_found.j2", place=found.place.label, branch=found.branch)


ROUTES: list[Route] = [
    on_menu(keys.POLICY_INFO, policy_info),
    on_menu(keys.POLICY_RENEWAL, policy_renewal),
    on_menu(keys.CLAIMS, claims_info),
    on_menu(keys.LOANS, loans_info),
    on_menu(keys.ACADEMY, academy_info),
    on_menu(keys.ACADEMY_CASES, academy_part("cases")),
    on_menu(keys.ACADEMY_COUNTRIES, academy_part("countries")),
    on_menu(keys.BRANCHES, branch_list),
    *(route for part, words in ACADEMY_PARTS.items()
      for route in on_keywords(words, academy_part(part))),
    # A place next to a branch word; short texts only, and never a buyer lookup ("查询 …").
    on_pattern(r"(?!查询|红绿灯|查买家|查买方).{0,12}?(?:网点|分公司|营业机构|办事处).{0,12}",
               branch_lookup),
]
FLOWS: list = []

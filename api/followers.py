"""Follower records: a follower reaches only its own; staff with ``followers.read`` reach all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from api.auth import follower_or_staff, require_principal, staff_required
from api.blueprint import ApiBlueprint
from api.errors import NotFound
from api.pagination import PageArgs, page_of, paginated, window
from api.session import FollowerSchema
from core.services import current
from followers.manifest import FOLLOWERS_READ
from followers.models import Follower

blp = ApiBlueprint("followers", __name__, url_prefix="/followers", description="关注用户")


@blp.route("/<id:follower_id>")
@follower_or_staff(FOLLOWERS_READ)
@blp.response(200, FollowerSchema)
@blp.alt_response(404, response="NOT_FOUND")
def follower(follower_id: int) -> Follower:
    """一位关注用户的资料（用户本人，或有 followers.read 权限的员工）"""
    principal = require_principal()
    record = current().db.session.get(Follower, follower_id)
    # Another follower's record answers exactly like a missing one: no existence leak.
    if record is None or (principal.is_follower and not principal.owns(record.id)):
        raise NotFound()
    return record


@blp.route("")
@staff_required(FOLLOWERS_READ)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(FollowerSchema))
def followers(args: dict[str, Any]) -> dict[str, Any]:
    """全部关注用户（分页）"""
    session = current().db.session
    limits = window(args)
    total = session.scalar(select(func.count()).select_from(Follower)) or 0
    rows = session.scalars(
        select(Follower).order_by(Follower.id).offset(limits["offset"]).limit(limits["limit"])
    ).all()
    return paginated(list(rows), total, args)

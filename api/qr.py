"""GET /api/v1/qr/stats: follows per QR scene (new, returning, scans, since unfollowed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import marshmallow as ma

from api import ApiBlueprint, staff_required
from core.services import current
from followers.manifest import FOLLOWERS_READ
from followers.stats import scene_stats

blp = ApiBlueprint("qr", __name__, url_prefix="/qr", description="二维码场景与关注来源")


class StatsArgs(ma.Schema):
    since = ma.fields.Date(load_default=None,
                           metadata={"description": "只统计这一天（UTC）及以后的事件"})


class SceneStatsSchema(ma.Schema):
    scene = ma.fields.String(required=True, allow_none=True,
                             metadata={"description": "二维码场景；null 为无场景的关注"})
    new = ma.fields.Integer(required=True, metadata={"description": "首次关注"})
    returning = ma.fields.Integer(required=True, metadata={"description": "取关后再次关注"})
    scans = ma.fields.Integer(required=True, metadata={"description": "已关注者扫码"})
    unfollowed = ma.fields.Integer(required=True,
                                   metadata={"description": "经此场景关注、现已取关"})
    followers = ma.fields.Integer(required=True, metadata={"description": "new + returning"})


class StatsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SceneStatsSchema), required=True)


@blp.route("/stats")
@staff_required(FOLLOWERS_READ)
@blp.arguments(StatsArgs, location="query")
@blp.response(200, StatsSchema)
def stats(args: dict[str, Any]) -> dict[str, Any]:
    """各二维码场景的关注统计：新关注、回归、扫码、已取关"""
    since: date | None = args.get("since")
    start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    rows = scene_stats(current().db.session, start)
    return {"items": [row.as_dict() for row in rows]}

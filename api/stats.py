"""GET /api/v1/stats and /api/v1/stats/<key>: the console's figures as JSON — the same tables
``/staff/stats`` draws (each service's manifest ``stats``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api import ApiBlueprint, staff_required
from api.auth import require_principal
from api.errors import NotFound, ValidationFailed
from console.manifest import STATS_READ
from core.services import current
from core.stats import BadRange, StatsQuery, collect, make_query

blp = ApiBlueprint("stats", __name__, url_prefix="/stats", description="运营统计")


class StatsArgs(ma.Schema):
    start = ma.fields.Date(data_key="from", load_default=None,
                           metadata={"description": "第一天（北京时间），默认 30 天前"})
    end = ma.fields.Date(data_key="to", load_default=None,
                         metadata={"description": "最后一天（北京时间），默认今天"})
    scene = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64),
                             metadata={"description": "只看经此二维码场景关注的粉丝"})


class ColumnSchema(ma.Schema):
    key = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(required=True,
                            metadata={"description": "text | int | number | date | …"})


class FigureSchema(ma.Schema):
    key = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    note = ma.fields.String(required=True)
    columns = ma.fields.List(ma.fields.Nested(ColumnSchema), required=True)
    rows = ma.fields.List(ma.fields.Dict(), required=True,
                          metadata={"description": "每行以列的 key 为键"})


class FiguresSchema(ma.Schema):
    start = ma.fields.Date(required=True, data_key="from")
    end = ma.fields.Date(required=True, data_key="to")
    scene = ma.fields.String(required=True, allow_none=True)
    items = ma.fields.List(ma.fields.Nested(FigureSchema), required=True)


def _query(args: dict[str, Any]) -> StatsQuery:
    try:
        return make_query(current().clock(), args.get("start"), args.get("end"),
                          args.get("scene"))
    except BadRange as bad:
        raise ValidationFailed(str(bad), code="bad_range") from None


def _figures(args: dict[str, Any]) -> dict[str, Any]:
    query = _query(args)
    principal = require_principal()
    figures = collect(current().db.session, query, principal.can)
    return {"start": query.start, "end": query.end, "scene": query.scene,
            "items": [figure.as_dict() for figure in figures]}


@blp.route("")
@staff_required(STATS_READ)
@blp.arguments(StatsArgs, location="query")
@blp.response(200, FiguresSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def all_figures(args: dict[str, Any]) -> dict[str, Any]:
    """全部统计表（与运营后台「统计」页相同）"""
    return _figures(args)


@blp.route("/<string:key>")
@staff_required(STATS_READ)
@blp.arguments(StatsArgs, location="query")
@blp.response(200, FigureSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def one_figure(args: dict[str, Any], key: str) -> dict[str, Any]:
    """一张统计表，如 followers.daily、messages.daily、lookups.countries、queues.tickets"""
    for item in _figures(args)["items"]:
        if item["key"] == key:
            return item
    raise NotFound("没有这张统计表", code="unknown_figure")

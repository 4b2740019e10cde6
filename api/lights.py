"""资信红绿灯 for the mini-program: GET /api/v1/buyers?q=&country= and
GET /api/v1/buyers/{id}/light. The same domain calls as the chat (``lights.service``).

Buyer ids are opaque here (``lights.links.buyer_ids``): ``id``, ``best_id`` and the path
take and give 26 characters that cannot be walked through the registry; a malformed or
forged one is the same 404 as a buyer that is gone.

The same use cases as the chat (``lights.usecases``): a light shown to a follower counts
against the daily quota the chat counts (429, with the chat's sentence, when spent) and is
kept in 我的查询; a search shows candidates without lights and counts nothing. Staff with
``buyers.read`` are not counted.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pycountry
from flask import render_template

from api import (
    ApiBlueprint,
    NotFound,
    OpaqueId,
    RateLimited,
    decode_or_404,
    follower_or_staff,
    require_principal,
)
from api.work import commit, unit_of_work
from lights.links import buyer_ids
from lights.manifest import BUYERS_READ
from lights.service import MAX_QUERY_CHARS, BuyerView, LightResult
from lights.usecases import QuotaSpent, Viewer, search_buyers, show_light

COUNTRY_CODES = sorted(country.alpha_2 for country in pycountry.countries)
blp = ApiBlueprint("buyers", __name__, url_prefix="/buyers", description="资信红绿灯：境外买方")


class SearchArgs(ma.Schema):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=MAX_QUERY_CHARS),
                         metadata={"description": "买方名称、别名、原文名称或注册号；可带国家，"
                                                  "如「ACME 德国」。为空时返回空列表"})
    country = ma.fields.String(load_default=None, validate=ma.validate.OneOf(COUNTRY_CODES),
                               metadata={"description": "国家的 ISO 3166-1 二位代码（如 DE）；"
                                                        "中文或英文国名请写在 q 里"})
    limit = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=20))


class BuyerSchema(ma.Schema):
    id = OpaqueId(buyer_ids, required=True)
    legal_name = ma.fields.String(required=True)
    original_name = ma.fields.String(allow_none=True)
    aliases = ma.fields.List(ma.fields.String(), required=True)
    country = ma.fields.String(required=True, metadata={"description": "ISO 3166-1 代码"})
    country_zh = ma.fields.String(required=True)
    registration_number = ma.fields.String(allow_none=True)
    industry = ma.fields.String(allow_none=True)
    founded = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(required=True)
    status_zh = ma.fields.String(required=True)
    as_of = ma.fields.Date(allow_none=True)
    sample = ma.fields.Boolean(required=True, metadata={"description": "示例数据"})


class CandidateSchema(BuyerSchema):
    score = ma.fields.Float(required=True, metadata={"description": "匹配度 0–100"})


class SearchSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CandidateSchema), required=True)
    country = ma.fields.String(allow_none=True, metadata={"description": "识别出的国家代码"})
    best_id = OpaqueId(buyer_ids, allow_none=True,
                       metadata={"description": "唯一明确的匹配（买方 id）；为空时请用户选择"})


class ReasonSchema(ma.Schema):
    rule = ma.fields.String(required=True)
    light = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)


class CountryRatingSchema(ma.Schema):
    rating = ma.fields.Integer(required=True, metadata={"description": "1（最低）– 9（最高）"})
    sample = ma.fields.Boolean(required=True)


class LightSchema(ma.Schema):
    buyer = ma.fields.Nested(BuyerSchema, required=True)
    light = ma.fields.String(required=True, metadata={"description": "green | yellow | red"})
    light_name = ma.fields.String(required=True)
    hint = ma.fields.String(required=True)
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema), required=True)
    country_lowered = ma.fields.Boolean(required=True)
    country_rating = ma.fields.Nested(CountryRatingSchema, allow_none=True)


def _view(view: BuyerView) -> dict[str, Any]:
    return {**view.__dict__, "aliases": list(view.aliases)}


def _viewer() -> Viewer:
    principal = require_principal()
    return Viewer(openid=str(principal.openid) if principal.is_follower else None,
                  channel="miniprogram")


@blp.route("")
@follower_or_staff(BUYERS_READ)
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchSchema)
def search_buyers_view(args: dict[str, Any]) -> dict[str, Any]:
    """按名称、注册号查找买方（排好序的候选，不含灯色，不计入每日查询次数）"""
    query = args["q"].strip()
    if not query:
        return {"items": [], "country": args.get("country"), "best_id": None}
    result, views = search_buyers(unit_of_work(), query, country=args.get("country"),
                                  limit=args["limit"])
    best = result.best
    return {"items": [{**_view(view), "score": score} for view, score in views],
            "country": result.country, "best_id": best.buyer_id if best else None}


def _light(result: LightResult) -> dict[str, Any]:
    rating = result.country_rating
    return {
        "buyer": _view(result.buyer),
        "light": result.verdict.light,
        "light_name": result.light_name,
        "hint": result.verdict.hint,
        "reasons": [{"rule": rule.id, "light": rule.light, "reason": rule.reason}
                    for rule in result.verdict.fired],
        "country_lowered": result.verdict.country_lowered,
        "country_rating": {"rating": rating.rating, "sample": rating.sample} if rating else None,
    }


NOT_A_BUYER = "找不到该买方"


@blp.route("/<opaque:buyer_id>/light")
@follower_or_staff(BUYERS_READ)
@blp.response(200, LightSchema)
@blp.alt_response(404, response="NOT_FOUND")
def buyer_light(buyer_id: str) -> dict[str, Any]:
    """一家买方的红绿灯：灯色、提示语、亮灯依据（用户每看一家计入每日查询次数，同一天再看不计）"""
    number = decode_or_404(buyer_ids, buyer_id, NOT_A_BUYER)  # forged: as if gone
    uow = unit_of_work()
    try:
        shown = show_light(uow, _viewer(), number)
    except QuotaSpent as spent:  # the chat's sentence, from the same template
        raise RateLimited(render_template("replies/lights/quota.j2", limit=spent.limit).strip(),
                          code="lookup_quota_spent") from None
    if shown is None:
        raise NotFound(NOT_A_BUYER)
    commit(uow)  # kept for 我的查询, like a lookup in the chat
    return _light(shown.result)

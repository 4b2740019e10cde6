"""资信红绿灯 for the mini-program: GET /api/v1/buyers?q=&country= and
GET /api/v1/buyers/{id}/light. The same domain calls as the chat (``lights.service``).

A follower's search counts against the same daily quota as the chat (429 when spent) and a
follower's verdict is stored in 我的查询; staff with ``buyers.read`` are not counted.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import pycountry
from sqlalchemy import select

from api import (
    ApiBlueprint,
    NotFound,
    RateLimited,
    follower_or_staff,
    require_principal,
)
from core.services import current
from identity.access import Permission
from lights.models import Buyer
from lights.search import search
from lights.service import (
    MAX_QUERY_CHARS,
    BuyerView,
    DailyQuota,
    LightResult,
    china_today,
    light_for,
    record_lookup,
)

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
    id = ma.fields.Integer(required=True)
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
    best_id = ma.fields.Integer(allow_none=True,
                                metadata={"description": "唯一明确的匹配；为空时请用户选择"})


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


@blp.route("")
@follower_or_staff(Permission.BUYERS_READ)
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchSchema)
def search_buyers(args: dict[str, Any]) -> dict[str, Any]:
    """按名称、注册号查找买方（排好序的候选）"""
    query = args["q"].strip()
    country = args.get("country")
    if not query:
        return {"items": [], "country": country, "best_id": None}
    services = current()
    principal = require_principal()
    quota = DailyQuota.configured(services.redis.text, services.settings.section("lights"))
    if principal.is_follower and not quota.take(str(principal.openid),
                                                china_today(services.clock())):
        raise RateLimited(f"今天的红绿灯查询次数（{quota.limit} 次）已用完，明天再查")
    session = services.db.session
    result = search(session, query, country=country, limit=args["limit"])
    ids = [candidate.buyer_id for candidate in result.candidates]
    buyers = {buyer.id: buyer for buyer in session.scalars(select(Buyer).where(Buyer.id.in_(ids)))}
    items = [{**_view(BuyerView.of(buyers[candidate.buyer_id])), "score": candidate.score}
             for candidate in result.candidates if candidate.buyer_id in buyers]
    best = result.best
    return {"items": items, "country": result.country, "best_id": best.buyer_id if best else None}


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


@blp.route("/<id:buyer_id>/light")
@follower_or_staff(Permission.BUYERS_READ)
@blp.response(200, LightSchema)
@blp.alt_response(404, response="NOT_FOUND")
def buyer_light(buyer_id: int) -> dict[str, Any]:
    """一家买方的红绿灯：灯色、提示语、亮灯依据"""
    services = current()
    session = services.db.session
    result = light_for(session, buyer_id, china_today(services.clock()))
    if result is None:
        raise NotFound("找不到该买方")
    principal = require_principal()
    if principal.is_follower:  # kept for 我的查询, like a lookup in the chat
        record_lookup(session, str(principal.openid), result.buyer.legal_name, result,
                      services.clock(), channel="miniprogram")
        session.commit()
    return _light(result)

"""资信红绿灯 in figures: lookups per day by the light shown, and by the buyer's country."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.countries import display_name
from core.stats import Column, Figure, StatsQuery, per_day
from lights.models import Buyer, BuyerLookup

LIGHTS = {"green": "绿灯", "yellow": "黄灯", "red": "红灯", "none": "未找到", "list": "候选列表"}


def lookups(session: Session, query: StatsQuery) -> list[Figure]:
    when = (BuyerLookup.created_at >= query.start_utc, BuyerLookup.created_at < query.end_utc)
    events = session.execute(select(BuyerLookup.created_at, BuyerLookup.light).where(*when))
    daily = per_day(query, events, list(LIGHTS))
    countries = session.execute(
        select(Buyer.country, func.count(BuyerLookup.id))
        .join(Buyer, Buyer.id == BuyerLookup.buyer_id)
        .where(*when).group_by(Buyer.country)
        .order_by(func.count(BuyerLookup.id).desc(), Buyer.country).limit(20)).all()
    note = "场景筛选不适用于查询。" if query.scene else ""
    return [
        Figure("lookups.daily", "每日资信查询（按灯色）",
               (Column("day", "日期", "date"),
                *(Column(light, title, "int") for light, title in LIGHTS.items())),
               daily, chart="line", series=tuple(LIGHTS), note=note,
               permission="buyers.read"),
        Figure("lookups.countries", "资信查询（按买方国家，前 20）",
               (Column("country", "国家代码"), Column("name", "国家"),
                Column("lookups", "查询次数", "int")),
               [(code, display_name(code), int(count)) for code, count in countries],
               chart="bar", series=("lookups",), note="只计已找到买方的查询。",
               permission="buyers.read"),
    ]

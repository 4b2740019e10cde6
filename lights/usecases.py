"""资信红绿灯 use cases: what the chat, the mini-program API and the pages ask of the service.

Each takes a ``UnitOfWork`` and returns data; the caller commits and says it in its own medium.
The daily quota is counted here, once, for every way a light is shown: a light shown to a
follower counts one (the same buyer again that day is free), and so does a lookup that found
nothing; a list of candidates counts nothing until one is picked. Staff are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.uow import UnitOfWork
from core.workdays import beijing_day
from lights.models import Buyer
from lights.search import SearchResult, search
from lights.service import (
    BuyerLookup,
    BuyerView,
    DailyQuota,
    LightResult,
    Lookup,
    light_for,
    look_up,
    recent_lookups,
    record_lookup,
    shown_today,
)

DEFAULT_CANDIDATES = 5


class QuotaSpent(Exception):
    """The follower has seen as many lights today as ``[lights] daily_quota`` allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"daily quota of {limit} lookups spent")
        self.limit = limit


@dataclass(frozen=True)
class Viewer:
    """Who looks: a follower (counted, remembered in 我的查询) or staff (neither)."""

    openid: str | None
    channel: str  # "wechat", "miniprogram", "h5", "staff"

    @property
    def counted(self) -> bool:
        return self.openid is not None


@dataclass(frozen=True)
class Shown:
    """A light shown, and the 我的查询 row that remembers it (None for staff)."""

    result: LightResult
    record_id: int | None


@dataclass(frozen=True)
class LookupOutcome:
    lookup: Lookup
    shown: Shown | None = None


def quota(uow: UnitOfWork) -> DailyQuota:
    return DailyQuota.configured(uow.redis, uow.section("lights"))


def _count(uow: UnitOfWork, viewer: Viewer, what: str) -> None:
    if not viewer.counted:
        return
    daily, openid = quota(uow), str(viewer.openid)
    try:
        allowed = daily.take(openid, beijing_day(uow.now), what)
    except REDIS_UNAVAILABLE:  # the day's lookups are in 我的查询 too
        counted = shown_today(uow.session, openid, beijing_day(uow.now))
        allowed = daily.limit <= 0 or what in counted or len(counted) < daily.limit
    if not allowed:
        raise QuotaSpent(daily.limit)


def _remember(uow: UnitOfWork, viewer: Viewer, query: str, result: LightResult | None
              ) -> BuyerLookup | None:
    if not viewer.counted:
        return None
    return record_lookup(uow.session, str(viewer.openid), query, result, uow.now,
                         channel=viewer.channel)


def look_up_buyer(uow: UnitOfWork, viewer: Viewer, query: str, *, country: str | None = None,
                  limit: int | None = None) -> LookupOutcome:
    """One buyer and its light, the candidates to pick from, or nothing (said honestly).

    Raises ``QuotaSpent`` before anything is shown or remembered."""
    limit = limit or int(uow.section("lights").get("candidates", DEFAULT_CANDIDATES))
    lookup = look_up(uow.session, query, beijing_day(uow.now), country=country, limit=limit)
    if lookup.found is not None:
        return LookupOutcome(lookup, _show(uow, viewer, lookup.query, lookup.found))
    if not lookup.candidates:
        _count(uow, viewer, "none:" + lookup.query.casefold())
        _remember(uow, viewer, lookup.query, None)
    return LookupOutcome(lookup)


def show_light(uow: UnitOfWork, viewer: Viewer, buyer_id: int, query: str = "") -> Shown | None:
    """The light of one buyer (picked from a list, or opened by id); None when it is gone."""
    result = light_for(uow.session, buyer_id, beijing_day(uow.now))
    if result is None:
        return None
    return _show(uow, viewer, query or result.buyer.legal_name, result)


def _show(uow: UnitOfWork, viewer: Viewer, query: str, result: LightResult) -> Shown:
    _count(uow, viewer, f"buyer:{result.buyer.id}")
    row = _remember(uow, viewer, query, result)
    return Shown(result, row.id if row else None)


def search_buyers(uow: UnitOfWork, query: str, *, country: str | None,
                  limit: int) -> tuple[SearchResult, list[tuple[BuyerView, float]]]:
    """Ranked candidates with their scores, no light: nothing counted, nothing remembered."""
    result = search(uow.session, query.strip(), country=country, limit=limit)
    ids = [candidate.buyer_id for candidate in result.candidates]
    buyers = {buyer.id: buyer
              for buyer in uow.session.scalars(select(Buyer).where(Buyer.id.in_(ids)))}
    views = [(BuyerView.of(buyers[candidate.buyer_id]), candidate.score)
             for candidate in result.candidates if candidate.buyer_id in buyers]
    return result, views


def my_lookups(uow: UnitOfWork, openid: str) -> list[BuyerLookup]:
    return recent_lookups(uow.session, openid)

"""Followers' use cases: the profile, written the same way from the chat form and the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from core.uow import UnitOfWork
from followers.models import Follower
from followers.profile import (
    ProfileInputError,
    parse_company_name,
    parse_markets,
    parse_region,
)
from followers.subscriptions import get_or_create_follower

T = TypeVar("T")


@dataclass(frozen=True)
class ProfileChanges:
    """Checked values (``followers.profile``); None leaves a field as it is."""

    company_name: str | None = None
    province: str | None = None
    city: str | None = None
    export_markets: list[str] | None = None


def read_changes(company_name: str | None = None, region: str | None = None,
                 export_markets: str | list[str] | None = None) -> ProfileChanges:
    """The follower's own words checked; raises ``ProfileInputError`` naming the first problem
    and the field it is in."""
    province = city = None
    if region is not None:
        province, city = _in_field("region", parse_region, region)
    if isinstance(export_markets, list):
        export_markets = "、".join(export_markets)
    return ProfileChanges(
        company_name=(_in_field("company_name", parse_company_name, company_name)
                      if company_name is not None else None),
        province=province, city=city,
        export_markets=(_in_field("export_markets", parse_markets, export_markets)
                        if export_markets is not None else None),
    )


def _in_field(name: str, parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except ProfileInputError as error:
        error.field = name
        raise


def save_profile(uow: UnitOfWork, openid: str, changes: ProfileChanges) -> Follower:
    follower = get_or_create_follower(uow.session, openid)
    if changes.company_name is not None:
        follower.company_name = changes.company_name
    if changes.province is not None:
        follower.province, follower.city = changes.province, changes.city
    if changes.export_markets is not None:
        follower.export_markets = list(changes.export_markets)
    follower.updated_at = uow.now
    uow.session.flush()
    return follower

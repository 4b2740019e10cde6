"""Follow statistics per QR scene: who came through each code, and who has left since.

- new: first-time followers who subscribed through the scene;
- returning: followers who had unfollowed and came back through the scene;
- scans: followers already following who scanned the code;
- unfollowed: of the followers who subscribed through the scene, those not following now.

Follows without a scene (the account found by search, a shared card) are reported under
``scene=None``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from core.stats import Column, Figure, StatsQuery, per_day
from followers.models import Follower, FollowEvent


@dataclass(frozen=True)
class SceneStats:
    scene: str | None
    new: int = 0
    returning: int = 0
    scans: int = 0
    unfollowed: int = 0

    @property
    def followers(self) -> int:
        return self.new + self.returning

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "followers": self.followers}


def scene_stats(session: Session, since: datetime | None = None) -> list[SceneStats]:
    """One row per scene seen since ``since`` (all time when None), busiest scene first."""
    when = [FollowEvent.created_at >= since] if since else []
    is_subscribe = FollowEvent.kind == "subscribe"
    counts = session.execute(
        select(
            FollowEvent.scene,
            func.sum(case((is_subscribe & ~FollowEvent.is_returning, 1), else_=0)),
            func.sum(case((is_subscribe & FollowEvent.is_returning, 1), else_=0)),
            func.sum(case((FollowEvent.kind == "scan", 1), else_=0)),
        )
        .where(FollowEvent.kind.in_(("subscribe", "scan")), *when)
        .group_by(FollowEvent.scene)
    ).all()
    gone = dict(
        session.execute(
            select(FollowEvent.scene, func.count(distinct(FollowEvent.follower_id)))
            .join(Follower, Follower.id == FollowEvent.follower_id)
            .where(is_subscribe, Follower.subscribed.is_(False), *when)
            .group_by(FollowEvent.scene)
        ).all()
    )
    rows = [
        SceneStats(scene, int(new or 0), int(returning or 0), int(scans or 0),
                   int(gone.get(scene, 0)))
        for scene, new, returning, scans in counts
    ]
    return sorted(rows, key=lambda row: (-row.followers, -row.scans, row.scene or ""))


# --- the console's figures (core.stats; this feature's manifest ``stats``) -------------------

def followers_daily(session: Session, query: StatsQuery) -> list[Figure]:
    """Subscribes and unsubscribes per Beijing day (an unsubscribe counts under the scene the
    follower last came through), and the net; with ``query.scene``, that scene alone."""
    where = [FollowEvent.created_at >= query.start_utc, FollowEvent.created_at < query.end_utc,
             FollowEvent.kind.in_(("subscribe", "unsubscribe"))]
    if query.scene:
        where.append(FollowEvent.scene == query.scene)
    events = session.execute(select(FollowEvent.created_at, FollowEvent.kind).where(*where))
    rows = [(day, sub, unsub, sub - unsub)
            for day, sub, unsub in per_day(query, events, ["subscribe", "unsubscribe"])]
    by_scene = _scene_totals(session, query)
    scope = f"场景「{query.scene}」" if query.scene else "全部场景"
    return [
        Figure("followers.daily", f"每日关注与取关（{scope}）",
               (Column("day", "日期", "date"), Column("subscribe", "关注", "int"),
                Column("unsubscribe", "取关", "int"), Column("net", "净增", "int")),
               rows, chart="line", series=("subscribe", "unsubscribe", "net")),
        Figure("followers.scenes", "各二维码场景的关注与取关",
               (Column("scene", "场景"), Column("subscribe", "关注", "int"),
                Column("unsubscribe", "取关", "int"), Column("net", "净增", "int")),
               by_scene, chart="bar", series=("subscribe", "unsubscribe"),
               note="无场景：经搜索或名片关注。"),
    ]


def _scene_totals(session: Session, query: StatsQuery) -> list[tuple[str, int, int, int]]:
    where = [FollowEvent.created_at >= query.start_utc, FollowEvent.created_at < query.end_utc]
    if query.scene:
        where.append(FollowEvent.scene == query.scene)
    found = session.execute(
        select(FollowEvent.scene,
               func.sum(case((FollowEvent.kind == "subscribe", 1), else_=0)),
               func.sum(case((FollowEvent.kind == "unsubscribe", 1), else_=0)))
        .where(*where).group_by(FollowEvent.scene)).all()
    rows = [(scene or "（无场景）", int(sub or 0), int(unsub or 0), int(sub or 0) - int(unsub or 0))
            for scene, sub, unsub in found if (sub or unsub)]
    return sorted(rows, key=lambda row: (-row[1], row[0]))

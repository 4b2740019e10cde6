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

"""Subscribe, scan and unsubscribe: a follower is never deleted, only marked inactive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from followers.models import Follower, FollowEvent


def get_or_create_follower(session: Session, openid: str, unionid: str | None = None,
                           now: datetime | None = None) -> Follower:
    """The follower with this openid, created on first contact (the caller commits).

    The mini-program and the official account give one person different openids; the unionid
    (when the platform sends one) links them: the follower holding it is the one, and a found
    follower without a unionid yet is given it.
    """
    follower = None
    if unionid:
        follower = session.scalar(select(Follower).where(Follower.unionid == unionid).limit(1))
    if follower is None:
        follower = session.scalar(select(Follower).where(Follower.openid == openid))
    if follower is not None:
        if unionid and not follower.unionid:
            follower.unionid = unionid
        return follower
    try:
        with session.begin_nested():  # two first messages at once: one insert wins
            follower = Follower(openid=openid, unionid=unionid)
            if now is not None:
                follower.created_at = follower.updated_at = now
            session.add(follower)
    except IntegrityError:
        follower = session.scalar(select(Follower).where(Follower.openid == openid))
        if follower is None:
            raise
    return follower


def subscribe(session: Session, follower: Follower, scene: str | None, now: datetime) -> bool:
    """Mark subscribed; True when this follower had followed before (a returning follower)."""
    returning = follower.subscribed_at is not None
    follower.subscribed = True
    follower.subscribed_at = now
    follower.unsubscribed_at = None
    if scene:
        follower.first_scene = follower.first_scene or scene
        follower.last_scene = scene
    session.add(FollowEvent(follower_id=follower.id, kind="subscribe", scene=scene,
                            is_returning=returning, created_at=now))
    return returning


def scan(session: Session, follower: Follower, scene: str | None, now: datetime) -> None:
    """A follower scanned a code while already following."""
    if scene:
        follower.last_scene = scene
    if not follower.subscribed:  # WeChat only sends SCAN to followers; trust it
        follower.subscribed = True
        follower.subscribed_at = follower.subscribed_at or now
    session.add(FollowEvent(follower_id=follower.id, kind="scan", scene=scene, created_at=now))


def unsubscribe(session: Session, follower: Follower, now: datetime) -> None:
    follower.subscribed = False
    follower.unsubscribed_at = now
    session.add(FollowEvent(follower_id=follower.id, kind="unsubscribe",
                            scene=follower.last_scene, created_at=now))

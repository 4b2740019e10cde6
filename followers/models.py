"""Followers and their follow history: who follows the account, and every subscribe, scan and
unsubscribe with the QR scene that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow


class Follower(Base):
    """A WeChat user of the official account; never deleted, only marked inactive."""

    __tablename__ = "followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    subscribed: Mapped[bool] = mapped_column(default=False)
    subscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_scene: Mapped[str | None] = mapped_column(String(64))
    last_scene: Mapped[str | None] = mapped_column(String(64))
    company_name: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(40))
    export_markets: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class FollowEvent(Base):
    """One subscribe, scan or unsubscribe, with the QR scene that caused it."""

    __tablename__ = "follow_events"
    __table_args__ = (Index("ix_follow_events_scene_kind", "scene", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # subscribe | scan | unsubscribe
    scene: Mapped[str | None] = mapped_column(String(64))
    is_returning: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

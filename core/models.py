"""Core models: every message a follower sent (the follower rows are ``followers.models``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class InboundMessage(Base):
    """Everything a follower sent, stored before the reply so nothing is lost."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeferredJob(Base):
    """A job that could not be queued because Redis was unreachable; ``xinbao worker`` queues
    it when Redis is back, so nothing the service promised a follower is lost."""

    __tablename__ = "deferred_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    function: Mapped[str] = mapped_column(String(200))  # "package.module.function"
    arguments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

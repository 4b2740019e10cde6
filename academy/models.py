"""What followers did in the academy, and the risk alerts with their deliveries.

Progress, quiz attempts and subscriptions belong to a follower (``followers.id``): the chat,
the mini-program and the H5 pages reach the same rows whichever openid the follower came with.

An alert's deliveries are one row per (alert, follower), unique: the fan-out inserts them with
"on conflict do nothing" and each send claims its row first (``academy.alerts``), so a job that
runs twice neither sends twice nor skips anyone.

Two tables of other services are read here, never written, and named rather than imported (a
domain imports only ``core``): ``followers`` (who still follows, and the openid to send to) and
``country_risks`` (the ratings the operator loads with ``xinbao buyers country-risk``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    column,
    table,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow


class LessonProgress(Base):
    """A follower and one lesson: first and last opened, completed, the best quiz score."""

    __tablename__ = "academy_progress"
    __table_args__ = (UniqueConstraint("follower_id", "lesson_id", name="uq_academy_progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"), index=True)
    lesson_id: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    best_score: Mapped[int | None] = mapped_column(SmallInteger)
    last_score: Mapped[int | None] = mapped_column(SmallInteger)
    quiz_total: Mapped[int | None] = mapped_column(SmallInteger)


class QuizAttempt(Base):
    """One submitted quiz: the chosen options (indexes) and the score."""

    __tablename__ = "academy_quiz_attempts"
    __table_args__ = (Index("ix_academy_quiz_attempts_follower_lesson", "follower_id",
                            "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    lesson_id: Mapped[str] = mapped_column(String(64))
    answers: Mapped[list[int]] = mapped_column(JSON, default=list)
    score: Mapped[int] = mapped_column(SmallInteger)
    total: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AlertSubscription(Base):
    """A follower wants the alerts about one country."""

    __tablename__ = "academy_alert_subscriptions"
    __table_args__ = (UniqueConstraint("follower_id", "country", name="uq_academy_subscription"),
                      Index("ix_academy_alert_subscriptions_country", "country"))

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Alert(Base):
    """A country risk alert published by staff; ``status``: queued → sending → done, or
    paused (WeChat's daily quota was reached; ``xinbao alerts resume`` continues)."""

    __tablename__ = "academy_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(200), default="")  # where the news comes from
    source_url: Mapped[str] = mapped_column(String(500), default="")
    sample: Mapped[bool] = mapped_column(Boolean, default=False)  # 示例数据
    status: Mapped[str] = mapped_column(String(12), default="queued")
    published_by: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(200), default="")


class AlertDelivery(Base):
    """One alert to one follower. ``status``: pending → sending (claimed by a job, ``claim``
    names the job's claim) → sent | skipped (unfollowed) | failed."""

    __tablename__ = "academy_alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "follower_id", name="uq_academy_delivery"),
                      Index("ix_academy_alert_deliveries_alert_status", "alert_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("academy_alerts.id"))
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    openid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str] = mapped_column(String(200), default="")


# --- other services' tables, read only --------------------------------------------------------

followers = table("followers", column("id", Integer), column("openid", String),
                  column("subscribed", Boolean))
country_risks = table("country_risks", column("country", String), column("rating", SmallInteger),
                      column("source", String), column("as_of", Date),
                      column("sample", Boolean))

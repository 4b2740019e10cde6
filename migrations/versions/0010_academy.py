"""academy: lesson progress, quiz attempts, alert subscriptions, alerts and their deliveries

One delivery row per (alert, follower), unique: the fan-out never sends one alert twice to a
follower (``academy.alerts``).

Revision ID: 0010_academy
Revises: 0001_core
Create Date: 2026-12-01 06:04:35
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_academy"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("academy",)
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _follower() -> list:
    return [sa.Column("follower_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["follower_id"], ["followers.id"])]


def upgrade() -> None:
    op.create_table(
        "academy_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("published_by", sa.String(length=80), nullable=False),
        _when("published_at"),
        _when("finished_at", nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "academy_alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        *_follower(),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        _when("claimed_at", nullable=True),
        _when("sent_at", nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["academy_alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "follower_id", name="uq_academy_delivery"),
    )
    with op.batch_alter_table("academy_alert_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_academy_alert_deliveries_alert_status", ["alert_id", "status"])
    op.create_table(
        "academy_alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        *_follower(),
        sa.Column("country", sa.String(length=2), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("follower_id", "country", name="uq_academy_subscription"),
    )
    with op.batch_alter_table("academy_alert_subscriptions", schema=None) as batch_op:
        batch_op.create_index("ix_academy_alert_subscriptions_country", ["country"])
    op.create_table(
        "academy_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        *_follower(),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        _when("opened_at"),
        _when("last_opened_at"),
        _when("completed_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("best_score", sa.SmallInteger(), nullable=True),
        sa.Column("last_score", sa.SmallInteger(), nullable=True),
        sa.Column("quiz_total", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("follower_id", "lesson_id", name="uq_academy_progress"),
    )
    with op.batch_alter_table("academy_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_academy_progress_follower_id"), ["follower_id"])
    op.create_table(
        "academy_quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        *_follower(),
        sa.Column("lesson_id", sa.String(length=64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("total", sa.SmallInteger(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("academy_quiz_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_academy_quiz_attempts_follower_lesson",
                              ["follower_id", "lesson_id"])


def downgrade() -> None:
    op.drop_table("academy_quiz_attempts")
    op.drop_table("academy_progress")
    op.drop_table("academy_alert_subscriptions")
    op.drop_table("academy_alert_deliveries")
    op.drop_table("academy_alerts")

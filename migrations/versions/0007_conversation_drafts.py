"""conversations: what a follower entered in a conversation, kept as a draft

Revision ID: 0007_conversation_drafts
Revises: 0001_core
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_conversation_drafts"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("conversations",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("flow", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation_drafts", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_drafts_openid_status", ["openid", "status"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_drafts", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_drafts_openid_status")
    op.drop_table("conversation_drafts")

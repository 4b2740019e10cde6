"""kb: questions that found no answer (openid hashed)

Revision ID: 0011_kb
Revises: 0001_core
Create Date: 2026-12-01 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_kb"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("kb",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_gaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("openid_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("folded", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("nearest", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kb_gaps", schema=None) as batch_op:
        batch_op.create_index("ix_kb_gaps_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_kb_gaps_folded", ["folded"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kb_gaps", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_gaps_folded")
        batch_op.drop_index("ix_kb_gaps_created_at")
    op.drop_table("kb_gaps")

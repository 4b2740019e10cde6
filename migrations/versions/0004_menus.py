"""qr: QR codes with their scenes (the permanent-code quota is counted from this table)

Revision ID: 0004_menus
Revises: 0001_core
Create Date: 2026-11-28 10:41:59.126552
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_menus"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("qr",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qr_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scene", sa.String(length=64), nullable=False),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.Column("ticket", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("caption", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket"),
    )
    with op.batch_alter_table("qr_codes", schema=None) as batch_op:
        batch_op.create_index("ix_qr_codes_scene_permanent", ["scene", "permanent"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("qr_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_qr_codes_scene_permanent")

    op.drop_table("qr_codes")

"""loans: referrals to partner banks (信保贷) and the banks' status reports

Revision ID: 0016_loans
Revises: 0001_core
Create Date: 2026-12-01 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_loans"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("loans",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loan_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_code", sa.String(length=24), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_name", sa.String(length=120), nullable=False),
        sa.Column("policy_number", sa.String(length=40), nullable=False),
        sa.Column("bank_code", sa.String(length=32), nullable=False),
        sa.Column("bank_name", sa.String(length=60), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("estimate", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bank_note", sa.Text(), nullable=True),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["follower_id"], ["followers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tracking_code"),
    )
    with op.batch_alter_table("loan_referrals", schema=None) as batch_op:
        batch_op.create_index("ix_loan_referrals_enterprise", ["enterprise_id", "id"],
                              unique=False)
        batch_op.create_index("ix_loan_referrals_status_updated", ["status", "updated_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_loan_referrals_status"), ["status"], unique=False)

    op.create_table(
        "loan_bank_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_code", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=80), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("before", sa.String(length=16), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["loan_referrals.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bank_code", "event_id", name="uq_loan_bank_events_event"),
    )
    with op.batch_alter_table("loan_bank_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_bank_events_referral_id"), ["referral_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loan_bank_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_bank_events_referral_id"))
    op.drop_table("loan_bank_events")
    with op.batch_alter_table("loan_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_referrals_status"))
        batch_op.drop_index("ix_loan_referrals_status_updated")
        batch_op.drop_index("ix_loan_referrals_enterprise")
    op.drop_table("loan_referrals")

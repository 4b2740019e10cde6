"""policies: enterprises, policies, credit limits, bindings, codes, attempts, eligibility
checks, renewals, shipments, reminders

Revision ID: 0013_policies
Revises: 0001_core
Create Date: 2026-12-01 06:03:20.446145
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_policies"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = ("policies",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_binding_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_binding_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_policy_binding_attempts_enterprise", ["enterprise_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_policy_binding_attempts_follower", ["follower_id", "created_at"], unique=False
        )

    op.create_table(
        "policy_eligibility_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("size", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_eligibility_checks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_eligibility_checks_follower_id"), ["follower_id"], unique=False
        )

    op.create_table(
        "policy_enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uscc"),
    )
    op.create_table(
        "policy_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("occasion", sa.String(length=40), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "subject", "occasion", name="uq_policy_reminders_once"),
    )
    with op.batch_alter_table("policy_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_reminders_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("product", sa.String(length=60), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("indemnity_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("premium_rate_permille", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("payment_methods", sa.JSON(), nullable=False),
        sa.Column("max_credit_days", sa.Integer(), nullable=True),
        sa.Column("loss_report_days", sa.Integer(), nullable=True),
        sa.Column("idle_limit_days", sa.Integer(), nullable=True),
        sa.Column("contact_mobile", sa.String(length=20), nullable=True),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["policy_enterprises.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policies_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "policy_reminder_mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["followers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("follower_id", "kind", name="uq_policy_reminder_mutes_follower_kind"),
    )
    op.create_table(
        "policy_binding_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("mobile_masked", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["policy_enterprises.id"],
        ),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["followers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_binding_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_binding_codes_follower_id"), ["follower_id"], unique=False
        )

    op.create_table(
        "policy_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["policy_enterprises.id"],
        ),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["followers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_bindings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_policy_bindings_enterprise_status", ["enterprise_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_policy_bindings_active_follower",
            ["follower_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "policy_credit_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_key", sa.String(length=200), nullable=False),
        sa.Column("buyer_country", sa.String(length=2), nullable=True),
        sa.Column("buyer_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_methods", sa.JSON(), nullable=True),
        sa.Column("max_credit_days", sa.Integer(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("policy_id", "buyer_key", name="uq_policy_credit_limits_policy_buyer"),
    )
    with op.batch_alter_table("policy_credit_limits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_credit_limits_buyer_id"), ["buyer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_policy_credit_limits_policy_id"), ["policy_id"], unique=False
        )

    op.create_table(
        "policy_renewals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=True),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("expected_exports_usd", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("main_markets", sa.JSON(), nullable=False),
        sa.Column("main_buyers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("staff_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["policy_enterprises.id"],
        ),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["followers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("policy_renewals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_renewals_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_policy_renewals_policy_id"), ["policy_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_policy_renewals_status"), ["status"], unique=False)

    op.create_table(
        "policy_shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("credit_limit_id", sa.Integer(), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("invoice_number", sa.String(length=40), nullable=False),
        sa.Column("invoice_key", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("ship_date", sa.Date(), nullable=False),
        sa.Column("payment_method", sa.String(length=4), nullable=False),
        sa.Column("credit_days", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("collected_on", sa.Date(), nullable=True),
        sa.Column("follower_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credit_limit_id"],
            ["policy_credit_limits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["policy_enterprises.id"],
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("policy_id", "invoice_key", name="uq_policy_shipments_invoice"),
    )
    with op.batch_alter_table("policy_shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_policy_shipments_enterprise_status", ["enterprise_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_policy_shipments_limit_status", ["credit_limit_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("policy_shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_shipments_limit_status")
        batch_op.drop_index("ix_policy_shipments_enterprise_status")

    op.drop_table("policy_shipments")
    with op.batch_alter_table("policy_renewals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_renewals_status"))
        batch_op.drop_index(batch_op.f("ix_policy_renewals_policy_id"))
        batch_op.drop_index(batch_op.f("ix_policy_renewals_enterprise_id"))

    op.drop_table("policy_renewals")
    with op.batch_alter_table("policy_credit_limits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_credit_limits_policy_id"))
        batch_op.drop_index(batch_op.f("ix_policy_credit_limits_buyer_id"))

    op.drop_table("policy_credit_limits")
    with op.batch_alter_table("policy_bindings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_policy_bindings_active_follower",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index("ix_policy_bindings_enterprise_status")

    op.drop_table("policy_bindings")
    with op.batch_alter_table("policy_binding_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_binding_codes_follower_id"))

    op.drop_table("policy_binding_codes")
    op.drop_table("policy_reminder_mutes")
    with op.batch_alter_table("policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policies_enterprise_id"))

    op.drop_table("policies")
    with op.batch_alter_table("policy_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_reminders_enterprise_id"))

    op.drop_table("policy_reminders")
    op.drop_table("policy_enterprises")
    with op.batch_alter_table("policy_eligibility_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_eligibility_checks_follower_id"))

    op.drop_table("policy_eligibility_checks")
    with op.batch_alter_table("policy_binding_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_binding_attempts_follower")
        batch_op.drop_index("ix_policy_binding_attempts_enterprise")

    op.drop_table("policy_binding_attempts")

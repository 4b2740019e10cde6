"""信保易's tables: enterprises and their policies, credit limits per buyer, followers bound to
an enterprise (and the one-time codes and attempts of binding), eligibility checks, renewal
applications, shipment declarations, and the reminders sent (one row per kind, subject and
occasion) and muted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow

MONEY = Numeric(18, 2)


class Enterprise(Base):
    """An insured (or would-be) exporter, loaded by the operator with the mobile number on
    file: the one-time binding code goes there and nowhere else."""

    __tablename__ = "policy_enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    mobile: Mapped[str | None] = mapped_column(String(20))  # on file, from the operator
    sample: Mapped[bool] = mapped_column(Boolean, default=False)  # 示例数据
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    product: Mapped[str] = mapped_column(String(60))  # 小微企业信保易 …
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("policy_enterprises.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # in_force | suspended | terminated
    indemnity_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # 赔偿比例 %
    premium_rate_permille: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))  # 费率 ‰
    payment_methods: Mapped[list[str]] = mapped_column(JSON)  # DP, DA, OA, LC
    max_credit_days: Mapped[int | None] = mapped_column(Integer)  # None: the 1-year rule
    # 可损通知期限: days after the due date within which a possible loss must be reported.
    # The seed document names the reminder but no period: the insured must notify "在保单约定的
    # 期限内" (within the period the policy agrees; e.g. gazxw.com.cn/business/5074.html on
    # 可能损失通知), so it is the policy's own term, loaded by the operator; None when not.
    loss_report_days: Mapped[int | None] = mapped_column(Integer)
    # Days without a shipment after which the policy's terms let an unused limit be withdrawn.
    idle_limit_days: Mapped[int | None] = mapped_column(Integer)
    contact_mobile: Mapped[str | None] = mapped_column(String(20))  # overrides the enterprise's
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CreditLimit(Base):
    """The credit limit approved for one buyer under a policy; the buyer as the policy names
    it, and the 资信红绿灯 registry's id where the import matched it."""

    __tablename__ = "policy_credit_limits"
    __table_args__ = (UniqueConstraint("policy_id", "buyer_key",
                                       name="uq_policy_credit_limits_policy_buyer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_key: Mapped[str] = mapped_column(String(200))  # the name folded, for matching
    buyer_country: Mapped[str | None] = mapped_column(String(2))
    buyer_id: Mapped[int | None] = mapped_column(Integer, index=True)  # lights registry
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    payment_methods: Mapped[list[str] | None] = mapped_column(JSON)  # None: the policy's
    max_credit_days: Mapped[int | None] = mapped_column(Integer)
    approved_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | withdrawn


class Binding(Base):
    """A follower bound to an enterprise. One active binding per follower; an enterprise may
    have several followers (the manager and the accountant)."""

    __tablename__ = "policy_bindings"
    __table_args__ = (
        Index("uq_policy_bindings_active_follower", "follower_id", unique=True,
              sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
        Index("ix_policy_bindings_enterprise_status", "enterprise_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    openid: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("policy_enterprises.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))  # the one proven
    status: Mapped[str] = mapped_column(String(16))  # active | ended
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(80))


class BindingCode(Base):
    """A one-time code sent to the mobile on file. Only its hash is kept."""

    __tablename__ = "policy_binding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("policy_enterprises.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    mobile_masked: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BindingAttempt(Base):
    """Every binding attempt, counted for the limits (in the database, so they hold with
    Redis down): ``kind`` details (name + code + policy checked), code_sent, code_wrong."""

    __tablename__ = "policy_binding_attempts"
    __table_args__ = (Index("ix_policy_binding_attempts_follower", "follower_id", "created_at"),
                      Index("ix_policy_binding_attempts_enterprise", "enterprise_id",
                            "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    ok: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EligibilityCheck(Base):
    """What was asked and answered: the answers as given, the outcome and the deciding test."""

    __tablename__ = "policy_eligibility_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int | None] = mapped_column(Integer, index=True)
    channel: Mapped[str] = mapped_column(String(16))  # wechat | miniprogram | h5 | staff
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RenewalApplication(Base):
    __tablename__ = "policy_renewals"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("policy_enterprises.id"), index=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    openid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    expected_exports_usd: Mapped[Decimal] = mapped_column(MONEY)
    main_markets: Mapped[list[str]] = mapped_column(JSON)  # ISO codes
    main_buyers: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    staff_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Shipment(Base):
    """A shipment declaration (出运申报) under a policy, against a buyer's credit limit."""

    __tablename__ = "policy_shipments"
    __table_args__ = (UniqueConstraint("policy_id", "invoice_key",
                                       name="uq_policy_shipments_invoice"),
                      Index("ix_policy_shipments_enterprise_status", "enterprise_id", "status"),
                      Index("ix_policy_shipments_limit_status", "credit_limit_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("policy_enterprises.id"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"))
    credit_limit_id: Mapped[int] = mapped_column(ForeignKey("policy_credit_limits.id"))
    buyer_name: Mapped[str] = mapped_column(String(200))
    invoice_number: Mapped[str] = mapped_column(String(40))
    invoice_key: Mapped[str] = mapped_column(String(40))  # folded: "inv-001" = "INV 001"
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    ship_date: Mapped[date] = mapped_column(Date)
    payment_method: Mapped[str] = mapped_column(String(4))
    credit_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # declared | collected
    collected_on: Mapped[date | None] = mapped_column(Date)
    follower_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReminderSent(Base):
    """A reminder issued: one row per (kind, subject, occasion), so each is sent once however
    often or wherever the job runs."""

    __tablename__ = "policy_reminders"
    __table_args__ = (UniqueConstraint("kind", "subject", "occasion",
                                       name="uq_policy_reminders_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(40))  # "policy:12", "shipment:5", "limit:3"
    occasion: Mapped[str] = mapped_column(String(40))
    enterprise_id: Mapped[int] = mapped_column(Integer, index=True)
    recipients: Mapped[list[int]] = mapped_column(JSON)  # follower ids told
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReminderMute(Base):
    """A kind of reminder a follower turned off (提醒设置)."""

    __tablename__ = "policy_reminder_mutes"
    __table_args__ = (UniqueConstraint("follower_id", "kind",
                                       name="uq_policy_reminder_mutes_follower_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

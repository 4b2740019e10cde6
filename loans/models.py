"""信保贷's tables: a referral to a partner bank (what the follower consented to share, the
indicative estimate shown, the tracking code, the bank's status) and each status report the
bank sent (one row per bank event: a replay or a retry changes nothing twice)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow


class Referral(Base):
    __tablename__ = "loan_referrals"
    __table_args__ = (Index("ix_loan_referrals_enterprise", "enterprise_id", "id"),
                      Index("ix_loan_referrals_status_updated", "status", "updated_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(24), unique=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    openid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # wechat | miniprogram | h5
    # The enterprise as 信保易 knows it (policy_enterprises.id; no foreign key: loans does not
    # depend on policies' tables) and what was shared with the bank, as it was then.
    enterprise_id: Mapped[int] = mapped_column(Integer)
    enterprise_name: Mapped[str] = mapped_column(String(120))
    policy_number: Mapped[str] = mapped_column(String(40))
    bank_code: Mapped[str] = mapped_column(String(32))
    bank_name: Mapped[str] = mapped_column(String(60))
    shared: Mapped[list[str]] = mapped_column(JSON)  # the data items consented to
    consented_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    estimate: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # per currency, indicative
    status: Mapped[str] = mapped_column(String(16), index=True)
    bank_note: Mapped[str | None] = mapped_column(Text)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BankEvent(Base):
    """A status report from a bank, kept whether or not it changed anything."""

    __tablename__ = "loan_bank_events"
    __table_args__ = (UniqueConstraint("bank_code", "event_id", name="uq_loan_bank_events_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(80))
    referral_id: Mapped[int] = mapped_column(ForeignKey("loan_referrals.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    before: Mapped[str] = mapped_column(String(16))
    changed: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # its timestamp
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

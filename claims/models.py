"""理赔's tables: a case (a notice of possible loss, or a claim), its documents and its status
history. Facts of the policy and the shipment are copied in when the case is made, so the case
reads the same however the policy is later changed (and ``claims`` never reads policies')."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow

MONEY = Numeric(18, 2)


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_enterprise_status", "enterprise_id", "status"),
                      Index("ix_claims_shipment", "shipment_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # notice (可损通知) | claim (索赔)
    status: Mapped[str] = mapped_column(String(24), index=True)
    enterprise_id: Mapped[int] = mapped_column(Integer)
    enterprise_name: Mapped[str] = mapped_column(String(120))
    policy_id: Mapped[int] = mapped_column(Integer)
    policy_number: Mapped[str] = mapped_column(String(40))
    shipment_id: Mapped[int] = mapped_column(Integer)
    buyer_name: Mapped[str] = mapped_column(String(200))
    invoice_number: Mapped[str] = mapped_column(String(40))
    invoice_amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(24))
    loss_amount: Mapped[Decimal] = mapped_column(MONEY)
    indemnity_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    buyer_says: Mapped[str] = mapped_column(Text, default="")
    quality_dispute: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # notice after the policy's window
    follower_id: Mapped[int | None] = mapped_column(Integer, index=True)
    openid: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(16))
    documents_complete_on: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)  # liability decided by (30 working days)
    deadline_provisional: Mapped[str | None] = mapped_column(Text)  # why, when not official
    staff_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClaimDocument(Base):
    """A document of a case: a photo or file sent in the chat (fetched from WeChat by a job:
    ``pending`` until it is stored) or uploaded on a page."""

    __tablename__ = "claim_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # claims.causes.DOCUMENTS
    media_id: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200), default="")
    path: Mapped[str | None] = mapped_column(String(500))  # where it is kept
    size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # pending | stored | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClaimEvent(Base):
    """A status change: who, when, why (the audit log keeps the same, across services)."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    before: Mapped[str | None] = mapped_column(String(24))
    after: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

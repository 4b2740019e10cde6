"""Tickets and their messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow


class Ticket(Base):
    __tablename__ = "support_tickets"
    __table_args__ = (Index("ix_support_tickets_status_kind", "status", "kind"),
                      Index("ix_support_tickets_openid_status", "openid", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # handoff | expert
    openid: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # open | answered | closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(80))


class TicketMessage(Base):
    __tablename__ = "support_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id"), index=True)
    author: Mapped[str] = mapped_column(String(16))  # follower | staff | system
    staff_id: Mapped[int | None] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    media_id: Mapped[str | None] = mapped_column(String(128))  # a photo the follower sent
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

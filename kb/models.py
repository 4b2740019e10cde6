"""Questions that found no answer (the knowledge base grows from them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow


class Gap(Base):
    __tablename__ = "kb_gaps"
    __table_args__ = (Index("ix_kb_gaps_folded", "folded"),
                      Index("ix_kb_gaps_created_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    openid_hash: Mapped[str] = mapped_column(String(64))  # core.logs.hash_openid: not the openid
    text: Mapped[str] = mapped_column(String(500))  # as typed
    folded: Mapped[str] = mapped_column(String(500))  # simplified, lower case, our words
    reason: Mapped[str] = mapped_column(String(16))  # none (nothing fitted) | rejected (都不是)
    nearest: Mapped[str] = mapped_column(String(300), default="")  # entry ids offered, comma
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

"""Every QR code the account created: the permanent quota is counted from this table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.models import utcnow


class QrCode(Base):
    __tablename__ = "qr_codes"
    __table_args__ = (Index("ix_qr_codes_scene_permanent", "scene", "permanent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scene: Mapped[str] = mapped_column(String(64))
    permanent: Mapped[bool] = mapped_column(default=False)
    ticket: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(300))
    caption: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

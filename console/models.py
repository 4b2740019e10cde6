"""A console job: a large export or a buyer upload that runs in rq while the operator watches.

The file travels in the row (``data`` in, ``result`` out), not on a disk: the web process and
the worker may run on different machines, and a job's file is as durable as its record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import Base
from core.models import utcnow


class ConsoleJob(Base):
    __tablename__ = "console_jobs"
    __table_args__ = (Index("ix_console_jobs_staff", "staff_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # export | buyers
    status: Mapped[str] = mapped_column(String(12), default="queued")  # running | done | failed
    staff_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the list and its filter
    filename: Mapped[str] = mapped_column(String(200))  # what the download is called
    total: Mapped[int] = mapped_column(Integer, default=0)  # bytes (upload) or rows (export)
    done: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # the uploaded file
    result: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # xlsx or rejects CSV
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

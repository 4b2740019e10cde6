"""The buyer registry, country risk ratings and each follower's lookups.

Broken promises and negative events are JSON lists on the buyer row rather than child tables:
they are read only with their buyer, never queried on their own, and the import of millions of
rows stays one bulk statement per batch. ``lights.records`` gives them types.

Search reads ``buyer_names``: one row per legal name, alias and original-script name, with its
``name_key`` (``lights.normalize``) and the key reversed. The migration adds the indexes per
dialect: an FTS5 trigram table and plain B-trees on SQLite (whose BINARY collation makes a
range a prefix); a pg_trgm GIN index and ``varchar_pattern_ops`` B-trees on PostgreSQL
(prefix ranges whatever the database collation). Names are written only by
``lights.importer``, which also fills the FTS5 table; they carry no foreign key (migration
0006 says why), so whatever comes to delete a buyer deletes its names too.

``BuyerImport`` is one run of ``xinbao buyers import``: its checkpoint is updated in the same
transaction as each batch it loads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class Buyer(Base):
    """An overseas buyer as one data source describes it, upserted by (source, source_id)."""

    __tablename__ = "buyers"
    __table_args__ = (UniqueConstraint("source", "source_id", name="uq_buyers_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(80))
    legal_name: Mapped[str] = mapped_column(String(300))
    original_name: Mapped[str | None] = mapped_column(String(300))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str] = mapped_column(String(2), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(80))
    registration_key: Mapped[str | None] = mapped_column(String(80), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(120))
    founded: Mapped[int | None] = mapped_column(SmallInteger)
    # active | dormant | in_liquidation | dissolved | bankrupt (see lights.records.STATUSES)
    status: Mapped[str] = mapped_column(String(20), default="active")
    well_known: Mapped[bool] = mapped_column(default=False)  # listed or a well-known group
    broken_promises: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    negative_events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    disclosure: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0–100 % complete
    as_of: Mapped[date | None] = mapped_column(Date)
    sample: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class BuyerName(Base):
    """One searchable name of a buyer: legal, alias or original script."""

    __tablename__ = "buyer_names"
    # The indexes on name_key / name_rev are per dialect, in the migration (see above).

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10))  # legal | alias | original
    name_key: Mapped[str] = mapped_column(String(300))
    # The key backwards: "ends with" becomes a B-tree prefix range (typos, lights.search).
    name_rev: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))


class CountryRisk(Base):
    """The operator's country risk rating, 1 (lowest) to 9 (highest)."""

    __tablename__ = "country_risks"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(80), default="")
    as_of: Mapped[date | None] = mapped_column(Date)
    sample: Mapped[bool] = mapped_column(default=False)


class BuyerLookup(Base):
    """One lookup by a follower (shown by 我的查询, counted by the daily quota)."""

    __tablename__ = "buyer_lookups"
    __table_args__ = (Index("ix_buyer_lookups_openid_created", "openid", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(String(200))
    buyer_id: Mapped[int | None] = mapped_column(
        ForeignKey("buyers.id", ondelete="SET NULL"), index=True
    )
    buyer_name: Mapped[str | None] = mapped_column(String(300))
    light: Mapped[str] = mapped_column(String(8))  # green | yellow | red | none | list
    candidates: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(16), default="wechat")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)



class BuyerImport(Base):
    """One run of ``xinbao buyers import FILE``. While ``status`` is running, ``offset`` and
    ``line`` say where the file was committed up to (the same transaction as the batch), and
    a second run of the same file (path, size and mtime) resumes there."""

    __tablename__ = "buyer_imports"
    __table_args__ = (Index("ix_buyer_imports_path_status", "path", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1000))  # absolute
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[int] = mapped_column(BigInteger)  # whole seconds
    source: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="running")  # | finished | abandoned
    offset: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes committed
    line: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    # CREATE INDEX statements a first load set aside (PostgreSQL), rebuilt when it finishes.
    deferred_indexes: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

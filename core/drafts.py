"""Where a follower is in a conversation, and what they entered.

What the follower entered lives in a ``ConversationDraft`` row, written in the request's own
transaction; Redis keeps only the cursor — the flow, the state, the draft's id, the deadline and
a question awaiting an answer — so that the common message finds its place in one GET. When the
cursor is gone (Redis flushed or restarted) or Redis cannot be reached, the draft row still says
where the follower was, and the conversation continues from it.

Statuses: ``active`` (the follower is in it), ``suspended`` (kept: another service was asked for,
the follower unfollowed or fell silent; "继续填写" resumes it), ``done``, ``cancelled``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import redis
from sqlalchemy import JSON, DateTime, Index, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base
from core.models import utcnow
from core.redis_store import UNAVAILABLE, delete, key, read, write

log = logging.getLogger(__name__)

ACTIVE = "active"
SUSPENDED = "suspended"
DONE = "done"
CANCELLED = "cancelled"

# The cursor outlives its deadline by this much, so an expiry can still be noticed and told.
NOTICE_GRACE = timedelta(days=1)


class ConversationDraft(Base):
    __tablename__ = "conversation_drafts"
    __table_args__ = (Index("ix_conversation_drafts_openid_status", "openid", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64))
    flow: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    history: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


@dataclass
class Cursor:
    """Where the follower is. ``pending``: a question the follower has to answer first."""

    flow: str
    state: str
    draft_id: int
    deadline: datetime
    pending: dict[str, Any] | None = field(default=None)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "deadline": self.deadline.isoformat()},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Cursor:
        loaded = json.loads(raw)
        return cls(flow=loaded["flow"], state=loaded["state"], draft_id=int(loaded["draft_id"]),
                   deadline=datetime.fromisoformat(loaded["deadline"]),
                   pending=loaded.get("pending"))

    @classmethod
    def of(cls, row: ConversationDraft) -> Cursor:
        return cls(row.flow, row.state, row.id, aware(row.deadline))


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class CursorStore:
    """The cursor in Redis. Writes that fail are logged and skipped: the draft rows are the
    truth, and a reader that cannot reach Redis falls back to them."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @staticmethod
    def key_for(openid: str) -> str:
        return key("conversation", openid)

    def get(self, openid: str) -> Cursor | None:
        """Raises ``core.redis_store.UNAVAILABLE`` errors: the caller reads the draft rows."""
        raw = read(self.redis, self.key_for(openid))
        return Cursor.from_json(raw) if raw else None

    def put(self, openid: str, cursor: Cursor, now: datetime) -> None:
        ttl = max(cursor.deadline - now, timedelta(0)) + NOTICE_GRACE
        try:
            write(self.redis, self.key_for(openid), cursor.to_json(),
                  ex=int(ttl.total_seconds()))
        except UNAVAILABLE as error:
            log.warning("conversation cursor not saved (%s)", type(error).__name__)

    def clear(self, openid: str) -> None:
        try:
            delete(self.redis, self.key_for(openid))
        except UNAVAILABLE as error:
            log.warning("conversation cursor not cleared (%s)", type(error).__name__)


class DraftStore:
    """Draft rows in the request's session; the caller commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, draft_id: int) -> ConversationDraft | None:
        return self.session.get(ConversationDraft, draft_id)

    def active(self, openid: str) -> ConversationDraft | None:
        return self.session.scalar(
            select(ConversationDraft)
            .where(ConversationDraft.openid == openid, ConversationDraft.status == ACTIVE)
            .order_by(ConversationDraft.updated_at.desc(), ConversationDraft.id.desc()).limit(1))

    def latest_kept(self, openid: str, flows: set[str], flow: str | None = None
                    ) -> ConversationDraft | None:
        """The newest draft of these flows that is kept for later (suspended or active)."""
        names = {flow} if flow else flows
        return self.session.scalar(
            select(ConversationDraft)
            .where(ConversationDraft.openid == openid,
                   ConversationDraft.status.in_((ACTIVE, SUSPENDED)),
                   ConversationDraft.flow.in_(names))
            .order_by(ConversationDraft.updated_at.desc(), ConversationDraft.id.desc()).limit(1))

    def create(self, openid: str, flow: str, state: str, data: dict[str, Any],
               deadline: datetime, now: datetime) -> ConversationDraft:
        row = ConversationDraft(openid=openid, flow=flow, state=state, status=ACTIVE,
                                data=data, history=[], deadline=deadline, created_at=now,
                                updated_at=now)
        self.session.add(row)
        self.session.flush()
        return row

    def close_active(self, openid: str, forms: set[str], now: datetime) -> None:
        """Leave whatever is active: forms are kept (suspended), the rest cancelled."""
        where = [ConversationDraft.openid == openid, ConversationDraft.status == ACTIVE]
        self.session.execute(
            update(ConversationDraft).where(*where, ConversationDraft.flow.in_(forms))
            .values(status=SUSPENDED, updated_at=now))
        self.session.execute(
            update(ConversationDraft).where(*where, ConversationDraft.flow.not_in(forms))
            .values(status=CANCELLED, updated_at=now))

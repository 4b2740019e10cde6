"""Knowledge-base use cases: record a gap, list the gaps for operators, the follower's recent
words for a hand-off, and the two small pieces of chat state kept in Redis (a numbered question
waiting for its answer, an open hand-off). The caller commits."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
from sqlalchemy import case, func, select

from core.drafts import aware
from core.logs import hash_openid
from core.models import InboundMessage
from core.redis_store import delete, key, read, write
from core.uow import UnitOfWork
from kb.models import Gap

MAX_TEXT = 500
CHOICE_SECONDS = 30 * 60  # a numbered question is answered soon or not at all


class GapReason:
    NONE = "none"  # nothing fitted
    REJECTED = "rejected"  # the follower answered the clarifying question with 都不是


def record_gap(uow: UnitOfWork, openid: str, text: str, folded: str, reason: str,
               nearest: list[str]) -> Gap:
    gap = Gap(openid_hash=hash_openid(openid), text=text.strip()[:MAX_TEXT],
              folded=folded.strip()[:MAX_TEXT], reason=reason,
              nearest=",".join(nearest)[:300], created_at=uow.now)
    uow.session.add(gap)
    uow.session.flush()
    return gap


@dataclass(frozen=True)
class GapSummary:
    """One question as operators see it: how often it was asked, by how many, when last."""

    folded: str
    example: str
    times: int
    askers: int
    last_asked: datetime
    nearest: str
    rejected: int


def list_gaps(uow: UnitOfWork, since: datetime | None = None, limit: int = 50,
              offset: int = 0) -> tuple[list[GapSummary], int]:
    """The unanswered questions, the most asked first (grouped by their folded words)."""
    query = select(Gap.folded, func.count().label("times"),
                   func.count(func.distinct(Gap.openid_hash)).label("askers"),
                   func.max(Gap.created_at).label("last"), func.max(Gap.text).label("example"),
                   func.max(Gap.nearest).label("nearest"),
                   func.sum(case((Gap.reason == GapReason.REJECTED, 1), else_=0)).label("rej"))
    if since is not None:
        query = query.where(Gap.created_at >= since)
    query = query.group_by(Gap.folded)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.execute(query.order_by(func.count().desc(), func.max(Gap.created_at)
                                              .desc()).offset(offset).limit(limit))
    return [GapSummary(folded=row.folded, example=row.example, times=row.times,
                       askers=row.askers, last_asked=row.last, nearest=row.nearest or "",
                       rejected=int(row.rej or 0)) for row in rows], total


def recent_words(uow: UnitOfWork, openid: str, limit: int,
                 within: timedelta = timedelta(hours=24),
                 unwritten: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """What the follower typed lately, oldest first: the conversation so far, for a person.
    ``unwritten``: the follower's latest messages not in the database yet (the inbound log's
    rows, ``core.inbound_log.unwritten``), the one being answered among them."""
    if limit <= 0:
        return []
    stored = uow.session.execute(
        select(InboundMessage.dedupe_key, InboundMessage.content, InboundMessage.created_at)
        .where(InboundMessage.openid == openid, InboundMessage.msg_type == "text",
               InboundMessage.created_at >= uow.now - within,
               InboundMessage.content.is_not(None))
        .order_by(InboundMessage.id.desc()).limit(limit)).all()
    texts = {dedupe: (created, content) for dedupe, content, created in stored}
    for row in unwritten:
        if row["msg_type"] == "text" and row.get("content"):
            texts.setdefault(row["dedupe_key"], (row["created_at"], row["content"]))
    latest = sorted(texts.values(), key=lambda pair: aware(pair[0]))[-limit:]
    return [content.strip() for _, content in latest if content.strip()]


# --- chat state in Redis -----------------------------------------------------------------------

@dataclass
class Choice:
    """A numbered question waiting for its answer: what was asked, the targets offered (entry
    ids or "intent:<name>") and how many times the follower said 都不是."""

    question: str
    folded: str
    targets: list[str]
    misses: int = 0


class ChoiceStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    @staticmethod
    def key_for(openid: str) -> str:
        return key("kb", "choice", openid)

    def get(self, openid: str) -> Choice | None:
        raw = read(self.client, self.key_for(openid))
        if not raw:
            return None
        try:
            return Choice(**json.loads(raw))
        except (TypeError, ValueError):
            return None

    def put(self, openid: str, choice: Choice) -> None:
        write(self.client, self.key_for(openid),
              json.dumps(choice.__dict__, ensure_ascii=False), ex=CHOICE_SECONDS)

    def clear(self, openid: str) -> None:
        delete(self.client, self.key_for(openid))


class HandoffFlag:
    """The follower's open hand-off ticket, so that every message need not ask the database;
    the ticket row stays the truth (a ticket staff closed is noticed and the flag dropped)."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    @staticmethod
    def key_for(openid: str) -> str:
        return key("kb", "handoff", openid)

    def get(self, openid: str) -> int | None:
        raw = read(self.client, self.key_for(openid))
        return int(raw) if raw and str(raw).isdigit() else None

    def put(self, openid: str, ticket_id: int) -> None:
        write(self.client, self.key_for(openid), str(ticket_id))

    def clear(self, openid: str) -> None:
        delete(self.client, self.key_for(openid))

"""The hand-off and expert-question queues in figures: how many wait, and for how long."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.stats import Column, Figure, StatsQuery, age_hours
from support.models import Ticket

KIND_NAMES = {"handoff": "转人工", "expert": "专家提问"}
STATUS_NAMES = {"open": "待回复", "answered": "已回复", "closed": "已结束"}


def queues(session: Session, query: StatsQuery) -> list[Figure]:
    found = session.execute(
        select(Ticket.kind, Ticket.status, func.count(), func.min(Ticket.updated_at))
        .where(Ticket.status != "closed").group_by(Ticket.kind, Ticket.status)
        .order_by(Ticket.kind, Ticket.status)).all()
    rows = [(KIND_NAMES.get(kind, kind), STATUS_NAMES.get(status, status), int(count),
             age_hours(oldest, query.now)) for kind, status, count, oldest in found]
    return [Figure("queues.tickets", "咨询待办（转人工、专家提问）",
                   (Column("kind", "类型"), Column("status", "状态"),
                    Column("count", "件数", "int"),
                    Column("oldest_hours", "最久等待（小时）", "number")),
                   rows, chart="none", permission="support.read",
                   note="当前快照；日期范围不适用。")]

"""Messages followers sent, per Beijing day and kind (text, image, voice, event …)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import InboundMessage
from core.stats import Column, Figure, StatsQuery, per_day

KINDS = {"text": "文字", "image": "图片", "voice": "语音", "event": "事件（关注、菜单等）",
         "other": "其他"}


def messages_per_day(session: Session, query: StatsQuery) -> list[Figure]:
    # Bucketed here, not in SQL: the day boundary is Beijing's and SQLite and PostgreSQL
    # spell time-zone arithmetic differently; the range is days to months of messages.
    found = session.execute(
        select(InboundMessage.created_at, InboundMessage.msg_type)
        .where(InboundMessage.created_at >= query.start_utc,
               InboundMessage.created_at < query.end_utc))
    events = ((moment, kind if kind in KINDS else "other") for moment, kind in found)
    rows = per_day(query, events, list(KINDS))
    return [Figure("messages.daily", "每日消息数（按类型）",
                   (Column("day", "日期", "date"),
                    *(Column(kind, title, "int") for kind, title in KINDS.items())),
                   rows, chart="line", series=tuple(KINDS),
                   note="粉丝发来的消息，按北京时间计日。")]

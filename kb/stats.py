"""The understanding gap rate for the console (``core.stats``): per Beijing day, the text
messages followers sent and the ones nothing understood (``kb_gaps``), and their share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import InboundMessage
from core.stats import Column, Figure, StatsQuery, per_day
from kb.models import Gap


def gap_rate(session: Session, query: StatsQuery) -> list[Figure]:
    texts = session.execute(
        select(InboundMessage.created_at, InboundMessage.msg_type)
        .where(InboundMessage.msg_type == "text", InboundMessage.created_at >= query.start_utc,
               InboundMessage.created_at < query.end_utc))
    gaps = session.execute(
        select(Gap.created_at, Gap.reason)
        .where(Gap.created_at >= query.start_utc, Gap.created_at < query.end_utc))
    sent = {day: count for day, count in per_day(query, texts, ["text"])}
    rows = [(day, sent[day], none + rejected, (none + rejected) / sent[day] if sent[day] else 0.0)
            for day, none, rejected in per_day(query, gaps, ["none", "rejected"])]
    return [Figure("kb.gap_rate", "未能理解的消息（问答缺口率）",
                   (Column("day", "日期", "date"), Column("texts", "文字消息", "int"),
                    Column("gaps", "未理解", "int"), Column("rate", "缺口率", "percent")),
                   rows, chart="line", series=("texts", "gaps"), permission="kb.read",
                   note="缺口：没有任何服务或问答能接住，或粉丝说「都不是」。")]

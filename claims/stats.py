"""理赔 in figures for the console (``core.stats``): cases by status and kind, and deadlines at
risk — the figures of ``claims.usecases.stats``, as tables."""

from __future__ import annotations

from sqlalchemy.orm import Session

from claims.usecases import AT_RISK_WORKDAYS, KIND_NAMES, STATUS_NAMES, Kind, Status, stats
from core.stats import Column, Figure, StatsQuery
from core.workdays import beijing_day


def claims(session: Session, query: StatsQuery) -> list[Figure]:
    found = stats(session, beijing_day(query.now))
    by_status = [(STATUS_NAMES.get(Status(s), s) if s in set(Status) else s, n)
                 for s, n in sorted(found.by_status.items())]
    by_kind = [(KIND_NAMES.get(Kind(k), k) if k in set(Kind) else k, n)
               for k, n in sorted(found.by_kind.items())]
    return [
        Figure("claims.status", "理赔案件（按状态）",
               (Column("status", "状态"), Column("count", "件数", "int")),
               by_status + [(f"（类型）{kind}", n) for kind, n in by_kind],
               chart="bar", series=("count",), permission="claims.read",
               note="当前快照；日期范围不适用。"),
        Figure("claims.deadlines", "未决案件的期限",
               (Column("what", "项目"), Column("count", "件数", "int")),
               [(f"{AT_RISK_WORKDAYS} 个工作日内到期", found.at_risk),
                ("已过期限", found.overdue), ("涉质量纠纷", found.quality_disputes)],
               chart="bar", series=("count",), permission="claims.read"),
    ]

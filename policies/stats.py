"""信保易 in figures: policies coming up for renewal, and the renewal applications' queue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.stats import Column, Figure, StatsQuery, age_hours
from core.workdays import beijing_day
from policies.models import Policy, RenewalApplication
from policies.renewals import FINAL, STATUS_NAMES, RenewalStatus

DUE_WEEKS = 13  # a quarter ahead: renewals are prepared one to three months before the end


def renewals(session: Session, query: StatsQuery) -> list[Figure]:
    today = beijing_day(query.now)
    horizon = today + timedelta(weeks=DUE_WEEKS)
    ends = session.scalars(select(Policy.ends_on).where(
        Policy.status == "in_force", Policy.ends_on >= today, Policy.ends_on < horizon))
    weeks = [0] * DUE_WEEKS
    for day in ends:
        weeks[(day - today).days // 7] += 1
    due = [(today + timedelta(weeks=n), today + timedelta(weeks=n, days=6), count)
           for n, count in enumerate(weeks)]
    open_statuses = [s.value for s in RenewalStatus if s not in FINAL]
    queue = session.execute(
        select(RenewalApplication.status, func.count(), func.min(RenewalApplication.updated_at))
        .where(RenewalApplication.status.in_(open_statuses))
        .group_by(RenewalApplication.status)).all()
    return [
        Figure("renewals.due", f"将到期保单（未来 {DUE_WEEKS} 周，按周）",
               (Column("week_start", "自", "date"), Column("week_end", "至", "date"),
                Column("policies", "到期保单数", "int")),
               due, chart="bar", series=("policies",), permission="policies.read",
               note="在保保单按终止日计；日期范围筛选不适用。"),
        Figure("queues.renewals", "续转申请待办",
               (Column("status", "状态"), Column("count", "件数", "int"),
                Column("oldest_hours", "最久等待（小时）", "number")),
               [(STATUS_NAMES[RenewalStatus(status)], int(count), age_hours(oldest, query.now))
                for status, count, oldest in queue],
               chart="bar", series=("count",), permission="policies.read"),
    ]

"""信保贷 in figures for the console (``core.stats``): the referral funnel of the referrals
made in the range — ``loans.usecases.stats`` as a table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.stats import Column, Figure, StatsQuery
from loans.usecases import FUNNEL, Status, stats, status_name


def referral_funnel(session: Session, query: StatsQuery) -> list[Figure]:
    funnel = stats(session, query.start_utc, query.end_utc)
    rows = [(status_name(step.value), funnel.reached.get(step.value, 0),
             funnel.by_status.get(step.value, 0)) for step in FUNNEL]
    rows += [(status_name(s.value), 0, funnel.by_status.get(s.value, 0))
             for s in Status if s not in FUNNEL and funnel.by_status.get(s.value)]
    return [Figure("loans.funnel", f"融资转介漏斗（期间转介 {funnel.total} 笔）",
                   (Column("step", "环节"), Column("reached", "到达此环节", "int"),
                    Column("now", "目前在此状态", "int")),
                   rows, chart="bar", series=("reached", "now"), permission="loans.read")]

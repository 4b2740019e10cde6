"""智能问答's staff pages: the questions the knowledge base could not answer, most asked first,
so that editors know what to add to kb/content/ — a console list (``ListPage``: search, the
date range, sorting, pages, the Excel export), each question's detail listing its asks.

The list groups the gaps by their folded words, as ``kb.usecases.list_gaps`` (and ``xinbao kb
gaps``) do; the date range picks the asks that are counted, before the grouping.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import Select, case, func, select

from core.services import current
from kb.content import shipped
from kb.manifest import KB_READ
from kb.models import Gap
from kb.usecases import GapReason
from web.console.lists import Col, ListPage

staff_bp = Blueprint("kb_staff", __name__, url_prefix="/staff/kb")
ASKS_SHOWN = 200  # a detail page lists this many of a question's asks, the latest first


def grouped(start: datetime | None, end: datetime | None) -> Select[Any]:
    """One row per question (its folded words) asked in [start, end): how often, by how many
    (openids are stored only hashed, and never shown), when last; ``id`` is its first ask."""
    asks = select(Gap.folded, func.min(Gap.id).label("id"), func.max(Gap.text).label("example"),
                  func.count().label("times"),
                  func.count(func.distinct(Gap.openid_hash)).label("askers"),
                  func.sum(case((Gap.reason == GapReason.REJECTED, 1), else_=0)).label("rejected"),
                  func.max(Gap.created_at).label("last_asked"),
                  func.max(Gap.nearest).label("nearest"))
    if start is not None:
        asks = asks.where(Gap.created_at >= start)
    if end is not None:
        asks = asks.where(Gap.created_at < end)
    rows = asks.group_by(Gap.folded).subquery("gaps")
    return select(rows.c.id, rows.c.example, rows.c.times, rows.c.askers, rows.c.rejected,
                  rows.c.last_asked, rows.c.nearest, rows.c.folded)


def topic_titles(entry_ids: str) -> str:
    """The topics offered (stored as entry ids, comma-separated) as the follower read them."""
    kb = shipped()
    return "、".join(entry.topic if (entry := kb.get(entry_id)) else entry_id
                    for entry_id in entry_ids.split(",") if entry_id)


def gap_detail(gap_id: int) -> str:
    """A question: every ask of its folded words (latest first), with what was offered."""
    session = current().db.session
    gap = session.get(Gap, gap_id)
    if gap is None:
        abort(404)
    asks = list(session.scalars(select(Gap).where(Gap.folded == gap.folded)
                                .order_by(Gap.created_at.desc(), Gap.id.desc())
                                .limit(ASKS_SHOWN)))
    total = session.scalar(select(func.count()).where(Gap.folded == gap.folded)) or 0
    return render_template("pages/staff/kb_gap.html", gap=gap, asks=asks, total=total,
                           page=GAPS, topics=topic_titles)


GAPS = ListPage(  # the console link's endpoint "kb_staff.gaps" (the manifest's staff_nav)
    name="gaps", title="问答缺口", permission=KB_READ,
    query=lambda: grouped(None, None), ranged=grouped,
    columns=(Col("example", "问题"), Col("times", "次数", "int"), Col("askers", "人数", "int"),
             Col("rejected", "其中「都不是」", "int"),
             Col("last_asked", "最近提问", "datetime"),
             Col("nearest", "当时推荐的话题", shown=topic_titles),
             Col("folded", "归并后的问法", in_list=False), Col("id", "编号", "int", in_list=False)),
    search=("example", "folded"), dates="last_asked", sort="-times", detail=gap_detail,
)
GAPS.register(staff_bp, at="/gaps")  # GET /staff/kb/gaps, /gaps/export.xlsx, /gaps/<id>

"""智能问答's staff page: the questions the knowledge base could not answer, most asked first
(``kb.usecases.list_gaps``), so that editors know what to add to kb/content/."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request

from core.services import current
from core.uow import Actor, UnitOfWork
from kb.manifest import KB_READ
from kb.usecases import list_gaps
from web.staff import _navigation, current_staff, staff_page

staff_bp = Blueprint("kb_staff", __name__, url_prefix="/staff/kb")
staff_bp.context_processor(_navigation)  # the console's links on this page too
PAGE_SIZE = 50
PERIODS = (7, 30, 90, 365)


@staff_bp.get("/gaps")
@staff_page(KB_READ)
def gaps() -> str:
    services = current()
    principal = current_staff()
    actor = principal.actor if principal is not None else Actor(label="staff")
    uow = UnitOfWork(session=services.db.session, now=services.clock(), actor=actor,
                     settings=services.settings, redis=services.redis.text)
    days = request.args.get("days", default=30, type=int) or 30
    days = days if days in PERIODS else 30
    page = max(request.args.get("page", default=1, type=int) or 1, 1)
    rows, total = list_gaps(uow, since=uow.now - timedelta(days=days),
                            offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render_template("pages/staff/kb_gaps.html", rows=rows, total=total, days=days,
                           periods=PERIODS, page=page, has_next=page * PAGE_SIZE < total)

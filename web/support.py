"""The inbox of hand-off tickets and expert questions (``/staff/inbox``): the queue as a
console list, a ticket with its conversation, a reply from the page and closing.

A reply goes through ``support.usecases.staff_replies``: stored and audited in the request's
transaction, then delivered after the commit as a customer-service message while WeChat's
48-hour window is open, else as the configured template message (``wechat.delivery``).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.services import current
from core.uow import UnitOfWork
from identity import audit
from support.manifest import SUPPORT_READ, SUPPORT_REPLY
from support.models import Ticket
from support.stats import KIND_NAMES, STATUS_NAMES
from support.usecases import MAX_BODY, TicketError, close, messages_of, staff_replies
from web import csrf
from web.console.lists import Choice, Col, ListPage
from web.staff import current_staff, staff_page
from wechat.delivery import CustomerServiceQuota, send_after_commit

bp = Blueprint("support_staff", __name__, url_prefix="/staff/inbox")


@bp.before_request
def _protect_forms() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def ticket_page(ticket_id: int, problem: str = "", status: int = 200) -> tuple[str, int]:
    ticket = current().db.session.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    principal = current_staff()
    assert principal is not None  # @staff_page
    window_open = CustomerServiceQuota(current().redis.text).remaining(ticket.openid) > 0
    return render_template(
        "pages/console/ticket.html", ticket=ticket, messages=messages_of(_uow(), ticket),
        kinds=KIND_NAMES, statuses=STATUS_NAMES, problem=problem, window_open=window_open,
        can_reply=principal.can(SUPPORT_REPLY)), status


INBOX = ListPage(
    name="inbox", title="咨询收件箱", permission=SUPPORT_READ,
    query=lambda: select(Ticket.id, Ticket.kind, Ticket.status, Ticket.subject, Ticket.openid,
                         Ticket.created_at, Ticket.updated_at),
    columns=(Col("id", "编号", "int"), Col("kind", "类型", labels=KIND_NAMES),
             Col("status", "状态", labels=STATUS_NAMES), Col("subject", "主题"),
             Col("openid", "粉丝 OpenID", in_list=False),
             Col("created_at", "提出时间", "datetime"), Col("updated_at", "最近消息", "datetime")),
    search=("subject", "openid"),
    filters=(Choice("status", "状态", STATUS_NAMES), Choice("kind", "类型", KIND_NAMES)),
    dates="created_at", sort="updated_at",  # the oldest waiting first: the queue's order
    detail=ticket_page,
)
INBOX.register(bp)


def _uow() -> UnitOfWork:
    services = current()
    principal = current_staff()
    assert principal is not None
    return UnitOfWork(session=services.db.session, now=services.clock(),
                      actor=principal.actor, settings=services.settings,
                      redis=services.redis.text, audit_log=audit.record)


def _ticket(uow: UnitOfWork, ticket_id: int) -> Ticket:
    ticket = uow.session.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    return ticket


def _commit(uow: UnitOfWork) -> None:
    uow.session.commit()
    send_after_commit(uow.outbox, current().jobs)


@bp.post("/<id:ticket_id>/reply")
@staff_page(SUPPORT_REPLY)
def reply(ticket_id: int) -> Any:
    uow = _uow()
    ticket = _ticket(uow, ticket_id)
    principal = current_staff()
    assert principal is not None
    body = request.form.get("body", "")
    if _just_sent(uow, ticket, int(principal.staff_id or 0), body):
        # A double click or a resubmitted form: the follower gets the answer once.
        return redirect(url_for("support_staff.inbox_detail", row_id=ticket_id, sent=1))
    try:
        staff_replies(uow, ticket, int(principal.staff_id or 0), body)
    except TicketError as error:
        uow.session.rollback()
        problem = "该咨询已结束，不能再回复" if error.code == "closed" else "回复内容不能为空"
        return ticket_page(ticket_id, problem, 409 if error.code == "closed" else 400)
    _commit(uow)
    return redirect(url_for("support_staff.inbox_detail", row_id=ticket_id, sent=1))


RESUBMIT_SECONDS = 120


def _just_sent(uow: UnitOfWork, ticket: Ticket, staff_id: int, body: str) -> bool:
    """The same words from the same member as the ticket's last message, moments ago."""
    messages = messages_of(uow, ticket)
    if not messages or not body.strip():
        return False
    last = messages[-1]
    sent_at = last.created_at if last.created_at.tzinfo else last.created_at.replace(tzinfo=UTC)
    return (last.author == "staff" and last.staff_id == staff_id
            and last.body == body.strip()[:MAX_BODY]
            and (uow.now - sent_at).total_seconds() < RESUBMIT_SECONDS)


@bp.post("/<id:ticket_id>/close")
@staff_page(SUPPORT_REPLY)
def close_ticket(ticket_id: int) -> Response:
    uow = _uow()
    ticket = _ticket(uow, ticket_id)
    notice = render_template("replies/support/closed_by_staff.j2").strip()
    close(uow, ticket, uow.actor.label, notice=notice)
    _commit(uow)
    return redirect(url_for("support_staff.inbox_detail", row_id=ticket_id))

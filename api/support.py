"""Tickets for a person: staff read the queue and answer (the answer reaches the follower in
WeChat); a follower reads its own tickets (the mini-program's "我的咨询")."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import render_template

from api.auth import follower_or_staff, require_principal, staff_required
from api.blueprint import ApiBlueprint
from api.errors import Conflict, NotFound, ValidationFailed
from api.fields import UtcDateTime
from api.pagination import PageArgs, page_of, paginated, window
from api.work import commit, unit_of_work
from support.manifest import SUPPORT_READ, SUPPORT_REPLY
from support.models import Ticket
from support.usecases import (
    MAX_BODY,
    Filters,
    Kind,
    Status,
    TicketError,
    close,
    listing,
    messages_of,
    staff_replies,
)

blp = ApiBlueprint("tickets", __name__, url_prefix="/tickets",
                   description="人工服务：转人工与专家提问")


class TicketListArgs(PageArgs):
    status = ma.fields.String(load_default=None,
                              validate=ma.validate.OneOf([s.value for s in Status]))
    kind = ma.fields.String(load_default=None, validate=ma.validate.OneOf([k.value for k in Kind]))


class MessageSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    author = ma.fields.String(required=True, metadata={"description": "follower | staff | system"})
    body = ma.fields.String(required=True)
    has_photo = ma.fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)


class TicketSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "handoff | expert"})
    subject = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "open | answered | closed"})
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class TicketDetailSchema(TicketSchema):
    messages = ma.fields.List(ma.fields.Nested(MessageSchema), required=True)


class ReplySchema(ma.Schema):
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=MAX_BODY))


def _ticket(ticket_id: int) -> Ticket:
    """A staff member with the permission reaches every ticket; a follower only its own
    (another's answers exactly like a missing one)."""
    principal = require_principal()
    ticket = unit_of_work().session.get(Ticket, ticket_id)
    if ticket is None or (principal.is_follower and ticket.openid != principal.openid):
        raise NotFound("找不到该咨询")
    return ticket


def _detail(ticket: Ticket) -> dict[str, Any]:
    messages = [{"id": m.id, "author": m.author, "body": m.body, "has_photo": bool(m.media_id),
                 "created_at": m.created_at} for m in messages_of(unit_of_work(), ticket)]
    return {**_summary(ticket), "messages": messages}


def _summary(ticket: Ticket) -> dict[str, Any]:
    return {"id": ticket.id, "kind": ticket.kind, "subject": ticket.subject,
            "status": ticket.status, "created_at": ticket.created_at,
            "updated_at": ticket.updated_at}


@blp.route("")
@follower_or_staff(SUPPORT_READ)
@blp.arguments(TicketListArgs, location="query")
@blp.response(200, page_of(TicketSchema))
def list_tickets(args: dict[str, Any]) -> dict[str, Any]:
    """咨询列表：员工看全部（最早等待的在前），用户只看自己的"""
    principal = require_principal()
    filters = Filters(status=args.get("status"), kind=args.get("kind"),
                      openid=str(principal.openid) if principal.is_follower else None)
    rows, total = listing(unit_of_work(), filters, **window(args))
    return paginated([_summary(row) for row in rows], total, args)


@blp.route("/<id:ticket_id>")
@follower_or_staff(SUPPORT_READ)
@blp.response(200, TicketDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_ticket(ticket_id: int) -> dict[str, Any]:
    """一条咨询及其全部往来消息"""
    return _detail(_ticket(ticket_id))


@blp.route("/<id:ticket_id>/replies", methods=["POST"])
@staff_required(SUPPORT_REPLY)
@blp.arguments(ReplySchema)
@blp.response(201, TicketDetailSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def reply(body: dict[str, Any], ticket_id: int) -> dict[str, Any]:
    """员工回复：用户在公众号里收到（48 小时内为客服消息，之后为模板消息）"""
    uow = unit_of_work()
    ticket = _ticket(ticket_id)
    try:
        staff_replies(uow, ticket, int(require_principal().staff_id or 0), body["body"])
    except TicketError as error:
        raise _refused(error) from None
    commit(uow)
    return _detail(ticket)


@blp.route("/<id:ticket_id>/close", methods=["POST"])
@staff_required(SUPPORT_REPLY)
@blp.response(200, TicketSchema)
@blp.alt_response(404, response="NOT_FOUND")
def close_ticket(ticket_id: int) -> dict[str, Any]:
    """结束咨询（用户会收到一句说明）"""
    uow = unit_of_work()
    ticket = _ticket(ticket_id)
    notice = render_template("replies/support/closed_by_staff.j2").strip()
    close(uow, ticket, uow.actor.label, notice=notice)
    commit(uow)
    return _summary(ticket)


def _refused(error: TicketError) -> Conflict | ValidationFailed:
    if error.code == "closed":
        return Conflict("该咨询已结束，不能再回复", code="ticket_closed")
    return ValidationFailed("回复内容不能为空", code="empty_reply")

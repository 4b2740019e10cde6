"""Support use cases: open a ticket, add to it, answer it, close it. The caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select

from core.replies import Text
from core.uow import UnitOfWork
from support.models import Ticket, TicketMessage

MAX_BODY = 2000
MAX_SUBJECT = 200


class Kind(StrEnum):
    HANDOFF = "handoff"  # 人工客服: the follower asked for a person
    EXPERT = "expert"  # 大师课: a question for the academy's experts


class Status(StrEnum):
    OPEN = "open"  # waiting for staff
    ANSWERED = "answered"  # staff answered; the follower may write again
    CLOSED = "closed"


class TicketError(ValueError):
    """The action does not fit the ticket; ``code`` names why ("closed", "empty", …)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    kind: str | None = None
    openid: str | None = None


def _clean(body: str) -> str:
    text = body.strip()
    if not text:
        raise TicketError("empty")
    return text[:MAX_BODY]


def open_ticket(uow: UnitOfWork, openid: str, kind: Kind, subject: str,
                messages: list[str] | None = None, media_id: str | None = None) -> Ticket:
    """A new ticket with what the follower wrote (the conversation so far, oldest first)."""
    ticket = Ticket(kind=kind.value, openid=openid, subject=_clean(subject)[:MAX_SUBJECT],
                    status=Status.OPEN.value, created_at=uow.now, updated_at=uow.now)
    uow.session.add(ticket)
    uow.session.flush()
    for body in messages or [subject]:
        _add(uow, ticket, "follower", body, media_id=media_id)
    return ticket


def open_for(uow: UnitOfWork, openid: str, kind: Kind) -> Ticket | None:
    """The follower's ticket of this kind that is not closed, if any."""
    return uow.session.scalar(
        select(Ticket).where(Ticket.openid == openid, Ticket.kind == kind.value,
                             Ticket.status != Status.CLOSED.value)
        .order_by(Ticket.id.desc()).limit(1))


def _add(uow: UnitOfWork, ticket: Ticket, author: str, body: str, *,
         staff_id: int | None = None, media_id: str | None = None) -> TicketMessage:
    message = TicketMessage(ticket_id=ticket.id, author=author, staff_id=staff_id,
                            body=_clean(body) if not media_id else body.strip()[:MAX_BODY],
                            media_id=media_id, created_at=uow.now)
    uow.session.add(message)
    ticket.updated_at = uow.now
    uow.session.flush()
    return message


def follower_writes(uow: UnitOfWork, ticket: Ticket, body: str,
                    media_id: str | None = None) -> TicketMessage:
    if ticket.status == Status.CLOSED.value:
        raise TicketError("closed")
    ticket.status = Status.OPEN.value  # waiting for staff again
    return _add(uow, ticket, "follower", body, media_id=media_id)


def staff_replies(uow: UnitOfWork, ticket: Ticket, staff_id: int, body: str) -> TicketMessage:
    """The answer is stored, audited, and sent to the follower after the commit."""
    if ticket.status == Status.CLOSED.value:
        raise TicketError("closed")
    message = _add(uow, ticket, "staff", body, staff_id=staff_id)
    before = ticket.status
    ticket.status = Status.ANSWERED.value
    uow.audit("support.reply", "ticket", ticket.id, before={"status": before},
              after={"status": ticket.status, "message_id": message.id})
    uow.outbox.send(ticket.openid, Text(message.body))
    return message


def close(uow: UnitOfWork, ticket: Ticket, by: str, notice: str | None = None) -> Ticket:
    """``by``: "follower" or the staff actor's label; ``notice`` is told the follower."""
    if ticket.status == Status.CLOSED.value:
        return ticket
    before = ticket.status
    ticket.status, ticket.closed_at, ticket.closed_by = Status.CLOSED.value, uow.now, by
    ticket.updated_at = uow.now
    if by != "follower":
        uow.audit("support.close", "ticket", ticket.id, before={"status": before},
                  after={"status": ticket.status})
    if notice:
        uow.outbox.send(ticket.openid, Text(notice))
    return ticket


def listing(uow: UnitOfWork, filters: Filters, offset: int, limit: int
            ) -> tuple[list[Ticket], int]:
    """Oldest waiting first: the queue staff work through."""
    query = select(Ticket)
    if filters.status:
        query = query.where(Ticket.status == filters.status)
    if filters.kind:
        query = query.where(Ticket.kind == filters.kind)
    if filters.openid:
        query = query.where(Ticket.openid == filters.openid)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = uow.session.scalars(query.order_by(Ticket.updated_at, Ticket.id)
                               .offset(offset).limit(limit))
    return list(rows), total


def messages_of(uow: UnitOfWork, ticket: Ticket) -> list[TicketMessage]:
    return list(uow.session.scalars(select(TicketMessage)
                                    .where(TicketMessage.ticket_id == ticket.id)
                                    .order_by(TicketMessage.id)))

"""The unit of work of a page request (H5 or staff): the edge where use cases are called and
committed, and the CSRF check every page blueprint's forms share."""

from __future__ import annotations

from flask import request

from core.services import current
from core.uow import Actor, UnitOfWork
from identity import audit
from web import csrf
from wechat.delivery import send_after_commit


def page_uow(actor: Actor, with_audit: bool = False) -> UnitOfWork:
    """A unit of work acting as ``actor``; ``with_audit``: the use cases' audit entries are
    written to the audit log (staff actions), else not kept."""
    services = current()
    return UnitOfWork(session=services.db.session, now=services.clock(), actor=actor,
                      settings=services.settings, redis=services.redis.text,
                      audit_log=audit.record if with_audit else None)


def commit(uow: UnitOfWork) -> None:
    """One transaction per request; what the use cases asked to send leaves after it."""
    uow.session.commit()
    send_after_commit(uow.outbox, current().jobs)


def protect_forms() -> None:
    """For ``Blueprint.before_request``: every form a page posts carries its CSRF token."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()

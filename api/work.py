"""The unit of work of an API request: the edge where use cases are called and committed."""

from __future__ import annotations

from flask import g

from api.auth import current_principal
from core.services import current
from core.uow import Actor, UnitOfWork
from identity import audit
from wechat.delivery import send_after_commit

ANONYMOUS = Actor(label="anonymous")


def unit_of_work() -> UnitOfWork:
    """The request's one unit of work (the same object however often a view asks)."""
    if "xinbao_uow" not in g:
        services = current()
        principal = current_principal()
        g.xinbao_uow = UnitOfWork(session=services.db.session, now=services.clock(),
                                  actor=principal.actor if principal else ANONYMOUS,
                                  settings=services.settings, redis=services.redis.text,
                                  audit_log=audit.record)
    return g.xinbao_uow


def commit(uow: UnitOfWork) -> None:
    """One transaction per request; what the use cases asked to send leaves after it."""
    uow.session.commit()
    send_after_commit(uow.outbox, current().jobs)

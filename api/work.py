"""The unit of work of an API request: the edge where use cases are called and committed."""

from __future__ import annotations

from api.auth import current_principal
from core.services import current
from core.uow import Actor, UnitOfWork
from identity import audit
from wechat.delivery import send_after_commit

ANONYMOUS = Actor(label="anonymous")


def unit_of_work() -> UnitOfWork:
    services = current()
    principal = current_principal()
    return UnitOfWork(session=services.db.session, now=services.clock(),
                      actor=principal.actor if principal else ANONYMOUS,
                      settings=services.settings, redis=services.redis.text,
                      audit_log=audit.record)


def commit(uow: UnitOfWork) -> None:
    """One transaction per request; what the use cases asked to send leaves after it."""
    uow.session.commit()
    send_after_commit(uow.outbox, current().jobs)

"""The unit of work a use case runs in, and the port through which it tells a follower things.

Use cases (``<service>/usecases.py``) take a ``UnitOfWork`` — the database session, the clock's
now, who acts, the settings, the shared Redis and the audit log — and return data. They flush
but never commit: the edge that called them (a chat handler's dispatcher, an API view, a page)
commits once, then hands what the ``Outbox`` collected to the delivery jobs, so nothing is sent
for work that was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import redis
from sqlalchemy.orm import Session

from core.config import Settings
from core.replies import Outgoing, Text


@dataclass(frozen=True)
class Actor:
    """Who did something, as the audit log records it."""

    label: str  # "staff:alice", "follower:12", "cli:root", "system"
    staff_id: int | None = None


class AuditLog(Protocol):
    def __call__(self, session: Session, actor: Actor, action: str, target_type: str,
                 target_id: object = None, *, before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None, now: datetime | None = None) -> Any: ...


@dataclass
class Outbox:
    """The notifier port: how a use case tells a follower something outside the reply to their
    own message (a text, a picture, a card, a template message), and asks for slow work. It
    keeps both until the edge has committed: nothing leaves for work that was rolled back."""

    messages: list[tuple[str, Outgoing]] = field(default_factory=list)
    jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]] = field(default_factory=list)

    def send(self, openid: str, reply: Outgoing) -> None:
        self.messages.append((openid, reply))

    def text(self, openid: str, content: str) -> None:
        self.send(openid, Text(content))

    def later(self, job: Callable[..., Any], *args: Any) -> None:
        self.jobs.append((job, args))

    def flush(self, enqueue: Callable[..., None], deliver: Callable[[str, Outgoing], None]) -> None:
        """After the commit: hand the jobs to ``enqueue`` and each message to ``deliver``."""
        jobs, self.jobs = self.jobs, []
        messages, self.messages = self.messages, []
        for job, args in jobs:
            enqueue(job, *args)
        for openid, reply in messages:
            deliver(openid, reply)

    def discard(self) -> None:
        self.messages.clear()
        self.jobs.clear()


@dataclass
class UnitOfWork:
    session: Session
    now: datetime
    actor: Actor
    settings: Settings
    redis: redis.Redis
    audit_log: AuditLog | None = None
    outbox: Outbox = field(default_factory=Outbox)

    def section(self, name: str) -> dict[str, Any]:
        return self.settings.section(name)

    def audit(self, action: str, target_type: str, target_id: object = None, *,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        """Written in the same transaction as the change it records."""
        if self.audit_log is not None:
            self.audit_log(self.session, self.actor, action, target_type, target_id,
                           before=before, after=after, now=self.now)

"""The audit log: every staff action with who, what, when, before and after.

Call ``record`` in the same transaction as the change, so a change is never stored without
its entry (the caller commits both).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.uow import Actor
from identity.models import AuditEntry


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: datetime | None = None,
    note: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor.label,
        actor_staff_id=actor.staff_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=before,
        after=after,
        note=note,
    )
    if now is not None:
        entry.at = now
    session.add(entry)
    return entry


def entries(
    session: Session,
    *,
    offset: int = 0,
    limit: int = 50,
    target_type: str | None = None,
    actor: str | None = None,
) -> tuple[list[AuditEntry], int]:
    """Newest first, with the total for pagination."""
    query = select(AuditEntry)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total

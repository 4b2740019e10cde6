"""Who may see an enterprise's policies, shipments (and, later, claims, loans, referrals): a
follower bound to it, and only to it. The check every service built on binding reuses.

    binding = require_binding(session, follower_id)   # raises NotBound
    if not owns(session, follower_id, record.enterprise_id): ...  # another's: like missing
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from policies.models import Binding, Enterprise

ACTIVE = "active"
ENDED = "ended"
BOUND_TAG = "已绑定企业"  # the WeChat follower tag the conditional menu matches


class NotBound(LookupError):
    """The follower has bound no enterprise: policy data is not shown."""


def binding_of(session: Session, follower_id: int | None) -> Binding | None:
    if follower_id is None:
        return None
    return session.scalar(select(Binding).where(Binding.follower_id == follower_id,
                                                Binding.status == ACTIVE))


def require_binding(session: Session, follower_id: int | None) -> Binding:
    binding = binding_of(session, follower_id)
    if binding is None:
        raise NotBound()
    return binding


def enterprise_of(session: Session, follower_id: int | None) -> Enterprise | None:
    binding = binding_of(session, follower_id)
    return session.get(Enterprise, binding.enterprise_id) if binding else None


def owns(session: Session, follower_id: int | None, enterprise_id: int | None) -> bool:
    """True only for a follower bound to exactly this enterprise."""
    binding = binding_of(session, follower_id)
    return binding is not None and enterprise_id is not None and \
        binding.enterprise_id == enterprise_id


def bound_follower_ids(session: Session, enterprise_id: int) -> list[int]:
    return list(session.scalars(select(Binding.follower_id).where(
        Binding.enterprise_id == enterprise_id, Binding.status == ACTIVE)
        .order_by(Binding.id)))

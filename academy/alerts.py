"""Fanning an alert out: one delivery row per (alert, follower), each claimed before it is sent.

1. ``plan`` inserts a pending row for every follower who subscribes to one of the alert's
   countries and still follows the account — one INSERT … SELECT with "on conflict do
   nothing" on the unique (alert, follower): a second run adds only who is new, never a twin.
2. ``batches`` cuts the pending rows into id ranges, one job each.
3. A job ``claim``s rows of its range: pending → sending in one UPDATE that re-checks the
   status, so two runs of one job (rq's retry, a second ``xinbao alerts resume``) never hold
   the same row. A row left in sending by a worker that died is claimed again after
   ``lease`` (a follower might then get that one alert twice: at most the row in flight, and
   preferred to a miss).
4. Each row ends ``sent``, ``skipped`` (the follower unfollowed) or ``failed`` (WeChat refused
   for good), or goes back to pending (``release``) when the job must stop early.

No Flask, no WeChat: ``wechat.alerts`` holds the jobs that send.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from academy.models import Alert, AlertDelivery, AlertSubscription, followers

PENDING, SENDING, SENT, SKIPPED, FAILED = "pending", "sending", "sent", "skipped", "failed"
OPEN_STATES = (PENDING, SENDING)


@dataclass(frozen=True)
class Claimed:
    id: int
    follower_id: int
    openid: str


def plan(session: Session, alert: Alert) -> int:
    """Insert the missing delivery rows of ``alert``; returns how many rows it has now."""
    source = (select(literal(alert.id), AlertSubscription.follower_id, followers.c.openid,
                     literal(PENDING), literal(""))
              .join(followers, followers.c.id == AlertSubscription.follower_id)
              .where(AlertSubscription.country.in_(list(alert.countries)),
                     followers.c.subscribed.is_(True))
              .distinct())
    insert = {"postgresql": postgresql.insert,
              "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    statement = insert(AlertDelivery).from_select(
        ["alert_id", "follower_id", "openid", "status", "detail"], source
    ).on_conflict_do_nothing(index_elements=["alert_id", "follower_id"])
    session.execute(statement)
    return session.scalar(select(func.count()).where(AlertDelivery.alert_id == alert.id)) or 0


def _claimable(alert_id: int, stale_before: datetime) -> ColumnElement[bool]:
    return and_(AlertDelivery.alert_id == alert_id,
                or_(AlertDelivery.status == PENDING,
                    and_(AlertDelivery.status == SENDING,
                         AlertDelivery.claimed_at < stale_before)))


def batches(session: Session, alert_id: int, size: int, now: datetime,
            lease: timedelta) -> list[tuple[int, int]]:
    """The id ranges (first, last) of the rows still to send, ``size`` rows each."""
    ids = list(session.scalars(select(AlertDelivery.id)
                               .where(_claimable(alert_id, now - lease))
                               .order_by(AlertDelivery.id)))
    return [(chunk[0], chunk[-1]) for chunk in (ids[i:i + size] for i in range(0, len(ids), size))]


def claim(session: Session, alert_id: int, first: int, last: int, now: datetime,
          lease: timedelta, limit: int) -> list[Claimed]:
    """Take up to ``limit`` rows of the range for this job; the caller commits at once."""
    token = uuid.uuid4().hex
    claimable = _claimable(alert_id, now - lease)
    chosen = (select(AlertDelivery.id)
              .where(claimable, AlertDelivery.id.between(first, last))
              .order_by(AlertDelivery.id).limit(limit))
    # The status is checked again on the row itself: of two jobs that chose the same rows,
    # the second finds them taken (PostgreSQL re-reads a row another transaction changed).
    session.execute(update(AlertDelivery)
                    .where(AlertDelivery.id.in_(chosen.scalar_subquery()), claimable)
                    .values(status=SENDING, claim=token, claimed_at=now)
                    .execution_options(synchronize_session=False))
    rows = session.execute(select(AlertDelivery.id, AlertDelivery.follower_id,
                                  AlertDelivery.openid)
                           .where(AlertDelivery.claim == token).order_by(AlertDelivery.id))
    return [Claimed(*row) for row in rows]


def still_following(session: Session, follower_ids: Sequence[int]) -> set[int]:
    return set(session.scalars(select(followers.c.id).where(
        followers.c.id.in_(list(follower_ids)), followers.c.subscribed.is_(True))))


def finish(session: Session, delivery_id: int, status: str, now: datetime,
           detail: str = "") -> None:
    session.execute(update(AlertDelivery).where(AlertDelivery.id == delivery_id)
                    .values(status=status, sent_at=now if status == SENT else None,
                            detail=detail[:200], claim=None)
                    .execution_options(synchronize_session=False))


def release(session: Session, delivery_ids: Sequence[int]) -> None:
    """Back to pending: the job stopped before sending these."""
    if delivery_ids:
        session.execute(update(AlertDelivery)
                        .where(AlertDelivery.id.in_(list(delivery_ids)),
                               AlertDelivery.status == SENDING)
                        .values(status=PENDING, claim=None, claimed_at=None)
                        .execution_options(synchronize_session=False))


def settle(session: Session, alert_id: int, now: datetime) -> str:
    """The alert is done when no row is pending or being sent; returns its status."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        return "gone"
    open_rows = session.scalar(select(func.count()).where(
        AlertDelivery.alert_id == alert_id, AlertDelivery.status.in_(OPEN_STATES))) or 0
    if open_rows == 0 and alert.status != "done":
        alert.status, alert.finished_at = "done", now
    return alert.status

"""The reminders SOL 信保通 gives (the seed document, 四(一)): 保单续转提醒, 应收汇提醒,
应报可损提醒 and 长期闲置限额预撤销提醒 — issued once per (kind, subject, occasion).

``issue_reminders(uow, today, audience)`` finds what is due on ``today`` and writes a
``ReminderSent`` row per reminder in its own savepoint: a row that exists already (another
worker, an earlier run the same day) is skipped, so each is sent exactly once. Recipients are
the followers bound to the enterprise whom ``audience`` reports as following the account, less
those who muted that kind. The caller renders each ``Issued`` as a template message and
commits; the messages leave after the commit.

Occasions: a reminder due at several thresholds (30 and 7 days before a policy ends) is keyed
by the threshold, and a run after a missed day sends only the nearest one that applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.uow import UnitOfWork
from policies.access import ACTIVE
from policies.models import Binding, CreditLimit, Policy, ReminderMute, ReminderSent, Shipment
from policies.numbers import plain
from policies.records import DECLARED


class Kind(StrEnum):
    RENEWAL = "renewal"  # 保单续转提醒
    RECEIVABLE = "receivable"  # 应收汇提醒
    LOSS_REPORT = "loss_report"  # 应报可损提醒
    IDLE_LIMIT = "idle_limit"  # 长期闲置限额预撤销提醒


KIND_NAMES = {Kind.RENEWAL: "保单续转提醒", Kind.RECEIVABLE: "应收汇提醒",
              Kind.LOSS_REPORT: "应报可损提醒", Kind.IDLE_LIMIT: "长期闲置限额预撤销提醒"}
# What followers type for each kind (提醒设置: 关闭续转提醒 …).
KIND_WORDS = {"续转": Kind.RENEWAL, "续保": Kind.RENEWAL, "应收汇": Kind.RECEIVABLE,
              "收汇": Kind.RECEIVABLE, "可损": Kind.LOSS_REPORT, "应报可损": Kind.LOSS_REPORT,
              "报损": Kind.LOSS_REPORT, "闲置": Kind.IDLE_LIMIT, "闲置限额": Kind.IDLE_LIMIT,
              "限额": Kind.IDLE_LIMIT}


class Audience(Protocol):
    def following(self, follower_ids: Iterable[int]) -> dict[int, str]:
        """Of these followers, those who follow the account now: follower id -> openid."""
        ...


@dataclass(frozen=True)
class Due:
    kind: Kind
    subject: str
    occasion: str
    enterprise_id: int
    data: dict[str, Any]


@dataclass(frozen=True)
class Issued:
    kind: Kind
    openids: list[str]
    data: dict[str, Any]
    row_id: int


@dataclass(frozen=True)
class Settings:
    renewal_days: list[int]
    receivable_days: list[int]
    loss_report_warn_days: int
    idle_limit_warn_days: int
    idle_limit_days: int
    template_ids: dict[Kind, str] = field(default_factory=dict)

    @classmethod
    def of(cls, uow: UnitOfWork) -> Settings:
        section = uow.section("policies").get("reminders", {})
        return cls(renewal_days=sorted(section.get("renewal_days", [30, 7])),
                   receivable_days=sorted(section.get("receivable_days", [7, 0])),
                   loss_report_warn_days=int(section.get("loss_report_warn_days", 7)),
                   idle_limit_warn_days=int(section.get("idle_limit_warn_days", 30)),
                   idle_limit_days=int(section.get("idle_limit_days", 0)),
                   template_ids={kind: str(section.get(f"{kind.value}_template_id", ""))
                                 for kind in Kind})


def nearest_threshold(days_left: int, thresholds: list[int]) -> int | None:
    """The smallest threshold at or above ``days_left`` (30 and 7: 20 days left -> 30)."""
    fitting = [threshold for threshold in thresholds if days_left <= threshold]
    return min(fitting) if days_left >= 0 and fitting else None


def _renewals(uow: UnitOfWork, today: date, settings: Settings) -> Iterable[Due]:
    horizon = today + timedelta(days=max(settings.renewal_days, default=0))
    policies = uow.session.scalars(select(Policy).where(
        Policy.status == "in_force", Policy.ends_on >= today, Policy.ends_on <= horizon))
    for policy in policies:
        days_left = (policy.ends_on - today).days
        threshold = nearest_threshold(days_left, settings.renewal_days)
        if threshold is None:
            continue
        yield Due(Kind.RENEWAL, f"policy:{policy.id}", f"{threshold}d:{policy.ends_on}",
                  policy.enterprise_id, {"policy_number": policy.number,
                                         "product": policy.product, "ends_on": policy.ends_on,
                                         "days_left": days_left, "sample": policy.sample})


def _open_shipments(uow: UnitOfWork) -> list[tuple[Shipment, Policy]]:
    rows = uow.session.execute(select(Shipment, Policy).join(
        Policy, Policy.id == Shipment.policy_id).where(Shipment.status == DECLARED))
    return [(shipment, policy) for shipment, policy in rows]


def _shipment_data(shipment: Shipment, policy: Policy) -> dict[str, Any]:
    return {"invoice": shipment.invoice_number, "buyer": shipment.buyer_name,
            "amount": plain(shipment.amount), "currency": shipment.currency,
            "due_date": shipment.due_date, "policy_number": policy.number,
            "sample": policy.sample}


def _receivables(uow: UnitOfWork, today: date, settings: Settings,
                 shipments: list[tuple[Shipment, Policy]]) -> Iterable[Due]:
    for shipment, policy in shipments:
        days_left = (shipment.due_date - today).days
        threshold = nearest_threshold(days_left, settings.receivable_days)
        if threshold is None:
            continue
        yield Due(Kind.RECEIVABLE, f"shipment:{shipment.id}", f"{threshold}d",
                  shipment.enterprise_id, {**_shipment_data(shipment, policy),
                                           "days_left": days_left})


def _loss_reports(uow: UnitOfWork, today: date, settings: Settings,
                  shipments: list[tuple[Shipment, Policy]]) -> Iterable[Due]:
    """Overdue and not collected: report a possible loss within the period the policy states
    (said when the operator loaded it); once on becoming overdue, once more near its end."""
    for shipment, policy in shipments:
        overdue = (today - shipment.due_date).days
        if overdue < 1:
            continue
        window = policy.loss_report_days
        deadline = shipment.due_date + timedelta(days=window) if window is not None else None
        if deadline is not None and today > deadline:
            continue  # past the period: the reminder can no longer help
        data = {**_shipment_data(shipment, policy), "overdue_days": overdue,
                "deadline": deadline, "window_days": window}
        closing = (deadline is not None
                   and (deadline - today).days <= settings.loss_report_warn_days
                   and overdue > 1)
        occasion = "closing" if closing else "overdue"
        yield Due(Kind.LOSS_REPORT, f"shipment:{shipment.id}", occasion,
                  shipment.enterprise_id, {**data, "closing": closing})


def _idle_limits(uow: UnitOfWork, today: date, settings: Settings) -> Iterable[Due]:
    """A limit unused for nearly the period its policy states: it may be withdrawn."""
    last_use = dict(uow.session.execute(
        select(Shipment.credit_limit_id, func.max(Shipment.ship_date))
        .group_by(Shipment.credit_limit_id)).all())
    rows = uow.session.execute(select(CreditLimit, Policy).join(
        Policy, Policy.id == CreditLimit.policy_id).where(
        CreditLimit.status == "active", Policy.status == "in_force", Policy.ends_on >= today))
    for limit, policy in rows:
        period = policy.idle_limit_days or settings.idle_limit_days
        if not period:
            continue
        since = max(filter(None, (limit.approved_on, last_use.get(limit.id))))
        idle = (today - since).days
        if idle < period - settings.idle_limit_warn_days:
            continue
        yield Due(Kind.IDLE_LIMIT, f"limit:{limit.id}", f"idle-since:{since}",
                  policy.enterprise_id, {"buyer": limit.buyer_name, "since": since,
                                         "idle_days": idle, "period_days": period,
                                         "amount": plain(limit.amount),
                                         "currency": limit.currency,
                                         "policy_number": policy.number,
                                         "sample": policy.sample})


def due_reminders(uow: UnitOfWork, today: date) -> list[Due]:
    settings = Settings.of(uow)
    shipments = _open_shipments(uow)
    return [*_renewals(uow, today, settings), *_receivables(uow, today, settings, shipments),
            *_loss_reports(uow, today, settings, shipments),
            *_idle_limits(uow, today, settings)]


CHUNK = 500  # ids per IN (...): well inside every database's limit


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _issued_before(uow: UnitOfWork, due: list[Due]) -> set[tuple[str, str, str]]:
    subjects = sorted({item.subject for item in due})
    found: set[tuple[str, str, str]] = set()
    for chunk in _chunks(subjects):
        found.update((kind, subject, occasion) for kind, subject, occasion in uow.session.execute(
            select(ReminderSent.kind, ReminderSent.subject, ReminderSent.occasion)
            .where(ReminderSent.subject.in_(chunk))))
    return found


def _bound(uow: UnitOfWork, enterprise_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for chunk in _chunks(enterprise_ids):
        for enterprise_id, follower_id in uow.session.execute(
                select(Binding.enterprise_id, Binding.follower_id)
                .where(Binding.enterprise_id.in_(chunk), Binding.status == ACTIVE)
                .order_by(Binding.id)):
            found.setdefault(enterprise_id, []).append(follower_id)
    return found


def _mutes(uow: UnitOfWork, follower_ids: list[int]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(follower_ids):
        found.update((follower_id, kind) for follower_id, kind in uow.session.execute(
            select(ReminderMute.follower_id, ReminderMute.kind)
            .where(ReminderMute.follower_id.in_(chunk))))
    return found


def issue_reminders(uow: UnitOfWork, today: date, audience: Audience) -> list[Issued]:
    """Each due reminder not issued before: its row, and whom to tell. What was issued, who is
    bound, who follows and who muted what are read once for the whole run."""
    settings = Settings.of(uow)
    due = [item for item in due_reminders(uow, today) if settings.template_ids.get(item.kind)]
    done = _issued_before(uow, due)
    due = [item for item in due if (item.kind.value, item.subject, item.occasion) not in done]
    bound = _bound(uow, sorted({item.enterprise_id for item in due}))
    everyone = sorted({fid for ids in bound.values() for fid in ids})
    following = audience.following(everyone)
    silent = _mutes(uow, list(following))
    issued: list[Issued] = []
    for item in due:
        recipients = {fid: following[fid] for fid in bound.get(item.enterprise_id, [])
                      if fid in following and (fid, item.kind.value) not in silent}
        if not recipients:
            continue  # nobody to tell now; a follower who binds later still gets it
        row = ReminderSent(kind=item.kind.value, subject=item.subject, occasion=item.occasion,
                           enterprise_id=item.enterprise_id, recipients=sorted(recipients),
                           created_at=uow.now)
        try:
            with uow.session.begin_nested():  # another run got there first: exactly once
                uow.session.add(row)
        except IntegrityError:
            continue
        issued.append(Issued(item.kind, list(recipients.values()), item.data, row.id))
    return issued


def set_muted(uow: UnitOfWork, follower_id: int, kinds: Iterable[Kind], mute: bool) -> None:
    for kind in kinds:
        existing = uow.session.scalar(select(ReminderMute).where(
            ReminderMute.follower_id == follower_id, ReminderMute.kind == kind.value))
        if mute and existing is None:
            uow.session.add(ReminderMute(follower_id=follower_id, kind=kind.value,
                                         created_at=uow.now))
        elif not mute and existing is not None:
            uow.session.delete(existing)
    uow.session.flush()


def muted_kinds(uow: UnitOfWork, follower_id: int) -> set[Kind]:
    return {Kind(kind) for kind in uow.session.scalars(
        select(ReminderMute.kind).where(ReminderMute.follower_id == follower_id))}


def kinds_named(word: str | None) -> list[Kind]:
    """"续转" -> [RENEWAL]; None, "全部", "所有" -> every kind."""
    if not word or word in ("全部", "所有"):
        return list(Kind)
    kind = KIND_WORDS.get(word)
    return [kind] if kind else []

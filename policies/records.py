"""An enterprise's policies as a follower sees them: each policy with its credit limits, what
declared shipments still hold of each limit, and what is left."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from policies.models import CreditLimit, Enterprise, Policy, Shipment

# The source document's payment methods (三(一)2): D/P, D/A, OA, irrevocable L/C.
PAYMENT_METHODS: dict[str, str] = {"DP": "付款交单 D/P", "DA": "承兑交单 D/A",
                                   "OA": "赊账 OA", "LC": "不可撤销信用证 L/C"}
STATUS_NAMES = {"in_force": "有效", "suspended": "中止", "terminated": "终止",
                "expired": "已到期", "pending": "未生效"}
DECLARED = "declared"
COLLECTED = "collected"


def buyer_key(name: str) -> str:
    """A buyer's name folded for matching: width, case, punctuation and spaces."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\s.,，。'\"()（）&\-_/]+", "", text)[:200]


def effective_status(policy: Policy, today: date) -> str:
    if policy.status != "in_force":
        return policy.status
    if today < policy.starts_on:
        return "pending"
    if today > policy.ends_on:
        return "expired"
    return "in_force"


@dataclass(frozen=True)
class LimitView:
    id: int
    buyer_name: str
    buyer_country: str | None
    buyer_id: int | None
    amount: Decimal
    currency: str
    outstanding: Decimal
    available: Decimal
    payment_methods: list[str]
    max_credit_days: int | None
    approved_on: date
    status: str


@dataclass(frozen=True)
class PolicyView:
    id: int
    number: str
    product: str
    holder: str
    holder_uscc: str
    starts_on: date
    ends_on: date
    status: str  # effective: in_force, pending, expired, suspended, terminated
    status_name: str
    indemnity_percent: Decimal
    premium_rate_permille: Decimal | None
    payment_methods: list[str]
    max_credit_days: int | None
    loss_report_days: int | None
    days_left: int
    limits: list[LimitView]
    sample: bool


def outstanding_by_limit(session: Session, limit_ids: list[int]) -> dict[int, Decimal]:
    """What declared, not yet collected shipments hold of each limit."""
    if not limit_ids:
        return {}
    rows = session.execute(
        select(Shipment.credit_limit_id, func.coalesce(func.sum(Shipment.amount), 0))
        .where(Shipment.credit_limit_id.in_(limit_ids), Shipment.status == DECLARED)
        .group_by(Shipment.credit_limit_id))
    return {limit_id: Decimal(str(total)) for limit_id, total in rows}


def limits_of(session: Session, policy: Policy) -> list[CreditLimit]:
    return list(session.scalars(select(CreditLimit).where(CreditLimit.policy_id == policy.id)
                                .order_by(CreditLimit.buyer_name, CreditLimit.id)))


def policies_of(session: Session, enterprise_id: int) -> list[Policy]:
    """Newest period first."""
    return list(session.scalars(select(Policy).where(Policy.enterprise_id == enterprise_id)
                                .order_by(Policy.ends_on.desc(), Policy.id.desc())))


def view_policy(session: Session, policy: Policy, today: date) -> PolicyView:
    enterprise = session.get(Enterprise, policy.enterprise_id)
    assert enterprise is not None
    limits = limits_of(session, policy)
    held = outstanding_by_limit(session, [limit.id for limit in limits])
    status = effective_status(policy, today)
    return PolicyView(
        id=policy.id, number=policy.number, product=policy.product, holder=enterprise.name,
        holder_uscc=enterprise.uscc, starts_on=policy.starts_on, ends_on=policy.ends_on,
        status=status, status_name=STATUS_NAMES.get(status, status),
        indemnity_percent=policy.indemnity_percent,
        premium_rate_permille=policy.premium_rate_permille,
        payment_methods=list(policy.payment_methods), max_credit_days=policy.max_credit_days,
        loss_report_days=policy.loss_report_days, days_left=(policy.ends_on - today).days,
        limits=[LimitView(
            id=limit.id, buyer_name=limit.buyer_name, buyer_country=limit.buyer_country,
            buyer_id=limit.buyer_id, amount=limit.amount, currency=limit.currency,
            outstanding=held.get(limit.id, Decimal(0)),
            available=max(limit.amount - held.get(limit.id, Decimal(0)), Decimal(0)),
            payment_methods=list(limit.payment_methods or policy.payment_methods),
            max_credit_days=limit.max_credit_days, approved_on=limit.approved_on,
            status=limit.status) for limit in limits],
        sample=policy.sample or enterprise.sample)


def my_policies(session: Session, enterprise_id: int, today: date) -> list[PolicyView]:
    return [view_policy(session, policy, today) for policy in policies_of(session, enterprise_id)]


def policy_of_enterprise(session: Session, enterprise_id: int, policy_id: int) -> Policy | None:
    """The policy if it is this enterprise's; another's answers like a missing one."""
    policy = session.get(Policy, policy_id)
    return policy if policy is not None and policy.enterprise_id == enterprise_id else None


def current_policy(session: Session, enterprise_id: int, today: date) -> Policy | None:
    """The policy in force today, else the latest one."""
    every = policies_of(session, enterprise_id)
    for policy in every:
        if effective_status(policy, today) == "in_force":
            return policy
    return every[0] if every else None

"""保单续转: the enterprise confirms or updates what the renewal needs — expected annual
exports, main markets, main buyers — and an application with a number and a status is kept;
staff move the status (audited) and the applicant is told."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.countries import display_name, read_countries
from core.uow import UnitOfWork
from policies.binding import Member
from policies.models import Binding, CreditLimit, Policy, RenewalApplication
from policies.numbers import Amount, InputProblem, parse_amount

MAX_MARKETS = 10
MAX_BUYERS = 10
_SEPARATORS = re.compile(r"[,，、;；/|\n]+|\s+和\s+|\s{2,}")


class RenewalStatus(StrEnum):
    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"


STATUS_NAMES = {RenewalStatus.SUBMITTED: "已提交", RenewalStatus.REVIEWING: "审核中",
                RenewalStatus.NEEDS_INFO: "需补充材料", RenewalStatus.APPROVED: "已续转",
                RenewalStatus.REJECTED: "未通过"}
FINAL = frozenset({RenewalStatus.APPROVED, RenewalStatus.REJECTED})


class RenewalRefused(InputProblem):
    """``code``: not_yours, final, unchanged."""


@dataclass(frozen=True)
class RenewalInput:
    expected_exports_usd: Decimal
    main_markets: list[str]  # ISO codes
    main_buyers: list[str]


def parse_exports(text: str) -> Decimal:
    """Expected annual exports in US dollars: "500万美元", "USD 5,000,000", "500万"."""
    amount: Amount = parse_amount(text)
    if amount.currency not in (None, "USD"):
        raise InputProblem("exports_not_usd")
    return amount.value if amount.scaled or amount.currency else amount.value * 10_000


def parse_markets(text: str) -> list[str]:
    codes, unknown = read_countries(text)
    if not codes and not unknown:
        raise InputProblem("markets_empty")
    if unknown:
        raise InputProblem("markets_unknown", unknown="、".join(unknown))
    if len(codes) > MAX_MARKETS:
        raise InputProblem("markets_too_many", limit=MAX_MARKETS)
    return codes


def parse_buyers(text: str) -> list[str]:
    """Buyer names, one per line or separated by 、，; (names have spaces of their own)."""
    names = [re.sub(r"\s+", " ", name).strip(" .。") for name in _SEPARATORS.split(text)]
    names = [name for name in names if name]
    if not names:
        raise InputProblem("buyers_empty")
    if any(len(name) < 2 or len(name) > 120 for name in names):
        raise InputProblem("buyer_name_length")
    if len(names) > MAX_BUYERS:
        raise InputProblem("buyers_too_many", limit=MAX_BUYERS)
    return list(dict.fromkeys(names))


def market_names(codes: list[str]) -> str:
    return "、".join(display_name(code) for code in codes)


@dataclass(frozen=True)
class Defaults:
    """What the form offers to confirm: the last application's values, else the policy's."""

    expected_exports_usd: Decimal | None
    main_markets: list[str]
    main_buyers: list[str]


def defaults_for(session: Session, policy: Policy, markets_on_profile: list[str] | None = None
                 ) -> Defaults:
    last = session.scalar(select(RenewalApplication)
                          .where(RenewalApplication.enterprise_id == policy.enterprise_id)
                          .order_by(RenewalApplication.id.desc()).limit(1))
    if last is not None:
        return Defaults(last.expected_exports_usd, list(last.main_markets),
                        list(last.main_buyers))
    limits = session.scalars(select(CreditLimit).where(CreditLimit.policy_id == policy.id)
                             .order_by(CreditLimit.amount.desc())).all()
    markets = list(dict.fromkeys([limit.buyer_country for limit in limits
                                  if limit.buyer_country] + list(markets_on_profile or [])))
    return Defaults(None, markets[:MAX_MARKETS], [limit.buyer_name for limit in limits][:5])


def submit(uow: UnitOfWork, member: Member, binding: Binding, policy: Policy,
           data: RenewalInput) -> RenewalApplication:
    if policy.enterprise_id != binding.enterprise_id:
        raise RenewalRefused("not_yours")
    open_one = uow.session.scalar(select(RenewalApplication).where(
        RenewalApplication.policy_id == policy.id,
        RenewalApplication.status.in_([RenewalStatus.SUBMITTED.value,
                                       RenewalStatus.REVIEWING.value,
                                       RenewalStatus.NEEDS_INFO.value])))
    if open_one is not None:
        # A second submission updates the one being handled instead of queueing another.
        open_one.expected_exports_usd = data.expected_exports_usd
        open_one.main_markets, open_one.main_buyers = data.main_markets, data.main_buyers
        open_one.status, open_one.updated_at = RenewalStatus.SUBMITTED.value, uow.now
        open_one.follower_id, open_one.openid = member.follower_id, member.openid
        uow.session.flush()
        return open_one
    application = RenewalApplication(
        policy_id=policy.id, enterprise_id=policy.enterprise_id,
        follower_id=member.follower_id, openid=member.openid, channel=member.channel,
        expected_exports_usd=data.expected_exports_usd, main_markets=data.main_markets,
        main_buyers=data.main_buyers, status=RenewalStatus.SUBMITTED.value,
        created_at=uow.now, updated_at=uow.now)
    uow.session.add(application)
    uow.session.flush()
    application.number = number_for(application.id, uow.now.date())
    uow.session.flush()
    return application


def number_for(application_id: int, day: date) -> str:
    """"XR20261201-00042": the day it was made and its row, readable over the phone."""
    return f"XR{day:%Y%m%d}-{application_id:05d}"


@dataclass(frozen=True)
class StatusChanged:
    application: RenewalApplication
    before: str
    policy_number: str


def change_status(uow: UnitOfWork, application: RenewalApplication, status: RenewalStatus,
                  note: str | None = None) -> StatusChanged:
    """Staff move an application; audited; the caller tells the applicant after the commit."""
    before = application.status
    if RenewalStatus(before) in FINAL:
        raise RenewalRefused("final", status=before)
    if status == RenewalStatus(before) and not note:
        raise RenewalRefused("unchanged")
    application.status = status.value
    application.staff_note = (note or "").strip()[:500] or application.staff_note
    application.updated_at = uow.now
    uow.audit("policies.renewal_status", "renewal", application.id,
              before={"status": before}, after={"status": status.value,
                                                "note": application.staff_note})
    policy = uow.session.get(Policy, application.policy_id)
    uow.session.flush()
    return StatusChanged(application, before, policy.number if policy else "")


def of_enterprise(session: Session, enterprise_id: int) -> list[RenewalApplication]:
    return list(session.scalars(select(RenewalApplication)
                                .where(RenewalApplication.enterprise_id == enterprise_id)
                                .order_by(RenewalApplication.id.desc())))


def listing(session: Session, status: str | None, offset: int, limit: int
            ) -> tuple[list[RenewalApplication], int]:
    query = select(RenewalApplication)
    if status:
        query = query.where(RenewalApplication.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(RenewalApplication.updated_at.desc(),
                                          RenewalApplication.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), int(total)

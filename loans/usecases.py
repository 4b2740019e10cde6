"""信保贷's use cases; the chat, the API and the pages call these.

- ``eligibility(standing)``: may the follower's enterprise apply, and if not, what is missing;
- ``estimate(uow, standing)``: an indicative amount per currency from the insured, not yet due
  receivables (declared shipments under the active 信保易 policy) × ``[loans] financing_ratio``;
- ``refer(uow, applicant, standing, bank_code, consent)``: a referral to a partner bank with a
  tracking code, stored only with the follower's consent to share ``SHARED_DATA``;
- ``receive_report(uow, bank, report, signed_at)``: a bank's signed status report (the adapter
  checks the signature with ``signature_ok`` and the timestamp with ``fresh``), once per event;
- ``referrals_of(session, enterprise_id)`` (我的融资), ``listing(session, filters, offset,
  limit)`` (the staff console) and ``stats(session)`` (the referral funnel by status).

``standing`` is the follower's binding, policies and receivables as plain facts
(``Standing``): the adapter reads them through ``policies.usecases.enterprise_facts``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.uow import UnitOfWork
from loans.models import BankEvent, Referral

PRODUCT_WORD = "信保易"  # 信保贷 is "专为投保中国信保'小微信保易'的小微出口企业设计" (三（四）)
ACTIVE_POLICY = "in_force"
SINGLE_WINDOW = "https://www.singlewindow.cn/"
SINGLE_WINDOW_PATH = "金融服务 → 融资贷款"
SOURCE = ("《中国出口信用保险公司中小微企业服务指南》三（四）"
          "保单融资-“信保贷”等小微企业专属资金解决方案")
# What the bank receives with a referral; the follower consents to exactly these.
SHARED_DATA = ("企业名称", "统一社会信用代码", "信保易保单号与保险期间",
               "保单项下已申报、未到期的出运（买方、发票号、金额、币种、到期日）",
               "本次测算的参考融资额度")
_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


# --- the facts the adapters pass in ---------------------------------------------------------

class PolicyFacts(Protocol):
    @property
    def number(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def status(self) -> str: ...  # effective today: in_force, pending, expired, …
    @property
    def ends_on(self) -> date: ...


class ReceivableFacts(Protocol):
    @property
    def policy_number(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...
    @property
    def due_date(self) -> date: ...


class Standing(Protocol):
    """A follower's binding, its enterprise's policies (newest first) and its declared,
    uncollected shipments (``policies.usecases.EnterpriseFacts`` is one)."""

    @property
    def bound(self) -> bool: ...
    @property
    def enterprise_id(self) -> int | None: ...
    @property
    def enterprise_name(self) -> str: ...
    @property
    def sample(self) -> bool: ...
    @property
    def policies(self) -> Sequence[PolicyFacts]: ...
    @property
    def receivables(self) -> Sequence[ReceivableFacts]: ...


# --- eligibility --------------------------------------------------------------------------------

class Missing(StrEnum):
    NOT_BOUND = "not_bound"  # bind the enterprise first
    NO_POLICY = "no_policy"  # the enterprise holds no 信保易 policy
    POLICY_EXPIRED = "policy_expired"  # its 信保易 policy has ended: renew
    POLICY_NOT_ACTIVE = "policy_not_active"  # not yet in force, suspended or terminated


@dataclass(frozen=True)
class Eligibility:
    missing: Missing | None
    policy: PolicyFacts | None = None  # the active policy, else the latest 信保易 one

    @property
    def eligible(self) -> bool:
        return self.missing is None


def eligibility(standing: Standing) -> Eligibility:
    """A bound follower whose enterprise holds a 信保易 policy in force today."""
    if not standing.bound:
        return Eligibility(Missing.NOT_BOUND)
    ours = [policy for policy in standing.policies if PRODUCT_WORD in policy.product]
    if not ours:
        return Eligibility(Missing.NO_POLICY)
    active = next((policy for policy in ours if policy.status == ACTIVE_POLICY), None)
    if active is not None:
        return Eligibility(None, active)
    latest = ours[0]
    missing = Missing.POLICY_EXPIRED if latest.status == "expired" else Missing.POLICY_NOT_ACTIVE
    return Eligibility(missing, latest)


# --- the indicative estimate -------------------------------------------------------------------

@dataclass(frozen=True)
class CurrencyEstimate:
    currency: str
    receivables: Decimal  # insured, not yet due
    count: int
    amount: Decimal  # receivables × ratio, rounded down to the cent


@dataclass(frozen=True)
class Estimate:
    ratio: Decimal
    policy_number: str
    as_of: date
    rows: tuple[CurrencyEstimate, ...]
    sample: bool = False
    indicative: bool = True  # never an offer: the bank decides the amount and the rate


def financing_ratio(section: Mapping[str, Any]) -> Decimal:
    return Decimal(str(section.get("financing_ratio", "0.8")))


def estimate(uow: UnitOfWork, standing: Standing) -> Estimate | None:
    """None when the enterprise may not apply (``eligibility`` says why)."""
    found = eligibility(standing)
    if found.policy is None or not found.eligible:
        return None
    today = uow.now.date()
    ratio = financing_ratio(uow.section("loans"))
    totals: dict[str, list[Decimal]] = {}
    for row in standing.receivables:
        if row.policy_number == found.policy.number and row.due_date >= today:
            totals.setdefault(row.currency, []).append(Decimal(row.amount))
    rows = tuple(CurrencyEstimate(
        currency, sum(amounts, Decimal(0)), len(amounts),
        (sum(amounts, Decimal(0)) * ratio).quantize(Decimal("0.01"), rounding=ROUND_DOWN))
        for currency, amounts in sorted(totals.items()))
    return Estimate(ratio, found.policy.number, today, rows, standing.sample)


def estimate_rows(found: Estimate | None) -> list[dict[str, str | int]]:
    """The estimate as stored with a referral (JSON)."""
    if found is None:
        return []
    return [{"currency": row.currency, "receivables": str(row.receivables), "count": row.count,
             "amount": str(row.amount), "ratio": str(found.ratio)} for row in found.rows]


# --- banks --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    product: str
    source: str = ""
    secret: str = field(default="", repr=False)  # the callback's HMAC key


def banks(section: Mapping[str, Any]) -> list[Bank]:
    """config.toml's [loans.banks.<code>] tables, in their order."""
    return [Bank(code=code, name=str(table.get("name", code)),
                 product=str(table.get("product", "")), source=str(table.get("source", "")),
                 secret=str(table.get("secret", "")))
            for code, table in dict(section.get("banks", {})).items()]


def bank(section: Mapping[str, Any], code: str | None) -> Bank | None:
    return next((item for item in banks(section) if item.code == code), None)


# --- referrals ----------------------------------------------------------------------------------

class Status(StrEnum):
    REFERRED = "referred"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    DISBURSED = "disbursed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


STATUS_NAMES = {Status.REFERRED: "已转介，待银行受理", Status.ACCEPTED: "银行已受理",
                Status.APPROVED: "银行已审批通过", Status.DISBURSED: "已放款",
                Status.DECLINED: "银行未批准", Status.WITHDRAWN: "已撤回"}
FINAL = frozenset({Status.DISBURSED, Status.DECLINED, Status.WITHDRAWN})
FUNNEL = (Status.REFERRED, Status.ACCEPTED, Status.APPROVED, Status.DISBURSED)


def status_name(status: str) -> str:
    return STATUS_NAMES.get(Status(status), status) if status in set(Status) else status


class ReferralRefused(ValueError):
    """``code``: no_consent, not_eligible (``missing``), unknown_bank."""

    def __init__(self, code: str, **data: Any) -> None:
        super().__init__(code)
        self.code = code
        self.data = data


@dataclass(frozen=True)
class Applicant:
    follower_id: int
    openid: str
    channel: str  # wechat | miniprogram | h5


@dataclass(frozen=True)
class Referred:
    referral: Referral
    created: bool  # False: the open referral to that bank was already there


def refer(uow: UnitOfWork, applicant: Applicant, standing: Standing, bank_code: str | None,
          consent: bool) -> Referred:
    """A referral to ``bank_code``, stored with what the follower agreed to share. An open
    referral of the enterprise to that bank is answered again instead of made twice."""
    if not consent:
        raise ReferralRefused("no_consent")
    found = eligibility(standing)
    if not found.eligible or found.policy is None or standing.enterprise_id is None:
        raise ReferralRefused("not_eligible", missing=found.missing)
    chosen = bank(uow.section("loans"), bank_code)
    if chosen is None:
        raise ReferralRefused("unknown_bank")
    open_one = uow.session.scalar(select(Referral).where(
        Referral.enterprise_id == standing.enterprise_id, Referral.bank_code == chosen.code,
        Referral.status.not_in([status.value for status in FINAL])))
    if open_one is not None:
        return Referred(open_one, created=False)
    referral = Referral(
        tracking_code=_new_code(uow.session, uow.now.date()), follower_id=applicant.follower_id,
        openid=applicant.openid, channel=applicant.channel,
        enterprise_id=standing.enterprise_id, enterprise_name=standing.enterprise_name,
        policy_number=found.policy.number, bank_code=chosen.code, bank_name=chosen.name,
        shared=list(SHARED_DATA), consented_at=uow.now,
        estimate=estimate_rows(estimate(uow, standing)), status=Status.REFERRED.value,
        sample=standing.sample, created_at=uow.now, updated_at=uow.now)
    uow.session.add(referral)
    uow.session.flush()
    return Referred(referral, created=True)


def _new_code(session: Session, day: date) -> str:
    """"XBD261201-K7M2QX": the day, and six letters nobody can guess or mistake."""
    while True:
        code = f"XBD{day:%y%m%d}-" + "".join(secrets.choice(_CODE_LETTERS) for _ in range(6))
        if session.scalar(select(Referral.id).where(Referral.tracking_code == code)) is None:
            return code


def referrals_of(session: Session, enterprise_id: int) -> list[Referral]:
    """我的融资: the enterprise's referrals, newest first (any of its bound followers sees them)."""
    return list(session.scalars(select(Referral).where(Referral.enterprise_id == enterprise_id)
                                .order_by(Referral.id.desc())))


def referral_of(session: Session, enterprise_id: int, referral_id: int) -> Referral | None:
    """The referral if it is this enterprise's; another's answers like a missing one."""
    referral = session.get(Referral, referral_id)
    return referral if referral is not None and referral.enterprise_id == enterprise_id else None


# --- the bank's status reports ------------------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 (hex) over ``<timestamp>.<raw body>``: the timestamp is signed with the
    body, so a captured request cannot be sent again under a fresh timestamp."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    if not secret or not given:
        return False
    given = given.strip().removeprefix("sha256=")
    return hmac.compare_digest(signature(secret, timestamp, body), given.lower())


def signed_time(timestamp: str) -> datetime | None:
    """The timestamp header (Unix seconds), or None when it is not one."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return None
    return datetime.fromtimestamp(int(timestamp), UTC)


def fresh(signed_at: datetime, now: datetime, section: Mapping[str, Any]) -> bool:
    tolerance = int(section.get("callback_tolerance_seconds", 300))
    return abs((now - signed_at).total_seconds()) <= tolerance


@dataclass(frozen=True)
class BankReport:
    event_id: str  # the bank's id of this report: a retry or a replay carries the same
    tracking_code: str
    status: str
    note: str | None = None


class ReportRefused(ValueError):
    """``code``: unknown_code (or another bank's referral), unknown_status, final."""

    def __init__(self, code: str, **data: Any) -> None:
        super().__init__(code)
        self.code = code
        self.data = data


@dataclass(frozen=True)
class Received:
    referral: Referral
    changed: bool  # the status moved (tell the follower)
    duplicate: bool  # this event was received before: nothing done again
    before: str


def receive_report(uow: UnitOfWork, bank_code: str, report: BankReport,
                   signed_at: datetime) -> Received:
    """A signed report from ``bank_code``: the referral's status moves once per event."""
    referral = uow.session.scalar(select(Referral).where(
        Referral.tracking_code == report.tracking_code.strip().upper(),
        Referral.bank_code == bank_code))
    if referral is None:
        raise ReportRefused("unknown_code")
    seen = _event(uow.session, bank_code, report.event_id)
    if seen is not None:
        return Received(referral, changed=False, duplicate=True, before=seen.before)
    if report.status not in set(Status) or report.status == Status.REFERRED:
        raise ReportRefused("unknown_status", allowed=[s.value for s in Status
                                                      if s != Status.REFERRED])
    before = referral.status
    if Status(before) in FINAL and report.status != before:
        raise ReportRefused("final", status=before)
    changed = report.status != before
    event = BankEvent(bank_code=bank_code, event_id=report.event_id, referral_id=referral.id,
                      status=report.status, before=before, changed=changed,
                      note=(report.note or "").strip()[:500] or None, signed_at=signed_at,
                      received_at=uow.now)
    try:
        with uow.session.begin_nested():  # two deliveries at once: the second is a duplicate
            uow.session.add(event)
            uow.session.flush()
    except IntegrityError:
        seen = _event(uow.session, bank_code, report.event_id)
        return Received(referral, changed=False, duplicate=True,
                        before=seen.before if seen else before)
    if changed:
        referral.status = report.status
        referral.bank_note = event.note or referral.bank_note
        referral.updated_at = uow.now
        uow.audit("loans.referral_status", "referral", referral.id,
                  before={"status": before},
                  after={"status": report.status, "event": report.event_id, "bank": bank_code})
    uow.session.flush()
    return Received(referral, changed=changed, duplicate=False, before=before)


def _event(session: Session, bank_code: str, event_id: str) -> BankEvent | None:
    return session.scalar(select(BankEvent).where(BankEvent.bank_code == bank_code,
                                                  BankEvent.event_id == event_id))


def events_of(session: Session, referral_id: int) -> list[BankEvent]:
    return list(session.scalars(select(BankEvent).where(BankEvent.referral_id == referral_id)
                                .order_by(BankEvent.id)))


# --- staff: the list and the funnel --------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    status: str | None = None
    bank_code: str | None = None
    query: str = ""  # a tracking code, or part of the enterprise's name


def listing(session: Session, filters: Filters, offset: int, limit: int
            ) -> tuple[list[Referral], int]:
    """The staff console's referrals, most recently changed first, and how many match."""
    query = select(Referral)
    if filters.status:
        query = query.where(Referral.status == filters.status)
    if filters.bank_code:
        query = query.where(Referral.bank_code == filters.bank_code)
    words = filters.query.strip()
    if words:
        query = query.where(or_(Referral.tracking_code == words.upper(),
                                Referral.enterprise_name.contains(words, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Referral.updated_at.desc(), Referral.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), int(total)


@dataclass(frozen=True)
class Funnel:
    by_status: dict[str, int]  # where the referrals are now, every status named
    reached: dict[str, int]  # how many got at least as far as each step of FUNNEL
    total: int


def stats(session: Session, since: datetime | None = None, until: datetime | None = None
          ) -> Funnel:
    """The referral funnel for referrals made in [since, until): now by status, and how many
    reached each step (from the banks' reports, so a declined one still counts as accepted
    when the bank had accepted it first)."""
    made = select(Referral.id, Referral.status)
    if since is not None:
        made = made.where(Referral.created_at >= since)
    if until is not None:
        made = made.where(Referral.created_at < until)
    rows = session.execute(made).all()
    by_status = {status.value: 0 for status in Status}
    steps: dict[int, set[str]] = {}
    for referral_id, status in rows:
        by_status[status] = by_status.get(status, 0) + 1
        steps[referral_id] = {Status.REFERRED.value, status}
    if steps:
        for referral_id, status in session.execute(
                select(BankEvent.referral_id, BankEvent.status)
                .where(BankEvent.referral_id.in_(list(steps)))):
            steps[referral_id].add(status)
    reached = {step.value: sum(1 for seen in steps.values()
                               if any(FUNNEL.index(Status(s)) >= FUNNEL.index(step)
                                      for s in seen if Status(s) in FUNNEL))
               for step in FUNNEL}
    return Funnel(by_status, reached, len(rows))

"""理赔's use cases: the chat, the H5 form, the API and the staff page call these.

- ``check`` / ``file``: a notice of possible loss (可损通知) or a claim (索赔) on a declared
  shipment, checked against the facts the adapter read from 信保易 (``ShipmentFacts``);
  refused with every problem (``ClaimRefused``), or stored with its warnings (a late notice, a
  quality dispute). One open case per shipment: a claim on a shipment that has a notice turns
  the notice into the claim; anything else open is refused with its number.
- ``add_document`` / ``document_stored``: documents, and the checklist per cause
  (``missing_documents``); the day the last one arrives starts the 30 working days.
- ``change_status``: staff move a case; recorded (who, when, why) and audited; the caller tells
  the follower after the commit.
- ``of_follower``, ``listing``, ``stats``: 理赔进度, the staff list, the console's figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.causes import BY_CODE, DOCUMENTS, is_quality_dispute
from claims.models import Claim, ClaimDocument, ClaimEvent
from core.uow import UnitOfWork
from core.workdays import add_workdays, beijing_day, workdays_between

LIABILITY_WORKDAYS = 30  # 一般情况索赔后 30 个工作日内核定保险责任 (the seed, 三(一)4)
AT_RISK_WORKDAYS = 5  # staff are warned this many working days before a deadline
MAX_NOTE = 500
MAX_BUYER_SAYS = 1000

Problem = tuple[str, dict[str, Any]]


class Kind(StrEnum):
    NOTICE = "notice"
    CLAIM = "claim"


KIND_NAMES = {Kind.NOTICE: "可损通知", Kind.CLAIM: "索赔"}


class Status(StrEnum):
    NOTIFIED = "notified"
    FILED = "filed"
    DOCUMENTS_COMPLETE = "documents_complete"
    UNDER_REVIEW = "under_review"
    INDEMNITY = "indemnity"
    DECLINED = "declined"
    PAID = "paid"
    CLOSED = "closed"


STATUS_NAMES = {
    Status.NOTIFIED: "已报可损", Status.FILED: "已索赔，待补齐材料",
    Status.DOCUMENTS_COMPLETE: "材料已齐全", Status.UNDER_REVIEW: "定损核赔中",
    Status.INDEMNITY: "已决定赔付", Status.DECLINED: "已拒赔", Status.PAID: "已赔付",
    Status.CLOSED: "已结案",
}
# Where staff may move a case from each status.
MOVES: dict[Status, tuple[Status, ...]] = {
    Status.NOTIFIED: (Status.FILED, Status.CLOSED),
    Status.FILED: (Status.DOCUMENTS_COMPLETE, Status.UNDER_REVIEW, Status.DECLINED,
                   Status.CLOSED),
    Status.DOCUMENTS_COMPLETE: (Status.UNDER_REVIEW, Status.INDEMNITY, Status.DECLINED),
    Status.UNDER_REVIEW: (Status.FILED, Status.INDEMNITY, Status.DECLINED),
    Status.INDEMNITY: (Status.PAID,),
    Status.DECLINED: (Status.CLOSED,),
    Status.PAID: (Status.CLOSED,),
    Status.CLOSED: (),
}
DECIDED = frozenset({Status.INDEMNITY, Status.DECLINED, Status.PAID, Status.CLOSED})
OPEN = tuple(s.value for s in Status if s not in (Status.DECLINED, Status.CLOSED))


@dataclass(frozen=True)
class ShipmentFacts:
    """What 信保易 knows of the shipment, read by the adapter through policies' use cases."""

    enterprise_id: int
    enterprise_name: str
    policy_id: int
    policy_number: str
    policy_starts_on: date
    policy_ends_on: date
    indemnity_percent: Decimal
    loss_report_days: int | None  # the policy's 可损通知 window after the due date
    shipment_id: int
    buyer_name: str
    invoice_number: str
    amount: Decimal
    currency: str
    ship_date: date
    due_date: date
    payment_method: str
    credit_days: int
    covered_methods: tuple[str, ...]
    method_names: dict[str, str] = field(default_factory=dict)
    max_credit_days: int | None = None
    limit_amount: Decimal | None = None  # the buyer's credit limit; None: none active
    collected: bool = False


@dataclass(frozen=True)
class Who:
    follower_id: int | None
    openid: str
    channel: str  # wechat | h5 | miniprogram | staff


@dataclass(frozen=True)
class ClaimInput:
    kind: Kind
    cause: str
    loss_amount: Decimal
    currency: str
    buyer_says: str = ""


class ClaimRefused(ValueError):
    """``problems``: every (code, data) that applies; templates/replies/claims/problem.j2
    words them."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(", ".join(code for code, _ in problems))
        self.problems = problems

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.problems]


@dataclass(frozen=True)
class Filed:
    claim: Claim
    warnings: list[Problem]
    converted: bool = False  # a notice became this claim


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# --- the checks ----------------------------------------------------------------------------------

def coverage_problems(facts: ShipmentFacts) -> list[Problem]:
    """Whether the shipment is covered: declared under the policy's period, a method it
    covers, a credit period within a year (and the policy's terms), within the buyer's limit."""
    problems: list[Problem] = []
    if facts.collected:
        problems.append(("collected", {"invoice": facts.invoice_number}))
    if not facts.policy_starts_on <= facts.ship_date <= facts.policy_ends_on:
        problems.append(("outside_period", {"starts_on": facts.policy_starts_on,
                                            "ends_on": facts.policy_ends_on}))
    if facts.payment_method not in facts.covered_methods:
        names = facts.method_names
        problems.append(("method_not_covered", {
            "method": names.get(facts.payment_method, facts.payment_method),
            "covered": "、".join(names.get(m, m) for m in facts.covered_methods)}))
    if facts.due_date > _one_year_after(facts.ship_date):
        problems.append(("credit_over_a_year", {"days": facts.credit_days}))
    elif facts.max_credit_days is not None and facts.credit_days > facts.max_credit_days:
        problems.append(("credit_over_terms", {"days": facts.credit_days,
                                               "ceiling": facts.max_credit_days}))
    if facts.limit_amount is None:
        problems.append(("no_limit", {"buyer": facts.buyer_name}))
    elif facts.amount > facts.limit_amount:
        problems.append(("over_limit", {"amount": facts.amount, "limit": facts.limit_amount,
                                        "currency": facts.currency}))
    return problems


def amount_problems(facts: ShipmentFacts, amount: Decimal, currency: str) -> list[Problem]:
    if currency and currency != facts.currency:
        return [("currency_differs", {"currency": facts.currency})]
    if not amount.is_finite() or amount <= 0:
        return [("amount_not_positive", {})]
    if amount > facts.amount:
        return [("amount_over_invoice", {"amount": amount, "invoice": facts.amount,
                                         "currency": facts.currency})]
    return []


def notice_deadline(facts: ShipmentFacts) -> date | None:
    if facts.loss_report_days is None:
        return None
    return facts.due_date + timedelta(days=facts.loss_report_days)


def warnings_for(facts: ShipmentFacts, data: ClaimInput, today: date) -> list[Problem]:
    warnings: list[Problem] = []
    by = notice_deadline(facts)
    if by is not None and today > by:
        warnings.append(("late", {"by": by, "days": facts.loss_report_days,
                                  "late_days": (today - by).days}))
    if is_quality_dispute(data.buyer_says):
        warnings.append(("quality_dispute", {}))
    return warnings


def check(facts: ShipmentFacts, data: ClaimInput, today: date) -> tuple[list[Problem],
                                                                          list[Problem]]:
    """(problems, warnings): problems refuse the case, warnings go with it."""
    problems = coverage_problems(facts)
    if data.cause not in BY_CODE:
        problems.append(("cause_unknown", {}))
    problems += amount_problems(facts, data.loss_amount, data.currency)
    return problems, warnings_for(facts, data, today)


# --- filing ------------------------------------------------------------------------------------

def number_for(claim_id: int, day: date) -> str:
    """"LP20261201-00042": the day and the row, readable over the phone."""
    return f"LP{day:%Y%m%d}-{claim_id:05d}"


def open_case(session: Session, shipment_id: int) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.shipment_id == shipment_id,
                                              Claim.status.in_(OPEN))
                          .order_by(Claim.id.desc()).limit(1))


def _event(uow: UnitOfWork, claim: Claim, before: str | None, note: str = "") -> None:
    uow.session.add(ClaimEvent(claim_id=claim.id, before=before, after=claim.status,
                               actor=uow.actor.label, note=note, created_at=uow.now))


def file(uow: UnitOfWork, who: Who, facts: ShipmentFacts, data: ClaimInput) -> Filed:
    """Checked, then stored (flushed; the caller commits before it replies)."""
    problems, warnings = check(facts, data, beijing_day(uow.now))
    existing = open_case(uow.session, facts.shipment_id)
    if existing is not None and not (existing.kind == Kind.NOTICE and data.kind == Kind.CLAIM):
        problems.insert(0, ("already_open", {"number": existing.number,
                                             "kind": KIND_NAMES[Kind(existing.kind)]}))
    if problems:
        raise ClaimRefused(problems)
    status = Status.NOTIFIED if data.kind == Kind.NOTICE else Status.FILED
    says = data.buyer_says.strip()[:MAX_BUYER_SAYS]
    if existing is not None:  # the notice becomes the claim
        before = existing.status
        existing.kind, existing.status, existing.cause = Kind.CLAIM.value, status.value, data.cause
        existing.loss_amount, existing.buyer_says = data.loss_amount, says
        existing.quality_dispute = existing.quality_dispute or is_quality_dispute(says)
        existing.updated_at = uow.now
        _event(uow, existing, before, "可损通知转为索赔")
        _complete_if_ready(uow, existing)
        uow.session.flush()
        return Filed(existing, warnings, converted=True)
    claim = Claim(
        kind=data.kind.value, status=status.value, enterprise_id=facts.enterprise_id,
        enterprise_name=facts.enterprise_name, policy_id=facts.policy_id,
        policy_number=facts.policy_number, shipment_id=facts.shipment_id,
        buyer_name=facts.buyer_name, invoice_number=facts.invoice_number,
        invoice_amount=facts.amount, currency=facts.currency, due_date=facts.due_date,
        cause=data.cause, loss_amount=data.loss_amount,
        indemnity_percent=facts.indemnity_percent, buyer_says=says,
        quality_dispute=is_quality_dispute(says),
        late=any(code == "late" for code, _ in warnings), follower_id=who.follower_id,
        openid=who.openid, channel=who.channel, created_at=uow.now, updated_at=uow.now)
    uow.session.add(claim)
    uow.session.flush()
    claim.number = number_for(claim.id, beijing_day(uow.now))
    _event(uow, claim, None)
    uow.session.flush()
    return Filed(claim, warnings)


# --- documents -----------------------------------------------------------------------------------

def required_documents(claim: Claim) -> tuple[str, ...]:
    cause = BY_CODE.get(claim.cause)
    return cause.documents if cause else ()


def documents_of(session: Session, claim_id: int) -> list[ClaimDocument]:
    return list(session.scalars(select(ClaimDocument).where(ClaimDocument.claim_id == claim_id)
                                .order_by(ClaimDocument.id)))


def missing_documents(session: Session, claim: Claim) -> list[str]:
    """The checklist: the kinds the cause needs that nothing was sent for yet (a document
    still being fetched counts: the follower sent it)."""
    have = {doc.kind for doc in documents_of(session, claim.id) if doc.status != "failed"}
    return [kind for kind in required_documents(claim) if kind not in have]


def add_document(uow: UnitOfWork, claim: Claim, kind: str, *, media_id: str | None = None,
                 filename: str = "", path: str | None = None, size: int | None = None
                 ) -> ClaimDocument:
    """A document from the chat (``media_id``: pending until the job stores it) or stored
    already (``path``)."""
    if kind not in DOCUMENTS:
        raise ClaimRefused([("document_kind", {})])
    if claim.status in (Status.DECLINED, Status.CLOSED):
        raise ClaimRefused([("case_closed", {"number": claim.number})])
    document = ClaimDocument(claim_id=claim.id, kind=kind, media_id=media_id,
                             filename=filename[:200], path=path, size=size,
                             status="stored" if path else "pending", created_at=uow.now)
    uow.session.add(document)
    uow.session.flush()
    _complete_if_ready(uow, claim)
    return document


def document_stored(session: Session, document: ClaimDocument, path: str, size: int,
                    filename: str = "") -> None:
    document.path, document.size, document.status = path, size, "stored"
    document.filename = document.filename or filename[:200]
    session.flush()


def document_failed(session: Session, document: ClaimDocument, error: str) -> None:
    document.status, document.error = "failed", error[:500]
    session.flush()


def _complete_if_ready(uow: UnitOfWork, claim: Claim) -> None:
    """The last document of a claim's checklist starts the 30 working days."""
    if claim.kind != Kind.CLAIM or claim.status != Status.FILED:
        return
    if missing_documents(uow.session, claim):
        return
    before = claim.status
    claim.status = Status.DOCUMENTS_COMPLETE.value
    _start_deadline(claim, beijing_day(uow.now))
    claim.updated_at = uow.now
    _event(uow, claim, before, "材料齐全")


def _start_deadline(claim: Claim, day: date) -> None:
    counted = add_workdays(day, LIABILITY_WORKDAYS)
    claim.documents_complete_on = day
    claim.deadline, claim.deadline_provisional = counted.day, counted.provisional_reason


# --- staff ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusChanged:
    claim: Claim
    before: str


def change_status(uow: UnitOfWork, claim: Claim, status: Status, note: str | None = None
                  ) -> StatusChanged:
    """Staff move a case; recorded and audited; the caller tells the follower after the
    commit."""
    before = Status(claim.status)
    if status not in MOVES[before]:
        raise ClaimRefused([("move", {"before": STATUS_NAMES[before],
                                      "after": STATUS_NAMES.get(status, str(status)),
                                      "allowed": "、".join(STATUS_NAMES[s]
                                                          for s in MOVES[before]) or "无"})])
    text = (note or "").strip()[:MAX_NOTE]
    claim.status = status.value
    if status == Status.FILED:
        claim.kind = Kind.CLAIM.value
    if status == Status.DOCUMENTS_COMPLETE and claim.deadline is None:
        _start_deadline(claim, beijing_day(uow.now))
    claim.staff_note = text or claim.staff_note
    claim.updated_at = uow.now
    _event(uow, claim, before.value, text)
    uow.audit("claims.status", "claim", claim.id, before={"status": before.value},
              after={"status": status.value, "note": text})
    uow.session.flush()
    return StatusChanged(claim, before.value)


# --- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """A case as 理赔进度 shows it."""

    claim: Claim
    status_name: str
    missing: list[str]
    days_left: int | None  # working days to the deadline (0: today or passed)
    provisional: str | None
    estimate: Decimal  # insured loss × the policy's indemnity percentage: an estimate


def progress(session: Session, claim: Claim, today: date) -> Progress:
    days_left = provisional = None
    if claim.deadline is not None and Status(claim.status) not in DECIDED:
        span = workdays_between(today, claim.deadline)
        days_left, provisional = span.days, claim.deadline_provisional or span.provisional_reason
    elif claim.deadline is not None:
        provisional = claim.deadline_provisional
    estimate = (claim.loss_amount * claim.indemnity_percent / 100).quantize(Decimal("0.01"))
    return Progress(claim, STATUS_NAMES[Status(claim.status)], missing_documents(session, claim),
                    days_left, provisional, estimate)


def of_follower(session: Session, enterprise_id: int, limit: int = 20) -> list[Claim]:
    """The cases of the follower's enterprise (a colleague's included), newest first."""
    return list(session.scalars(select(Claim).where(Claim.enterprise_id == enterprise_id)
                                .order_by(Claim.id.desc()).limit(limit)))


def get_own(session: Session, enterprise_id: int, claim_id: int) -> Claim | None:
    """Another enterprise's case is like a missing one."""
    claim = session.get(Claim, claim_id)
    return claim if claim is not None and claim.enterprise_id == enterprise_id else None


def latest_open(session: Session, enterprise_id: int) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.enterprise_id == enterprise_id,
                                              Claim.status.in_(OPEN))
                          .order_by(Claim.id.desc()).limit(1))


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    kind: str | None = None
    enterprise_id: int | None = None
    at_risk_on: date | None = None  # only cases whose deadline is near or passed on this day
    text: str = ""  # number, invoice, buyer or enterprise (a part of it)


def _filtered(filters: Filters) -> Any:
    query = select(Claim)
    if filters.status:
        query = query.where(Claim.status == filters.status)
    if filters.kind:
        query = query.where(Claim.kind == filters.kind)
    if filters.enterprise_id:
        query = query.where(Claim.enterprise_id == filters.enterprise_id)
    if filters.text:
        like = f"%{filters.text.strip()}%"
        query = query.where(Claim.number.ilike(like) | Claim.invoice_number.ilike(like)
                            | Claim.buyer_name.ilike(like) | Claim.enterprise_name.ilike(like))
    if filters.at_risk_on:
        query = query.where(Claim.deadline.is_not(None),
                            Claim.deadline <= _risk_horizon(filters.at_risk_on),
                            Claim.status.in_([s.value for s in Status if s not in DECIDED]))
    return query


def _risk_horizon(today: date) -> date:
    return add_workdays(today, AT_RISK_WORKDAYS).day


def listing(session: Session, filters: Filters, offset: int, limit: int
            ) -> tuple[list[Claim], int]:
    """The staff list (and the console frame's later): rows and the total."""
    query = _filtered(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Claim.updated_at.desc(), Claim.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), int(total)


@dataclass(frozen=True)
class Stats:
    by_status: dict[str, int]
    by_kind: dict[str, int]
    at_risk: int  # undecided, deadline within AT_RISK_WORKDAYS working days
    overdue: int  # undecided, deadline passed
    quality_disputes: int


def stats(session: Session, today: date) -> Stats:
    """Figures for the console: cases by status and kind, deadlines at risk and passed."""
    rows = session.execute(select(Claim.status, Claim.kind, Claim.deadline,
                                  Claim.quality_dispute)).all()
    horizon = _risk_horizon(today)
    undecided = [row for row in rows if Status(row.status) not in DECIDED and row.deadline]
    return Stats(
        by_status=dict(Counter(row.status for row in rows)),
        by_kind=dict(Counter(row.kind for row in rows)),
        at_risk=sum(1 for row in undecided if today <= row.deadline <= horizon),
        overdue=sum(1 for row in undecided if row.deadline < today),
        quality_disputes=sum(1 for row in rows if row.quality_dispute))


def events_of(session: Session, claim_id: int) -> list[ClaimEvent]:
    return list(session.scalars(select(ClaimEvent).where(ClaimEvent.claim_id == claim_id)
                                .order_by(ClaimEvent.id)))

"""出运申报: a shipment declared under the policy, against the buyer's credit limit.

The source document's conditions, checked here for every door (三(一)2 of the seed): the
payment method is one the policy covers (D/P, D/A, OA, irrevocable L/C), the credit period
is within one year, the buyer has a credit limit under the policy, and the limit is not
exceeded by the shipments declared and not yet collected. Besides: the ship date falls in the
policy's period and is not in the future, and an invoice is declared once per policy.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.uow import UnitOfWork
from policies.binding import Member
from policies.models import Binding, CreditLimit, Policy, Shipment
from policies.numbers import CURRENCY_NAMES, plain
from policies.records import (
    COLLECTED,
    DECLARED,
    PAYMENT_METHODS,
    buyer_key,
    effective_status,
    outstanding_by_limit,
)

# How followers name the payment methods.
METHOD_WORDS: dict[str, str] = {
    "dp": "DP", "d/p": "DP", "付款交单": "DP", "1": "DP",
    "da": "DA", "d/a": "DA", "承兑交单": "DA", "2": "DA",
    "oa": "OA", "o/a": "OA", "赊账": "OA", "赊销": "OA", "放账": "OA", "3": "OA",
    "lc": "LC", "l/c": "LC", "信用证": "LC", "不可撤销信用证": "LC", "远期信用证": "LC", "4": "LC",
}
MAX_INVOICE = 40


class ShipmentRefused(ValueError):
    """``problems``: (code, data) pairs, every one that applies, for the Chinese messages."""

    def __init__(self, problems: list[tuple[str, dict[str, object]]]) -> None:
        super().__init__(", ".join(code for code, _ in problems))
        self.problems = problems

    @property
    def codes(self) -> list[str]:
        return [code for code, _ in self.problems]


@dataclass(frozen=True)
class ShipmentInput:
    credit_limit_id: int
    invoice_number: str
    amount: Decimal
    currency: str
    ship_date: date
    payment_method: str  # DP | DA | OA | LC
    credit_days: int


def parse_method(text: str) -> str | None:
    folded = unicodedata.normalize("NFKC", text).strip().casefold().replace(" ", "")
    return METHOD_WORDS.get(folded.rstrip("。."))


def clean_invoice(text: str) -> str:
    number = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).strip()
    if not 1 <= len(number) <= MAX_INVOICE or not re.fullmatch(r"[A-Za-z0-9\-_/#.]+", number):
        raise ShipmentRefused([("invoice_format", {"max": MAX_INVOICE})])
    return number


def invoice_key(number: str) -> str:
    return re.sub(r"[\s\-_/#.]+", "", number).upper()[:40]


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def due_date(ship_date: date, credit_days: int) -> date:
    return ship_date + timedelta(days=credit_days)


def limits_for(session: Session, policy: Policy) -> list[CreditLimit]:
    return list(session.scalars(select(CreditLimit).where(
        CreditLimit.policy_id == policy.id, CreditLimit.status == "active")
        .order_by(CreditLimit.buyer_name, CreditLimit.id)))


def find_limit(session: Session, policy: Policy, buyer: str) -> CreditLimit | None:
    """The limit of the buyer a follower names: exact (folded), else the one name that
    contains it or that it contains."""
    key = buyer_key(buyer)
    limits = limits_for(session, policy)
    exact = [limit for limit in limits if limit.buyer_key == key]
    if exact:
        return exact[0]
    near = [limit for limit in limits if key and (key in limit.buyer_key
                                                  or limit.buyer_key in key)]
    return near[0] if len(near) == 1 else None


def check(session: Session, policy: Policy, limit: CreditLimit | None, data: ShipmentInput,
          today: date) -> list[tuple[str, dict[str, object]]]:
    """Every condition that fails, in the order a follower fixes them."""
    problems: list[tuple[str, dict[str, object]]] = []
    if not policy.starts_on <= data.ship_date <= policy.ends_on:
        problems.append(("outside_period", {"starts_on": policy.starts_on,
                                            "ends_on": policy.ends_on}))
    elif effective_status(policy, data.ship_date) != "in_force":
        problems.append(("policy_not_in_force", {"status": policy.status}))
    if data.ship_date > today:
        problems.append(("future_ship_date", {}))
    if limit is None or limit.policy_id != policy.id or limit.status != "active":
        problems.append(("no_limit", {"policy": policy.number}))
        return problems
    covered = list(limit.payment_methods or policy.payment_methods)
    if data.payment_method not in covered:
        problems.append(("method_not_covered", {
            "method": PAYMENT_METHODS.get(data.payment_method, data.payment_method),
            "covered": "、".join(PAYMENT_METHODS[m] for m in covered if m in PAYMENT_METHODS)}))
    longest = (one_year_after(data.ship_date) - data.ship_date).days
    if data.credit_days < 0 or due_date(data.ship_date, data.credit_days) > one_year_after(
            data.ship_date):
        problems.append(("credit_over_a_year", {"days": data.credit_days, "longest": longest}))
    else:
        for ceiling, where in ((policy.max_credit_days, "policy"),
                               (limit.max_credit_days, "limit")):
            if ceiling is not None and data.credit_days > ceiling:
                problems.append(("credit_over_terms", {"days": data.credit_days,
                                                       "ceiling": ceiling, "where": where}))
                break
    if data.currency != limit.currency:
        problems.append(("currency_differs", {"currency": limit.currency,
                                              "currency_name": CURRENCY_NAMES.get(
                                                  limit.currency, limit.currency)}))
    else:
        held = outstanding_by_limit(session, [limit.id]).get(limit.id, Decimal(0))
        if held + data.amount > limit.amount:
            problems.append(("limit_exceeded", {
                "limit": plain(limit.amount), "held": plain(held),
                "available": plain(max(limit.amount - held, Decimal(0))),
                "currency": limit.currency}))
    return problems


def declare(uow: UnitOfWork, member: Member | None, binding: Binding, policy: Policy,
            data: ShipmentInput, channel: str) -> Shipment:
    """Checked, then stored; raises ``ShipmentRefused`` with every problem."""
    session = uow.session
    if policy.enterprise_id != binding.enterprise_id:
        raise ShipmentRefused([("no_policy", {})])
    limit = session.get(CreditLimit, data.credit_limit_id)
    problems = check(session, policy, limit, data, uow.now.date())
    key = invoice_key(data.invoice_number)
    if session.scalar(select(Shipment.id).where(Shipment.policy_id == policy.id,
                                                Shipment.invoice_key == key)):
        problems.insert(0, ("invoice_declared", {"invoice": data.invoice_number}))
    if problems:
        raise ShipmentRefused(problems)
    assert limit is not None
    shipment = Shipment(
        enterprise_id=policy.enterprise_id, policy_id=policy.id, credit_limit_id=limit.id,
        buyer_name=limit.buyer_name, invoice_number=data.invoice_number, invoice_key=key,
        amount=data.amount, currency=data.currency, ship_date=data.ship_date,
        payment_method=data.payment_method, credit_days=data.credit_days,
        due_date=due_date(data.ship_date, data.credit_days), status=DECLARED,
        follower_id=member.follower_id if member else None, channel=channel,
        created_at=uow.now)
    session.add(shipment)
    session.flush()
    return shipment


def of_enterprise(session: Session, enterprise_id: int, offset: int = 0,
                  limit: int | None = None) -> list[Shipment]:
    query = (select(Shipment).where(Shipment.enterprise_id == enterprise_id)
             .order_by(Shipment.ship_date.desc(), Shipment.id.desc()).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_of_enterprise(session: Session, enterprise_id: int) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(Shipment)
                              .where(Shipment.enterprise_id == enterprise_id)) or 0)


def mark_collected(uow: UnitOfWork, binding: Binding, invoice: str, on: date) -> Shipment:
    """收汇确认: the receivable is paid, and the limit it held is free again."""
    key = invoice_key(invoice)
    shipment = uow.session.scalar(select(Shipment).where(
        Shipment.enterprise_id == binding.enterprise_id, Shipment.invoice_key == key)
        .order_by(Shipment.id.desc()).limit(1))
    if shipment is None:
        raise ShipmentRefused([("invoice_unknown", {"invoice": invoice})])
    return collect(uow, shipment, on)


def collect(uow: UnitOfWork, shipment: Shipment, on: date) -> Shipment:
    if shipment.status == COLLECTED:
        raise ShipmentRefused([("already_collected", {"invoice": shipment.invoice_number})])
    shipment.status, shipment.collected_on = COLLECTED, on
    uow.session.flush()
    return shipment


EXPORT_HEADERS = ("发票号", "买方", "金额", "币种", "出运日期", "支付方式", "信用期限（天）",
                  "应收汇日期", "状态", "保单号", "申报时间")
STATUS_NAMES = {DECLARED: "已申报，待收汇", COLLECTED: "已收汇"}


def workbook(session: Session, shipments: list[Shipment], sample: bool) -> bytes:
    """The list as an Excel workbook (openpyxl), as SOL's statistics export them."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "出运申报"
    sheet.append(EXPORT_HEADERS)
    numbers = {policy.id: policy.number for policy in session.scalars(
        select(Policy).where(Policy.id.in_({s.policy_id for s in shipments})))}
    for item in shipments:
        sheet.append([item.invoice_number, item.buyer_name, float(item.amount), item.currency,
                      item.ship_date, PAYMENT_METHODS.get(item.payment_method,
                                                          item.payment_method),
                      item.credit_days, item.due_date, STATUS_NAMES.get(item.status,
                                                                        item.status),
                      numbers.get(item.policy_id, ""), item.created_at.replace(tzinfo=None)])
    for column, width in enumerate((16, 32, 14, 8, 12, 18, 14, 12, 16, 18, 20), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    if sample:
        sheet.append([])
        sheet.append(["示例数据：保单与限额为演示数据，不代表任何真实企业。"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

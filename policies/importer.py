"""The operator's import of enterprises, policies and credit limits: CSV or Excel (openpyxl),
one row per credit limit (a policy without limits: one row with the buyer columns empty).

Headers in English or Chinese (``COLUMNS``). Enterprises are upserted by unified social credit
code, policies by number, limits by (policy, buyer name folded). A row that cannot be used is
rejected with its line number and the reason (``Rejected``); the others are written. The
buyer is linked to the 资信红绿灯 registry when ``match_buyer`` (given by the caller: this
package does not import lights) names one; its name is kept as the file gives it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from policies.models import CreditLimit, Enterprise, Policy
from policies.records import PAYMENT_METHODS, buyer_key
from policies.uscc import UsccProblem, parse_uscc

MatchBuyer = Callable[[str, str | None], int | None]

# field -> the headers that name it (folded: lower case, no spaces)
COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise_name": ("enterprise_name", "enterprise", "企业名称", "投保人", "被保险人"),
    "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "mobile": ("mobile", "手机号", "手机", "联系手机", "联系人手机"),
    "policy_number": ("policy_number", "policy", "保单号", "保单号码"),
    "product": ("product", "产品", "险种", "产品名称"),
    "starts_on": ("starts_on", "start", "起保日期", "保险起期", "生效日期"),
    "ends_on": ("ends_on", "end", "终止日期", "保险止期", "到期日期"),
    "status": ("status", "状态", "保单状态"),
    "indemnity_percent": ("indemnity_percent", "赔偿比例", "赔偿比例%"),
    "premium_rate_permille": ("premium_rate_permille", "premium_rate", "费率", "费率‰"),
    "payment_methods": ("payment_methods", "支付方式", "承保支付方式"),
    "max_credit_days": ("max_credit_days", "最长信用期限", "最长账期"),
    "loss_report_days": ("loss_report_days", "可损通知期限", "报损期限"),
    "idle_limit_days": ("idle_limit_days", "限额闲置期限"),
    "policy_mobile": ("policy_mobile", "保单联系手机"),
    "buyer_name": ("buyer_name", "buyer", "买方名称", "买方"),
    "buyer_country": ("buyer_country", "买方国家", "国家"),
    "limit_amount": ("limit_amount", "限额", "限额金额", "信用限额"),
    "limit_currency": ("limit_currency", "currency", "币种", "限额币种"),
    "limit_payment_methods": ("limit_payment_methods", "限额支付方式"),
    "limit_credit_days": ("limit_credit_days", "限额信用期限", "限额账期"),
    "limit_approved_on": ("limit_approved_on", "批复日期", "限额批复日期"),
    "sample": ("sample", "示例数据"),
}
REQUIRED = ("enterprise_name", "uscc", "policy_number", "starts_on", "ends_on",
            "indemnity_percent")
STATUSES = {"in_force": "in_force", "有效": "in_force", "生效": "in_force",
            "suspended": "suspended", "中止": "suspended", "terminated": "terminated",
            "终止": "terminated", "注销": "terminated"}
METHOD_WORDS = {"dp": "DP", "d/p": "DP", "付款交单": "DP", "da": "DA", "d/a": "DA",
                "承兑交单": "DA", "oa": "OA", "o/a": "OA", "赊账": "OA", "lc": "LC", "l/c": "LC",
                "信用证": "LC", "不可撤销信用证": "LC"}
TRUE_WORDS = ("1", "true", "yes", "y", "是", "示例", "示例数据")


class RowProblem(ValueError):
    pass


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str
    row: dict[str, str]


@dataclass
class ImportResult:
    enterprises: int = 0
    policies: int = 0
    limits: int = 0
    rows: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    linked_buyers: int = 0


def _fold_header(header: object) -> str:
    return str(header or "").strip().casefold().replace(" ", "")


def _header_map(headers: list[object]) -> dict[int, str]:
    known = {_fold_header(name): field_name for field_name, names in COLUMNS.items()
             for name in names}
    return {index: known[_fold_header(header)] for index, header in enumerate(headers)
            if _fold_header(header) in known}


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {field: text}) for each data row of a CSV or .xlsx file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _excel_rows(path.read_bytes())
    else:
        yield from _csv_rows(path.read_text(encoding="utf-8-sig"))


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    headers = next(reader, [])
    mapping = _header_map(list(headers))
    for line, values in enumerate(reader, start=2):
        if any(value.strip() for value in values):
            yield line, {mapping[i]: value.strip() for i, value in enumerate(values)
                         if i in mapping}


def _excel_rows(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    mapping = _header_map(list(next(rows, ())))
    for line, values in enumerate(rows, start=2):
        if any(value not in (None, "") for value in values):
            yield line, {mapping[i]: _cell_text(value) for i, value in enumerate(values)
                         if i in mapping}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(text: str, name: str) -> date:
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    raise RowProblem(f"{name}: not a date (YYYY-MM-DD): {text!r}")


def _decimal(text: str, name: str, low: Decimal, high: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").removesuffix("%").removesuffix("‰").strip())
    except InvalidOperation:
        raise RowProblem(f"{name}: not a number: {text!r}") from None
    if value < low or (high is not None and value > high):
        raise RowProblem(f"{name}: {value} is out of range")
    return value


def _whole(text: str, name: str) -> int | None:
    if not text:
        return None
    value = _decimal(text, name, Decimal(0), Decimal(100000))
    if value != value.to_integral_value():
        raise RowProblem(f"{name}: not a whole number: {text!r}")
    return int(value)


def parse_methods(text: str) -> list[str]:
    """"DP;DA;OA;LC", "D/P、L/C", "付款交单,赊账" -> ["DP", "LC"] in the source's order."""
    import re

    found: set[str] = set()
    for part in re.split(r"[;；,，、\s|]+", text.strip()):
        if not part:
            continue
        code = METHOD_WORDS.get(part.casefold())
        if code is None:
            raise RowProblem(f"payment method not covered by the source document: {part!r}")
        found.add(code)
    return [code for code in PAYMENT_METHODS if code in found]


def _mobile(text: str) -> str | None:
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if not digits:
        return None
    if not 7 <= len(digits.lstrip("+")) <= 15:
        raise RowProblem(f"mobile: not a phone number: {text!r}")
    return digits


def import_rows(session: Session, rows: Iterator[tuple[int, dict[str, str]]], now: datetime,
                match_buyer: MatchBuyer | None = None, sample: bool = False) -> ImportResult:
    """Upsert each row in its own savepoint: a bad row is rejected, the rest are written. The
    caller commits."""
    result = ImportResult()
    seen_enterprises: set[int] = set()
    seen_policies: set[int] = set()
    for line, row in rows:
        result.rows += 1
        try:
            with session.begin_nested():
                enterprise, policy, limit = _upsert(session, row, now, match_buyer, sample)
        except (RowProblem, UsccProblem) as problem:
            reason = (f"uscc: {problem.code}" if isinstance(problem, UsccProblem)
                      else str(problem))
            result.rejected.append(Rejected(line, reason, row))
            continue
        seen_enterprises.add(enterprise.id)
        seen_policies.add(policy.id)
        if limit is not None:
            result.limits += 1
            result.linked_buyers += limit.buyer_id is not None
    result.enterprises, result.policies = len(seen_enterprises), len(seen_policies)
    return result


def _upsert(session: Session, row: dict[str, str], now: datetime,
            match_buyer: MatchBuyer | None, sample: bool
            ) -> tuple[Enterprise, Policy, CreditLimit | None]:
    missing = [name for name in REQUIRED if not row.get(name)]
    if missing:
        raise RowProblem("missing: " + ", ".join(missing))
    is_sample = sample or row.get("sample", "").casefold() in TRUE_WORDS
    uscc = parse_uscc(row["uscc"])
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if enterprise is None:
        enterprise = Enterprise(uscc=uscc, created_at=now, name=row["enterprise_name"])
        session.add(enterprise)
    enterprise.name = row["enterprise_name"][:120]
    enterprise.mobile = _mobile(row.get("mobile", "")) or enterprise.mobile
    enterprise.sample = is_sample
    enterprise.updated_at = now
    session.flush()
    policy = _upsert_policy(session, row, enterprise, now, is_sample)
    if not row.get("buyer_name"):
        return enterprise, policy, None
    return enterprise, policy, _upsert_limit(session, row, policy, match_buyer)


def _upsert_policy(session: Session, row: dict[str, str], enterprise: Enterprise,
                   now: datetime, sample: bool) -> Policy:
    number = row["policy_number"].strip().upper()
    starts_on, ends_on = _date(row["starts_on"], "starts_on"), _date(row["ends_on"], "ends_on")
    if ends_on < starts_on:
        raise RowProblem("ends_on is before starts_on")
    status = STATUSES.get(row.get("status", "").strip().casefold() or "in_force")
    if status is None:
        raise RowProblem(f"status: unknown {row.get('status')!r}")
    policy = session.scalar(select(Policy).where(Policy.number == number))
    if policy is not None and policy.enterprise_id != enterprise.id:
        raise RowProblem(f"policy {number} belongs to another enterprise")
    if policy is None:
        policy = Policy(number=number, enterprise_id=enterprise.id, created_at=now,
                        starts_on=starts_on, ends_on=ends_on, status=status,
                        indemnity_percent=Decimal(0), payment_methods=[])
        session.add(policy)
    policy.product = row.get("product") or "小微企业信保易"
    policy.starts_on, policy.ends_on, policy.status = starts_on, ends_on, status
    policy.indemnity_percent = _decimal(row["indemnity_percent"], "indemnity_percent",
                                        Decimal(0), Decimal(100))
    rate = row.get("premium_rate_permille", "")
    policy.premium_rate_permille = (_decimal(rate, "premium_rate_permille", Decimal(0),
                                             Decimal(1000)) if rate else None)
    methods = row.get("payment_methods", "")
    policy.payment_methods = parse_methods(methods) if methods else list(PAYMENT_METHODS)
    policy.max_credit_days = _whole(row.get("max_credit_days", ""), "max_credit_days")
    policy.loss_report_days = _whole(row.get("loss_report_days", ""), "loss_report_days")
    policy.idle_limit_days = _whole(row.get("idle_limit_days", ""), "idle_limit_days")
    policy.contact_mobile = _mobile(row.get("policy_mobile", "")) or policy.contact_mobile
    policy.sample = sample
    policy.updated_at = now
    session.flush()
    return policy


def _upsert_limit(session: Session, row: dict[str, str], policy: Policy,
                  match_buyer: MatchBuyer | None) -> CreditLimit:
    name = row["buyer_name"].strip()[:200]
    if not row.get("limit_amount"):
        raise RowProblem("limit_amount is missing for the buyer")
    amount = _decimal(row["limit_amount"], "limit_amount", Decimal("0.01"))
    currency = (row.get("limit_currency") or "USD").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise RowProblem(f"limit_currency: not an ISO code: {currency!r}")
    country = (row.get("buyer_country") or "").strip().upper() or None
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise RowProblem(f"buyer_country: not an ISO 3166 two-letter code: {country!r}")
    key = buyer_key(name)
    limit = session.scalar(select(CreditLimit).where(CreditLimit.policy_id == policy.id,
                                                     CreditLimit.buyer_key == key))
    approved = row.get("limit_approved_on", "")
    if limit is None:
        limit = CreditLimit(policy_id=policy.id, buyer_key=key, buyer_name=name,
                            amount=amount, currency=currency,
                            approved_on=_date(approved, "limit_approved_on") if approved
                            else policy.starts_on)
        session.add(limit)
    limit.buyer_name, limit.buyer_country = name, country
    limit.amount, limit.currency = amount, currency
    if approved:
        limit.approved_on = _date(approved, "limit_approved_on")
    methods = row.get("limit_payment_methods", "")
    limit.payment_methods = parse_methods(methods) if methods else None
    limit.max_credit_days = _whole(row.get("limit_credit_days", ""), "limit_credit_days")
    limit.status = "active"
    if match_buyer is not None:
        limit.buyer_id = match_buyer(name, country)
    session.flush()
    return limit


def write_rejects(path: Path, rejected: list[Rejected]) -> Path | None:
    """``FILE.rejected.csv``: line, reason and the row as read."""
    target = path.with_name(path.name + ".rejected.csv")
    if not rejected:
        target.unlink(missing_ok=True)
        return None
    fields = list(COLUMNS)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "reason", *fields])
        for item in rejected:
            writer.writerow([item.line, item.reason, *(item.row.get(f, "") for f in fields)])
    return target

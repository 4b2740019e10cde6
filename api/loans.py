"""信保贷 for the mini-program and the banks: where a follower's enterprise stands (eligibility,
what is missing, the indicative estimate, the partner banks), referrals (create with consent,
list, read) and the banks' signed status callback.

The callback carries no token: a bank proves itself with ``X-Xinbao-Signature`` — HMAC-SHA256
(hex) with its shared secret over ``<X-Xinbao-Timestamp>.<raw body>`` — and names itself in
``X-Xinbao-Bank``. A timestamp further than ``[loans] callback_tolerance_seconds`` from now is
refused; each report's ``event_id`` is recorded once, so a replay or a retry changes nothing
twice and answers like the first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any

import marshmallow as ma
from flask import g, render_template, request

from api import (
    ApiBlueprint,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    UtcDateTime,
    ValidationFailed,
    follower_or_staff,
    follower_required,
    idempotent,
    require_principal,
)
from api.docs import mark
from api.enterprise import current_binding
from api.pagination import PageArgs, page_of, paginated, paginated_list, window
from api.work import commit, unit_of_work
from core.services import current
from core.uow import Actor
from loans import usecases as loans
from loans.manifest import LOANS_READ
from loans.models import Referral
from loans.usecases import Applicant, BankReport, ReferralRefused, ReportRefused, Status
from policies.usecases import EnterpriseFacts, enterprise_facts
from wechat.loan_notices import tell_referral_status

blp = ApiBlueprint("loans", __name__, description="保单融资 / 信保贷：条件、参考额度、银行转介")

BANK_HEADER = "X-Xinbao-Bank"
TIMESTAMP_HEADER = "X-Xinbao-Timestamp"
SIGNATURE_HEADER = "X-Xinbao-Signature"
HEADER_DOCS = (
    (BANK_HEADER, "合作银行代码（config.toml [loans.banks.<code>]），如 ccb"),
    (TIMESTAMP_HEADER, "Unix 秒；与服务器时间相差超过 [loans] callback_tolerance_seconds 即拒绝"),
    (SIGNATURE_HEADER,
     "HMAC-SHA256(银行密钥, \"<时间戳>.<原始请求体>\") 的十六进制，可带 sha256= 前缀"),
)


# --- schemas -----------------------------------------------------------------------------------

class LoanPolicySchema(ma.Schema):
    number = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    ends_on = ma.fields.Date(required=True)


class LoanEstimateRowSchema(ma.Schema):
    currency = ma.fields.String(required=True)
    receivables = ma.fields.Decimal(required=True, as_string=True,
                                    metadata={"description": "保单项下已申报、未到期的应收账款"})
    count = ma.fields.Integer(required=True)
    amount = ma.fields.Decimal(required=True, as_string=True,
                               metadata={"description": "参考额度 = 应收 × ratio（仅供参考）"})


class LoanEstimateSchema(ma.Schema):
    indicative = ma.fields.Boolean(required=True,
                                   metadata={"description": "总是 true：仅供参考，以银行审批为准"})
    ratio = ma.fields.Decimal(required=True, as_string=True)
    policy_number = ma.fields.String(required=True)
    as_of = ma.fields.Date(required=True)
    sample = ma.fields.Boolean(required=True)
    rows = ma.fields.List(ma.fields.Nested(LoanEstimateRowSchema), required=True)


class LoanBankSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    product = ma.fields.String(required=True)


class LoanStandingSchema(ma.Schema):
    eligible = ma.fields.Boolean(required=True)
    missing = ma.fields.String(allow_none=True, required=True,
                               metadata={"description": " | ".join(loans.Missing)})
    message = ma.fields.String(required=True, metadata={"description": "缺什么、怎么办"})
    links = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    policy = ma.fields.Nested(LoanPolicySchema, allow_none=True, required=True)
    estimate = ma.fields.Nested(LoanEstimateSchema, allow_none=True, required=True)
    banks = ma.fields.List(ma.fields.Nested(LoanBankSchema), required=True)
    shared_data = ma.fields.List(ma.fields.String(), required=True,
                                 metadata={"description": "转介时向银行提供的信息（需同意）"})
    single_window = ma.fields.String(required=True)
    source = ma.fields.String(required=True)


class ReferralBody(ma.Schema):
    bank = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32),
                            metadata={"description": "合作银行代码，见 GET /loans 的 banks"})
    consent = ma.fields.Boolean(required=True,
                                metadata={"description": "同意向该银行提供 shared_data 所列信息"})


class ReferralSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    tracking_code = ma.fields.String(required=True)
    created = ma.fields.Boolean(metadata={"description": "false：已有在办的转介，返回该笔"})
    bank = ma.fields.String(required=True)
    bank_name = ma.fields.String(required=True)
    enterprise_name = ma.fields.String(required=True)
    policy_number = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": " | ".join(Status)})
    status_name = ma.fields.String(required=True)
    bank_note = ma.fields.String(allow_none=True, required=True)
    shared_data = ma.fields.List(ma.fields.String(), required=True)
    estimate = ma.fields.List(ma.fields.Dict(), required=True)
    single_window = ma.fields.String(required=True)
    sample = ma.fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class ReferralListArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(list(Status)))


class CallbackBody(ma.Schema):
    event_id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80),
                                metadata={"description": "银行对本次通知的唯一编号（重发时不变）"})
    tracking_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=24))
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(
        [s.value for s in Status if s != Status.REFERRED]))
    note = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.Length(max=500))


class CallbackResultSchema(ma.Schema):
    tracking_code = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    changed = ma.fields.Boolean(required=True)
    duplicate = ma.fields.Boolean(required=True)


# --- shaping -----------------------------------------------------------------------------------

def _standing() -> EnterpriseFacts:
    uow = unit_of_work()
    return enterprise_facts(uow.session, require_principal().follower_id, uow.now.date())


def _links() -> dict[str, str]:
    base = current().settings.public_url
    return {"eligibility_check": f"{base}/h5/eligibility", "binding": "/api/v1/enterprise/code",
            "loans_page": f"{base}/h5/loans", "renewal": f"{base}/h5/renewal"}


def _missing_message(found: loans.Eligibility) -> str:
    return render_template("replies/loans/_missing.j2", found=found,
                           eligibility_url=_links()["eligibility_check"]).strip()


def shaped(referral: Referral, created: bool | None = None) -> dict[str, Any]:
    shape = {"id": referral.id, "tracking_code": referral.tracking_code,
             "bank": referral.bank_code, "bank_name": referral.bank_name,
             "enterprise_name": referral.enterprise_name,
             "policy_number": referral.policy_number, "status": referral.status,
             "status_name": loans.status_name(referral.status), "bank_note": referral.bank_note,
             "shared_data": list(referral.shared), "estimate": list(referral.estimate),
             "single_window": f"{loans.SINGLE_WINDOW} {loans.SINGLE_WINDOW_PATH}",
             "sample": referral.sample, "created_at": referral.created_at,
             "updated_at": referral.updated_at}
    if created is not None:
        shape["created"] = created
    return shape


# --- the follower's standing ------------------------------------------------------------------

@blp.route("/loans")
@follower_required
@blp.response(200, LoanStandingSchema)
def standing() -> dict[str, Any]:
    """信保贷：能否申请（缺什么、去哪里补）、参考额度（按币种，仅供参考）、合作银行"""
    uow = unit_of_work()
    facts = _standing()
    found = loans.eligibility(facts)
    estimate = loans.estimate(uow, facts) if found.eligible else None
    return {
        "eligible": found.eligible, "missing": found.missing.value if found.missing else None,
        "message": "可以申请" if found.eligible else _missing_message(found),
        "links": _links(),
        "policy": ({"number": found.policy.number, "status": found.policy.status,
                    "ends_on": found.policy.ends_on} if found.policy else None),
        "estimate": ({"indicative": True, "ratio": estimate.ratio,
                      "policy_number": estimate.policy_number, "as_of": estimate.as_of,
                      "sample": estimate.sample,
                      "rows": [asdict(row) for row in estimate.rows]} if estimate else None),
        "banks": [{"code": bank.code, "name": bank.name, "product": bank.product}
                  for bank in loans.banks(uow.section("loans"))],
        "shared_data": list(loans.SHARED_DATA),
        "single_window": f"{loans.SINGLE_WINDOW} {loans.SINGLE_WINDOW_PATH}",
        "source": loans.SOURCE,
    }


# --- referrals ---------------------------------------------------------------------------------

@blp.route("/referrals")
@follower_or_staff(LOANS_READ)
@blp.arguments(ReferralListArgs, location="query")
@blp.response(200, page_of(ReferralSchema))
def list_referrals(args: dict[str, Any]) -> dict[str, Any]:
    """我的融资：用户看本企业的转介，员工看全部（可按状态筛选）"""
    session = unit_of_work().session
    if require_principal().is_follower:
        rows = [row for row in loans.referrals_of(session, current_binding().enterprise_id)
                if not args.get("status") or row.status == args["status"]]
        return paginated_list(rows, args, shaped)
    rows, total = loans.listing(session, loans.Filters(status=args.get("status")),
                                **window(args))
    return paginated([shaped(row) for row in rows], total, args)


@blp.route("/referrals", methods=["POST"])
@follower_required
@idempotent
@blp.arguments(ReferralBody)
@blp.response(201, ReferralSchema)
@blp.alt_response(403, response="FORBIDDEN")
def create_referral(body: dict[str, Any]) -> dict[str, Any]:
    """转介合作银行：需同意提供 shared_data；返回跟踪码与单一窗口路径。已有在办的转介时返回该笔"""
    uow = unit_of_work()
    principal = require_principal()
    facts = _standing()
    applicant = Applicant(follower_id=int(principal.follower_id or 0),
                          openid=str(principal.openid), channel="miniprogram")
    try:
        referred = loans.refer(uow, applicant, facts, body["bank"], bool(body["consent"]))
    except ReferralRefused as refused:
        found = loans.eligibility(facts)
        if refused.code == "not_eligible" and found.missing is not None:
            raise Forbidden(_missing_message(found), code=found.missing.value,
                            details={"links": _links()}) from None
        message = render_template("replies/loans/refused.j2", code=refused.code, found=found,
                                  eligibility_url="").strip()
        raise ValidationFailed(message, code=refused.code) from None
    commit(uow)
    return shaped(referred.referral, referred.created)


@blp.route("/referrals/<id:referral_id>")
@follower_or_staff(LOANS_READ)
@blp.response(200, ReferralSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_referral(referral_id: int) -> dict[str, Any]:
    """一笔转介及其状态"""
    session = unit_of_work().session
    if require_principal().is_follower:
        referral = loans.referral_of(session, current_binding().enterprise_id, referral_id)
    else:
        referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("找不到该融资转介")
    return shaped(referral)


# --- the banks' callback -----------------------------------------------------------------------

def _unauthorized(message: str, code: str) -> Unauthorized:
    error = Unauthorized(message, code=code)
    error.headers.pop("WWW-Authenticate", None)  # not a bearer token: a signature
    return error


def signed_by_bank(func: Callable[..., Any]) -> Callable[..., Any]:
    """Checks the bank, the timestamp and the signature over the raw body before anything
    parses it; the bank's code is left in ``g.loans_bank``."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        uow = unit_of_work()
        section = uow.section("loans")
        bank = loans.bank(section, request.headers.get(BANK_HEADER, "").strip())
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        given = request.headers.get(SIGNATURE_HEADER, "")
        body = request.get_data(cache=True)
        if bank is None or not loans.signature_ok(bank.secret, timestamp, body, given):
            raise _unauthorized("签名无效", "bad_signature")
        signed_at = loans.signed_time(timestamp)
        if signed_at is None or not loans.fresh(signed_at, uow.now, section):
            raise _unauthorized("时间戳无效或已过期，请用当前时间重新签名发送", "stale_timestamp")
        g.loans_bank, g.loans_signed_at = bank.code, signed_at
        uow.actor = Actor(label=f"bank:{bank.code}")  # the audit log names who moved it
        return func(*args, **kwargs)

    marked = mark(wrapper, statuses=(401,))
    for name, description in HEADER_DOCS:
        marked = mark(marked, header={"in": "header", "name": name, "required": True,
                                      "description": description,
                                      "schema": {"type": "string", "maxLength": 200}})
    return marked


@blp.route("/referrals/callback", methods=["POST"])
@signed_by_bank
@blp.arguments(CallbackBody)
@blp.response(200, CallbackResultSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def bank_callback(body: dict[str, Any]) -> dict[str, Any]:
    """合作银行回调：转介状态变化（签名见说明）。同一 event_id 只生效一次；申请人收到模板消息"""
    uow = unit_of_work()
    report = BankReport(event_id=body["event_id"], tracking_code=body["tracking_code"],
                        status=body["status"], note=body.get("note"))
    try:
        received = loans.receive_report(uow, g.loans_bank, report, g.loans_signed_at)
    except ReportRefused as refused:
        uow.session.rollback()
        if refused.code == "unknown_code":
            raise NotFound("没有这个跟踪码的转介", code="unknown_code") from None
        if refused.code == "final":
            raise Conflict(f"该转介已办结（{loans.status_name(refused.data['status'])}），"
                           "状态不能再改", code="final") from None
        raise ValidationFailed("状态无效", code=refused.code,
                               details={"allowed": json.dumps(refused.data.get("allowed"))}
                               ) from None
    if received.changed:
        tell_referral_status(uow, received.referral)
    commit(uow)
    return {"tracking_code": received.referral.tracking_code,
            "status": received.referral.status, "changed": received.changed,
            "duplicate": received.duplicate}

"""理赔: a bound follower reports a possible loss (可损通知) or files a claim (索赔) on a
declared shipment — every check a Chinese message in ``details.problems``, warnings (a late
notice, a quality dispute) in the answer — and lists and reads its enterprise's cases; staff
with ``claims.read`` list every case, ``claims.manage`` move a case (audited, the follower told
by template message). Use ``Idempotency-Key`` on POST: a retried request files one case."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import render_template

from api import (
    ApiBlueprint,
    Conflict,
    NotFound,
    UtcDateTime,
    ValidationFailed,
    follower_or_staff,
    follower_required,
    idempotent,
    require_principal,
    staff_required,
)
from api.claim_facts import facts_for, own_shipment
from api.enterprise import current_binding
from api.pagination import PageArgs, page_of, paginated, window
from api.work import commit, unit_of_work
from claims import usecases
from claims.causes import BY_CODE, DOCUMENTS
from claims.manifest import CLAIMS_MANAGE, CLAIMS_READ
from claims.models import Claim
from claims.usecases import ClaimInput, ClaimRefused, Filters, Kind, Status, Who
from core.workdays import beijing_day
from wechat.claims import tell_status

MAX_ID = 2**31 - 1  # a database integer: larger ids are a 422, not a database error
blp = ApiBlueprint("claims", __name__, url_prefix="/claims",
                   description="理赔：可损通知与索赔")


class ClaimBody(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in Kind]),
                            metadata={"description": "notice（可损通知）| claim（索赔）"})
    shipment_id = ma.fields.Integer(load_default=None,
                                    validate=ma.validate.Range(min=1, max=MAX_ID),
                                    metadata={"description": "出运申报 id（或填 invoice_number）"})
    invoice_number = ma.fields.String(load_default=None,
                                      validate=ma.validate.Length(min=1, max=40))
    cause = ma.fields.String(required=True, validate=ma.validate.OneOf(list(BY_CODE)),
                             metadata={"description": "损失原因：" + "、".join(
                                 f"{c.code} {c.name}" for c in BY_CODE.values())})
    loss_amount = ma.fields.Float(required=True, validate=ma.validate.Range(max=1e13),
                                    metadata={"description": "损失金额，不超过发票金额"})
    currency = ma.fields.String(load_default=None, validate=ma.validate.Length(equal=3),
                                metadata={"description": "不填：出运申报的币种"})
    buyer_says = ma.fields.String(load_default="",
                                  validate=ma.validate.Length(max=usecases.MAX_BUYER_SAYS))


class ProblemSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": " | ".join(Status)})
    status_name = ma.fields.String(required=True)
    shipment_id = ma.fields.Integer(required=True)
    policy_number = ma.fields.String(required=True)
    buyer_name = ma.fields.String(required=True)
    invoice_number = ma.fields.String(required=True)
    invoice_amount = ma.fields.Decimal(required=True, as_string=True)
    currency = ma.fields.String(required=True)
    cause = ma.fields.String(required=True)
    cause_name = ma.fields.String(required=True)
    loss_amount = ma.fields.Decimal(required=True, as_string=True)
    indemnity_estimate = ma.fields.Decimal(required=True, as_string=True,
                                           metadata={"description": "估算：损失金额 × 赔偿比例"})
    quality_dispute = ma.fields.Boolean(required=True)
    late = ma.fields.Boolean(required=True, metadata={"description": "逾期报告可能损失"})
    missing_documents = ma.fields.List(ma.fields.String(), required=True)
    deadline = ma.fields.Date(allow_none=True, required=True,
                              metadata={"description": "材料齐全后 30 个工作日"})
    deadline_provisional = ma.fields.String(allow_none=True, required=True)
    workdays_left = ma.fields.Integer(allow_none=True, required=True)
    warnings = ma.fields.List(ma.fields.Nested(ProblemSchema), required=True)
    staff_note = ma.fields.String(allow_none=True, required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class ClaimListArgs(PageArgs):
    status = ma.fields.String(load_default=None,
                              validate=ma.validate.OneOf([s.value for s in Status]))
    enterprise_id = ma.fields.Integer(load_default=None,
                                      validate=ma.validate.Range(min=1, max=MAX_ID))


class ClaimStatusBody(ma.Schema):
    status = ma.fields.String(required=True,
                              validate=ma.validate.OneOf([s.value for s in Status]))
    note = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.Length(max=usecases.MAX_NOTE))


def _messages(problems: list[usecases.Problem]) -> list[dict[str, str]]:
    return [{"code": code, "message": render_template("replies/claims/problem.j2", code=code,
                                                      **data).strip()}
            for code, data in problems]


def shaped(claim: Claim, warnings: list[usecases.Problem] | None = None) -> dict[str, Any]:
    uow = unit_of_work()
    seen = usecases.progress(uow.session, claim, beijing_day(uow.now))
    return {name: getattr(claim, name) for name in (
        "id", "number", "kind", "status", "shipment_id", "policy_number", "buyer_name",
        "invoice_number", "invoice_amount", "currency", "cause", "loss_amount",
        "quality_dispute", "late", "deadline", "deadline_provisional", "staff_note",
        "created_at", "updated_at")} | {
        "status_name": seen.status_name, "cause_name": BY_CODE[claim.cause].name,
        "indemnity_estimate": seen.estimate,
        "missing_documents": [DOCUMENTS[m] for m in seen.missing],
        "workdays_left": seen.days_left, "warnings": _messages(warnings or [])}


def _claim(claim_id: int) -> Claim:
    session = unit_of_work().session
    if require_principal().is_follower:
        claim = usecases.get_own(session, current_binding().enterprise_id, claim_id)
    else:
        claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("找不到该理赔案件")
    return claim


@blp.route("")
@follower_or_staff(CLAIMS_READ)
@blp.arguments(ClaimListArgs, location="query")
@blp.response(200, page_of(ClaimSchema))
def list_claims(args: dict[str, Any]) -> dict[str, Any]:
    """理赔案件：用户看本企业的，员工看全部（可按状态、企业筛选）"""
    enterprise_id = (current_binding().enterprise_id if require_principal().is_follower
                     else args.get("enterprise_id"))
    rows, total = usecases.listing(unit_of_work().session, Filters(
        status=args.get("status"), enterprise_id=enterprise_id), **window(args))
    return paginated([shaped(row) for row in rows], total, args)


@blp.route("", methods=["POST"])
@follower_required
@idempotent
@blp.arguments(ClaimBody)
@blp.response(201, ClaimSchema)
@blp.alt_response(404, response="NOT_FOUND")
def file_claim(body: dict[str, Any]) -> dict[str, Any]:
    """可损通知或索赔：出运须已申报且在承保范围内，损失金额大于 0 且不超过发票金额

    承保范围：支付方式、信用期限 1 年以内、信用限额。逾期报告与质量纠纷随结果提示（warnings）。
    """
    binding = current_binding()
    uow = unit_of_work()
    if not body.get("shipment_id") and not body.get("invoice_number"):
        raise ValidationFailed("请填写出运申报 id（shipment_id）或发票号（invoice_number）",
                               code="shipment_missing",
                               details={"json": {"shipment_id": ["shipment_id or invoice"]}})
    shipment = own_shipment(uow.session, binding.enterprise_id, body.get("shipment_id"),
                            body.get("invoice_number") or "")
    if shipment is None:
        raise NotFound(render_template("replies/claims/problem.j2", code="no_shipment").strip(),
                       code="no_shipment")
    principal = require_principal()
    who = Who(follower_id=principal.follower_id, openid=str(principal.openid or ""),
              channel="miniprogram")
    try:
        filed = usecases.file(uow, who, facts_for(uow.session, shipment), ClaimInput(
            kind=Kind(body["kind"]), cause=body["cause"],
            loss_amount=Decimal(str(body["loss_amount"])).quantize(Decimal("0.01")),
            currency=(body.get("currency") or shipment.currency).upper(),
            buyer_says=body.get("buyer_says") or ""))
    except ClaimRefused as refused:
        problems = _messages(refused.problems)
        raise ValidationFailed("；".join(p["message"] for p in problems), code="claim_refused",
                               details={"problems": problems}) from None
    commit(uow)
    return shaped(filed.claim, filed.warnings)


@blp.route("/<id:claim_id>")
@follower_or_staff(CLAIMS_READ)
@blp.response(200, ClaimSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_claim(claim_id: int) -> dict[str, Any]:
    """一个理赔案件：状态、还缺的材料、核定期限与剩余工作日"""
    return shaped(_claim(claim_id))


@blp.route("/<id:claim_id>/status", methods=["POST"])
@staff_required(CLAIMS_MANAGE)
@blp.arguments(ClaimStatusBody)
@blp.response(200, ClaimSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def change_status(body: dict[str, Any], claim_id: int) -> dict[str, Any]:
    """员工更改案件状态（记入审计日志），用户在公众号收到模板消息"""
    uow = unit_of_work()
    claim = _claim(claim_id)
    try:
        changed = usecases.change_status(uow, claim, Status(body["status"]), body.get("note"))
    except ClaimRefused as refused:
        problems = _messages(refused.problems)
        raise Conflict(problems[0]["message"], code="status_refused") from None
    tell_status(uow, changed)
    commit(uow)
    return shaped(claim)

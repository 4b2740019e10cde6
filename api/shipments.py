"""出运申报: a bound follower declares a shipment under its policy (the source document's
checks, each failure a Chinese message in ``details.problems``), lists its declarations,
exports them to Excel, and confirms collection (收汇确认); staff with ``policies.read`` list
every enterprise's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import Response, render_template
from sqlalchemy import select

from api import (
    ApiBlueprint,
    NotFound,
    UtcDateTime,
    ValidationFailed,
    follower_or_staff,
    follower_required,
    idempotent,
)
from api.enterprise import current_binding, enterprise_scoped, member
from api.pagination import PageArgs, fetch_page, page_of, paginated
from api.work import commit, unit_of_work
from policies import shipments
from policies.manifest import POLICIES_READ
from policies.models import Enterprise, Policy, Shipment
from policies.numbers import CURRENCIES
from policies.records import PAYMENT_METHODS, current_policy
from policies.shipments import ShipmentInput, ShipmentRefused

blp = ApiBlueprint("shipments", __name__, url_prefix="/shipments",
                   description="小微企业信保易：出运申报")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CURRENCY_CODES = sorted(set(CURRENCIES.values()))


class ShipmentBody(ma.Schema):
    policy_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                  metadata={"description": "不填：当前有效的保单"})
    credit_limit_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                        metadata={"description": "买方限额 id（或填 buyer）"})
    buyer = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "买方名称（保单限额所载）"})
    invoice_number = ma.fields.String(required=True,
                                      validate=ma.validate.Length(min=1, max=40))
    amount = ma.fields.Float(required=True,
                             validate=ma.validate.Range(min=0, min_inclusive=False, max=1e13))
    currency = ma.fields.String(required=True, validate=ma.validate.OneOf(CURRENCY_CODES))
    ship_date = ma.fields.Date(required=True)
    payment_method = ma.fields.String(required=True,
                                      validate=ma.validate.OneOf(list(PAYMENT_METHODS)),
                                      metadata={"description": "DP | DA | OA | LC"})
    credit_days = ma.fields.Integer(required=True,
                                    validate=ma.validate.Range(min=0, max=100_000))


class ShipmentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    policy_id = ma.fields.Integer(required=True)
    credit_limit_id = ma.fields.Integer(required=True)
    buyer_name = ma.fields.String(required=True)
    invoice_number = ma.fields.String(required=True)
    amount = ma.fields.Decimal(required=True, as_string=True)
    currency = ma.fields.String(required=True)
    ship_date = ma.fields.Date(required=True)
    payment_method = ma.fields.String(required=True)
    credit_days = ma.fields.Integer(required=True)
    due_date = ma.fields.Date(required=True, metadata={"description": "应收汇日期"})
    status = ma.fields.String(required=True, metadata={"description": "declared | collected"})
    collected_on = ma.fields.Date(allow_none=True, required=True)
    created_at = UtcDateTime(required=True)


class ShipmentListArgs(PageArgs):
    enterprise_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1))


class CollectedBody(ma.Schema):
    collected_on = ma.fields.Date(load_default=None, metadata={"description": "不填：今天"})


def shaped(item: Shipment) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ShipmentSchema().fields}


def _messages(problems: list[tuple[str, dict[str, object]]]) -> list[dict[str, str]]:
    return [{"code": code, "message": render_template("replies/policies/shipment_hint.j2",
                                                      code=code, **data).strip()}
            for code, data in problems]


def _refused(refused: ShipmentRefused) -> ValidationFailed:
    problems = _messages(refused.problems)
    return ValidationFailed("；".join(p["message"] for p in problems),
                            code="shipment_refused", details={"problems": problems})


@blp.route("")
@follower_or_staff(POLICIES_READ)
@blp.arguments(ShipmentListArgs, location="query")
@blp.response(200, page_of(ShipmentSchema))
def list_shipments(args: dict[str, Any]) -> dict[str, Any]:
    """出运申报记录（新的在前）"""
    session = unit_of_work().session
    query = enterprise_scoped(select(Shipment), Shipment.enterprise_id, args)
    rows, total = fetch_page(session, query, (Shipment.ship_date.desc(), Shipment.id.desc()),
                             args)
    return paginated([shaped(row) for row in rows], total, args)


@blp.route("", methods=["POST"])
@follower_required
@idempotent
@blp.arguments(ShipmentBody)
@blp.response(201, ShipmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def declare(body: dict[str, Any]) -> dict[str, Any]:
    """出运申报：支付方式须在承保范围内、信用期限 1 年以内、买方在保单下有限额且未超限额"""
    binding = current_binding()
    uow = unit_of_work()
    if body.get("policy_id"):
        policy = uow.session.get(Policy, body["policy_id"])
        if policy is None or policy.enterprise_id != binding.enterprise_id:
            raise NotFound("找不到该保单")
    else:
        policy = current_policy(uow.session, binding.enterprise_id, uow.now.date())
        if policy is None:
            raise NotFound("您绑定的企业暂无保单", code="no_policy")
    limit_id = body.get("credit_limit_id")
    if limit_id is None and body.get("buyer"):
        found = shipments.find_limit(uow.session, policy, body["buyer"])
        limit_id = found.id if found else 0
    if limit_id is None:
        raise ValidationFailed("请填写买方（buyer）或限额 id（credit_limit_id）",
                               code="buyer_missing",
                               details={"json": {"buyer": ["buyer or credit_limit_id"]}})
    try:
        invoice = shipments.clean_invoice(body["invoice_number"])
        shipment = shipments.declare(uow, member(), binding, policy, ShipmentInput(
            credit_limit_id=limit_id, invoice_number=invoice,
            amount=Decimal(str(body["amount"])).quantize(Decimal("0.01")),
            currency=body["currency"], ship_date=body["ship_date"],
            payment_method=body["payment_method"], credit_days=body["credit_days"]),
            "miniprogram")
    except ShipmentRefused as refused:
        raise _refused(refused) from None
    commit(uow)
    return shaped(shipment)


@blp.route("/export")
@follower_required
@blp.response(200, content_type=XLSX, description="出运申报记录 Excel 表")
def export() -> Response:
    """导出本企业全部出运申报记录为 Excel"""
    binding = current_binding()
    session = unit_of_work().session
    rows = shipments.of_enterprise(session, binding.enterprise_id)
    enterprise = session.get(Enterprise, binding.enterprise_id)
    content = shipments.workbook(session, rows, bool(enterprise and enterprise.sample))
    return Response(content, mimetype=XLSX, headers={
        "Content-Disposition": 'attachment; filename="shipments.xlsx"'})


@blp.route("/<id:shipment_id>/collection", methods=["POST"])
@follower_required
@blp.arguments(CollectedBody)
@blp.response(200, ShipmentSchema)
@blp.alt_response(404, response="NOT_FOUND")
def collected(body: dict[str, Any], shipment_id: int) -> dict[str, Any]:
    """收汇确认：货款已收，释放对应限额"""
    binding = current_binding()
    uow = unit_of_work()
    shipment = uow.session.get(Shipment, shipment_id)
    if shipment is None or shipment.enterprise_id != binding.enterprise_id:
        raise NotFound("找不到该出运申报")
    try:
        shipments.collect(uow, shipment, body.get("collected_on") or uow.now.date())
    except ShipmentRefused as refused:
        raise _refused(refused) from None
    commit(uow)
    return shaped(shipment)

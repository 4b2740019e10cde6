"""GET /api/v1/policies (我的保单) and /policies/{id}: a bound follower sees its own
enterprise's policies with their credit limits; staff with ``policies.read`` see any."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import select

from api import ApiBlueprint, NotFound, follower_or_staff, require_principal
from api.enterprise import current_binding, enterprise_scoped
from api.pagination import PageArgs, fetch_page, page_of, paginated
from api.work import unit_of_work
from core.services import current
from policies.manifest import POLICIES_READ
from policies.models import Policy
from policies.records import PAYMENT_METHODS, PolicyView, view_policy

blp = ApiBlueprint("policies", __name__, url_prefix="/policies",
                   description="小微企业信保易：保单与买方信用限额")


class LimitSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    buyer_name = ma.fields.String(required=True, metadata={"description": "保单所载买方名称"})
    buyer_country = ma.fields.String(allow_none=True, required=True)
    registry_buyer = ma.fields.Boolean(required=True, metadata={
        "description": "是否已与资信红绿灯买方库匹配"})
    amount = ma.fields.Decimal(required=True, as_string=True)
    currency = ma.fields.String(required=True)
    outstanding = ma.fields.Decimal(required=True, as_string=True,
                                    metadata={"description": "已申报未收汇"})
    available = ma.fields.Decimal(required=True, as_string=True)
    payment_methods = ma.fields.List(ma.fields.String(), required=True)
    max_credit_days = ma.fields.Integer(allow_none=True, required=True)
    approved_on = ma.fields.Date(required=True)
    status = ma.fields.String(required=True)


class PolicySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)
    product = ma.fields.String(required=True)
    holder = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    status = ma.fields.String(required=True, metadata={
        "description": "in_force | pending | expired | suspended | terminated"})
    status_name = ma.fields.String(required=True)
    indemnity_percent = ma.fields.Decimal(required=True, as_string=True)
    premium_rate_permille = ma.fields.Decimal(required=True, as_string=True, allow_none=True)
    payment_methods = ma.fields.List(ma.fields.String(), required=True,
                                     metadata={"description": " | ".join(PAYMENT_METHODS)})
    max_credit_days = ma.fields.Integer(allow_none=True, required=True)
    loss_report_days = ma.fields.Integer(allow_none=True, required=True, metadata={
        "description": "保单约定的可损通知期限（天，应收汇日期后）；未登记为 null"})
    days_left = ma.fields.Integer(required=True)
    limits = ma.fields.List(ma.fields.Nested(LimitSchema), required=True)
    sample = ma.fields.Boolean(required=True, metadata={"description": "示例数据"})


class PolicyListArgs(PageArgs):
    enterprise_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                      metadata={"description": "员工按企业筛选"})


def shaped(view: PolicyView) -> dict[str, Any]:
    data = dict(view.__dict__)
    data["limits"] = [{**limit.__dict__, "registry_buyer": limit.buyer_id is not None}
                      for limit in view.limits]
    return data


@blp.route("")
@follower_or_staff(POLICIES_READ)
@blp.arguments(PolicyListArgs, location="query")
@blp.response(200, page_of(PolicySchema))
def list_policies(args: dict[str, Any]) -> dict[str, Any]:
    """我的保单（已绑定企业的用户）；员工看全部或按企业筛选"""
    session = unit_of_work().session
    query = enterprise_scoped(select(Policy), Policy.enterprise_id, args)
    rows, total = fetch_page(session, query, (Policy.ends_on.desc(), Policy.id.desc()), args)
    today = current().clock().date()
    return paginated([shaped(view_policy(session, row, today)) for row in rows], total, args)


@blp.route("/<id:policy_id>")
@follower_or_staff(POLICIES_READ)
@blp.response(200, PolicySchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_policy(policy_id: int) -> dict[str, Any]:
    """一张保单及其买方限额（另一企业的保单与不存在的一样：404）"""
    principal = require_principal()
    session = unit_of_work().session
    policy = session.get(Policy, policy_id)
    if principal.is_follower:
        binding = current_binding()
        if policy is None or policy.enterprise_id != binding.enterprise_id:
            raise NotFound("找不到该保单")
    if policy is None:
        raise NotFound("找不到该保单")
    return shaped(view_policy(session, policy, current().clock().date()))

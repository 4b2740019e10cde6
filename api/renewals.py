"""保单续转: a bound follower submits and reads its enterprise's applications; staff read all
and change the status (``policies.manage``, audited), and the applicant is told."""

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
from api.enterprise import current_binding, member
from api.pagination import PageArgs, page_of, paginated, paginated_list, window
from api.work import commit, unit_of_work
from core.countries import display_name
from policies import renewals
from policies.manifest import POLICIES_MANAGE, POLICIES_READ
from policies.models import Policy, RenewalApplication
from policies.numbers import InputProblem
from policies.records import current_policy
from policies.renewals import RenewalRefused, RenewalStatus
from wechat.notices import tell_renewal_status

blp = ApiBlueprint("renewals", __name__, url_prefix="/renewals",
                   description="小微企业信保易：保单续转申请")


class RenewalBody(ma.Schema):
    policy_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                  metadata={"description": "不填：当前有效的保单"})
    expected_annual_exports_usd = ma.fields.Float(
        required=True, validate=ma.validate.Range(min=0, min_inclusive=False, max=1e13))
    main_markets = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
                                  required=True, validate=ma.validate.Length(min=1, max=10),
                                  metadata={"description": "国家或地区：ISO 代码或中英文名称"})
    main_buyers = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=2, max=120)),
                                 required=True, validate=ma.validate.Length(min=1, max=10))


class RenewalSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)
    policy_id = ma.fields.Integer(required=True)
    policy_number = ma.fields.String(required=True)
    expected_annual_exports_usd = ma.fields.Decimal(required=True, as_string=True)
    main_markets = ma.fields.List(ma.fields.String(), required=True)
    main_market_names = ma.fields.List(ma.fields.String(), required=True)
    main_buyers = ma.fields.List(ma.fields.String(), required=True)
    status = ma.fields.String(required=True, metadata={"description": " | ".join(RenewalStatus)})
    status_name = ma.fields.String(required=True)
    staff_note = ma.fields.String(allow_none=True, required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class RenewalListArgs(PageArgs):
    status = ma.fields.String(load_default=None,
                              validate=ma.validate.OneOf([s.value for s in RenewalStatus]))


class StatusBody(ma.Schema):
    status = ma.fields.String(required=True,
                              validate=ma.validate.OneOf([s.value for s in RenewalStatus]))
    note = ma.fields.String(load_default=None, allow_none=True,
                            validate=ma.validate.Length(max=500))


def shaped(application: RenewalApplication) -> dict[str, Any]:
    policy = unit_of_work().session.get(Policy, application.policy_id)
    return {"id": application.id, "number": application.number,
            "policy_id": application.policy_id, "policy_number": policy.number if policy else "",
            "expected_annual_exports_usd": application.expected_exports_usd,
            "main_markets": list(application.main_markets),
            "main_market_names": [display_name(code) for code in application.main_markets],
            "main_buyers": list(application.main_buyers), "status": application.status,
            "status_name": renewals.STATUS_NAMES[RenewalStatus(application.status)],
            "staff_note": application.staff_note, "created_at": application.created_at,
            "updated_at": application.updated_at}


def _application(application_id: int) -> RenewalApplication:
    principal = require_principal()
    application = unit_of_work().session.get(RenewalApplication, application_id)
    if principal.is_follower:
        binding = current_binding()
        if application is None or application.enterprise_id != binding.enterprise_id:
            raise NotFound("找不到该续转申请")
    if application is None:
        raise NotFound("找不到该续转申请")
    return application


@blp.route("")
@follower_or_staff(POLICIES_READ)
@blp.arguments(RenewalListArgs, location="query")
@blp.response(200, page_of(RenewalSchema))
def list_renewals(args: dict[str, Any]) -> dict[str, Any]:
    """续转申请：用户看本企业的，员工看全部（可按状态筛选）"""
    principal = require_principal()
    session = unit_of_work().session
    if principal.is_follower:
        rows = [row for row in renewals.of_enterprise(session, current_binding().enterprise_id)
                if not args.get("status") or row.status == args["status"]]
        return paginated_list(rows, args, shaped)
    rows, total = renewals.listing(session, args.get("status"), **window(args))
    return paginated([shaped(row) for row in rows], total, args)


@blp.route("", methods=["POST"])
@follower_required
@idempotent
@blp.arguments(RenewalBody)
@blp.response(201, RenewalSchema)
@blp.alt_response(404, response="NOT_FOUND")
def submit(body: dict[str, Any]) -> dict[str, Any]:
    """提交续转信息：预计年出口额、主要市场、主要买方；返回申请编号与状态"""
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
    try:
        markets = renewals.parse_markets("、".join(body["main_markets"]))
        buyers = renewals.parse_buyers("、".join(body["main_buyers"]))
    except InputProblem as problem:
        message = render_template("replies/policies/renewal_hint.j2", code=problem.code,
                                  **problem.data).strip()
        raise ValidationFailed(message, code=problem.code) from None
    application = renewals.submit(uow, member(), binding, policy, renewals.RenewalInput(
        Decimal(str(body["expected_annual_exports_usd"])).quantize(Decimal("0.01")), markets,
        buyers))
    commit(uow)
    return shaped(application)


@blp.route("/<id:application_id>")
@follower_or_staff(POLICIES_READ)
@blp.response(200, RenewalSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_renewal(application_id: int) -> dict[str, Any]:
    """一份续转申请"""
    return shaped(_application(application_id))


@blp.route("/<id:application_id>/status", methods=["POST"])
@staff_required(POLICIES_MANAGE)
@blp.arguments(StatusBody)
@blp.response(200, RenewalSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def change_status(body: dict[str, Any], application_id: int) -> dict[str, Any]:
    """员工更改续转申请状态（记入审计日志），申请人在公众号收到模板消息"""
    uow = unit_of_work()
    application = _application(application_id)
    try:
        changed = renewals.change_status(uow, application, RenewalStatus(body["status"]),
                                         body.get("note"))
    except RenewalRefused as refused:
        raise Conflict(render_template("pages/policies/_renewal_refused.txt",
                                       code=refused.code).strip(), code=refused.code) from None
    tell_renewal_status(uow, changed)
    commit(uow)
    return shaped(application)

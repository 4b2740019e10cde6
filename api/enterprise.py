"""The follower's enterprise: bind it (details, then the one-time code sent to the mobile on
file), see the binding, unbind, and the reminder settings.

``current_binding()`` is the access check of every endpoint built on binding (policies,
shipments, renewals, and later claims and loans): a follower who has bound no enterprise gets
403 ``not_bound``; a record of another enterprise answers like a missing one (404).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import render_template

from api import (
    ApiBlueprint,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    UtcDateTime,
    ValidationFailed,
    follower_required,
    require_principal,
)
from api.work import commit, unit_of_work
from policies import binding as binding_cases
from policies import reminders
from policies.access import NotBound, require_binding
from policies.binding import BindingError, Member
from policies.models import Binding, Enterprise
from policies.uscc import UsccProblem, mask_uscc, parse_uscc
from wechat.notices import queue_binding_code, queue_tag_sync

blp = ApiBlueprint("enterprise", __name__, url_prefix="/enterprise",
                   description="小微企业信保易：绑定企业")


def current_binding() -> Binding:
    """The calling follower's binding, or 403 not_bound. Staff are not bound to anything."""
    principal = require_principal()
    try:
        return require_binding(unit_of_work().session, principal.follower_id)
    except NotBound:
        raise Forbidden(render_template("replies/policies/api_not_bound.j2").strip(),
                        code="not_bound") from None


def enterprise_scoped(query: Any, column: Any, args: dict[str, Any]) -> Any:
    """A listing's rows for the caller: a follower's own enterprise; staff all, or the
    ``enterprise_id`` they filter by."""
    if require_principal().is_follower:
        return query.where(column == current_binding().enterprise_id)
    if args.get("enterprise_id"):
        return query.where(column == args["enterprise_id"])
    return query


def member() -> Member:
    principal = require_principal()
    return Member(follower_id=int(principal.follower_id or 0), openid=str(principal.openid),
                  channel="miniprogram")


class CodeRequestSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=120),
                            metadata={"description": "企业名称（与保单投保人一致）"})
    uscc = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40),
                            metadata={"description": "18 位统一社会信用代码（GB 32100-2015）"})
    policy_number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))


class CodeSentSchema(ma.Schema):
    mobile_masked = ma.fields.String(required=True,
                                     metadata={"description": "验证码发往的预留手机号（脱敏）"})
    expires_at = UtcDateTime(required=True)


class CodeSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=4, max=12))


class EnterpriseSchema(ma.Schema):
    bound = ma.fields.Boolean(required=True)
    name = ma.fields.String(allow_none=True)
    uscc_masked = ma.fields.String(allow_none=True)
    bound_at = UtcDateTime(allow_none=True)
    sample = ma.fields.Boolean(required=True)


class ReminderSettingsSchema(ma.Schema):
    renewal = ma.fields.Boolean(required=True, metadata={"description": "保单续转提醒"})
    receivable = ma.fields.Boolean(required=True, metadata={"description": "应收汇提醒"})
    loss_report = ma.fields.Boolean(required=True, metadata={"description": "应报可损提醒"})
    idle_limit = ma.fields.Boolean(required=True,
                                   metadata={"description": "长期闲置限额预撤销提醒"})


class ReminderChangesSchema(ma.Schema):
    renewal = ma.fields.Boolean()
    receivable = ma.fields.Boolean()
    loss_report = ma.fields.Boolean()
    idle_limit = ma.fields.Boolean()


def _shape(binding: Binding | None) -> dict[str, Any]:
    if binding is None:
        return {"bound": False, "name": None, "uscc_masked": None, "bound_at": None,
                "sample": False}
    enterprise = unit_of_work().session.get(Enterprise, binding.enterprise_id)
    assert enterprise is not None
    return {"bound": True, "name": enterprise.name, "uscc_masked": mask_uscc(enterprise.uscc),
            "bound_at": binding.created_at, "sample": enterprise.sample}


def _refused(error: BindingError) -> Exception:
    message = render_template("replies/policies/binding_hint.j2", code=error.code,
                              **error.data, branch=None, place="").strip()
    if error.code in ("too_many_attempts", "too_many_codes"):
        return RateLimited(message, code=error.code)
    if error.code == "no_mobile":
        return Conflict(message, code=error.code)
    if error.code == "not_bound":
        return NotFound(message, code=error.code)
    return ValidationFailed(message, code=error.code, details=dict(error.data))


@blp.route("")
@follower_required
@blp.response(200, EnterpriseSchema)
def show() -> dict[str, Any]:
    """这个微信绑定的企业（未绑定时 bound 为 false）"""
    from policies.access import binding_of

    return _shape(binding_of(unit_of_work().session, require_principal().follower_id))


@blp.route("/code", methods=["POST"])
@follower_required
@blp.arguments(CodeRequestSchema)
@blp.response(202, CodeSentSchema)
@blp.alt_response(409, response="CONFLICT")
def request_code(body: dict[str, Any]) -> dict[str, Any]:
    """核对企业名称、统一社会信用代码与保单号，向企业预留手机号发送验证码"""
    try:
        parse_uscc(body["uscc"])
    except UsccProblem as problem:
        message = render_template("replies/policies/uscc_hint.j2", code=problem.code,
                                  **problem.data).strip()
        raise ValidationFailed(message, code=f"uscc_{problem.code}",
                               details={"json": {"uscc": [problem.code]}}) from None
    uow = unit_of_work()
    try:
        sent = binding_cases.request_code(uow, member(), body["name"], body["uscc"],
                                          body["policy_number"])
    except BindingError as error:
        commit(uow)  # the attempt is what the limits count
        raise _refused(error) from None
    queue_binding_code(uow, sent, str(require_principal().openid))
    commit(uow)
    return {"mobile_masked": sent.mobile_masked, "expires_at": sent.expires_at}


@blp.route("/binding", methods=["POST"])
@follower_required
@blp.arguments(CodeSchema)
@blp.response(201, EnterpriseSchema)
def confirm(body: dict[str, Any]) -> dict[str, Any]:
    """输入短信验证码，完成绑定"""
    uow = unit_of_work()
    try:
        binding = binding_cases.confirm_code(uow, member(), body["code"])
    except BindingError as error:
        commit(uow)
        raise _refused(error) from None
    queue_tag_sync(uow, str(require_principal().openid))
    commit(uow)
    return _shape(binding)


@blp.route("/binding", methods=["DELETE"])
@follower_required
@blp.response(200, EnterpriseSchema)
@blp.alt_response(404, response="NOT_FOUND")
def unbind() -> dict[str, Any]:
    """解除绑定"""
    uow = unit_of_work()
    try:
        binding_cases.unbind(uow, member())
    except BindingError as error:
        raise _refused(error) from None
    queue_tag_sync(uow, str(require_principal().openid))
    commit(uow)
    return _shape(None)


def _settings() -> dict[str, bool]:
    silent = reminders.muted_kinds(unit_of_work(), int(require_principal().follower_id or 0))
    return {kind.value: kind not in silent for kind in reminders.Kind}


@blp.route("/reminders")
@follower_required
@blp.response(200, ReminderSettingsSchema)
def reminder_settings() -> dict[str, bool]:
    """提醒设置：各类业务提醒是否开启"""
    return _settings()


@blp.route("/reminders", methods=["PATCH"])
@follower_required
@blp.arguments(ReminderChangesSchema)
@blp.response(200, ReminderSettingsSchema)
def change_reminders(body: dict[str, bool]) -> dict[str, bool]:
    """开启或关闭某类提醒（true 开启，false 关闭）"""
    uow = unit_of_work()
    follower_id = int(require_principal().follower_id or 0)
    for name, on in body.items():
        reminders.set_muted(uow, follower_id, [reminders.Kind(name)], mute=not on)
    commit(uow)
    return _settings()

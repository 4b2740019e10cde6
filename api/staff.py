"""Staff: API tokens for machines, the staff list and changes (admin), the audit log."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from api.auth import any_staff, require_principal, staff_required
from api.blueprint import ApiBlueprint
from api.errors import RateLimited
from api.fields import UtcDateTime
from api.idempotency import idempotent
from api.pagination import PageArgs, page_of, paginated, window
from api.ratelimit import staff_sign_in
from api.session import TokenSchema
from api.settings import identity_settings
from core.services import current
from identity import audit, sessions
from identity import staff as staff_accounts
from identity.access import Permission, Role
from identity.errors import SignInThrottled
from identity.models import StaffAccount

blp = ApiBlueprint("staff", __name__, description="员工账号、机器令牌与审计日志")

ROLE_NAMES = [role.value for role in Role]
DISPLAY_NAME = [ma.validate.Length(min=1, max=staff_accounts.MAX_DISPLAY_NAME),
                ma.validate.Regexp(staff_accounts.DISPLAY_NAME_PATTERN)]


class StaffTokenRequestSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    password = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    label = ma.fields.String(load_default=None, validate=ma.validate.Length(max=100),
                             metadata={"description": "令牌用途，写入审计日志"})


class StaffSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    username = ma.fields.String(required=True)
    display_name = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLE_NAMES)),
                           required=True)
    active = ma.fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    last_login_at = UtcDateTime(required=True, allow_none=True)


class NewStaffSchema(ma.Schema):
    username = ma.fields.String(
        required=True, validate=ma.validate.Regexp(staff_accounts.USERNAME_PATTERN),
        metadata={"description": "3–32 位小写字母、数字、. _ -，以字母或数字开头"},
    )
    display_name = ma.fields.String(required=True, validate=DISPLAY_NAME)
    password = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=staff_accounts.MIN_PASSWORD,
                                    max=staff_accounts.MAX_PASSWORD),
    )
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLE_NAMES)),
                           required=True, validate=ma.validate.Length(min=1, max=len(Role)))


class StaffChangeSchema(ma.Schema):
    display_name = ma.fields.String(validate=DISPLAY_NAME)
    roles = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(ROLE_NAMES)),
                           validate=ma.validate.Length(min=1, max=len(Role)))
    active = ma.fields.Boolean()


class StaffListArgs(PageArgs):
    active = ma.fields.Boolean(metadata={"description": "只看启用或停用的"})


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = UtcDateTime(required=True)
    actor = ma.fields.String(required=True)
    action = ma.fields.String(required=True)
    target_type = ma.fields.String(required=True)
    target_id = ma.fields.String(required=True, allow_none=True)
    before = ma.fields.Dict(required=True, allow_none=True)
    after = ma.fields.Dict(required=True, allow_none=True)
    note = ma.fields.String(required=True, allow_none=True)


class AuditArgs(PageArgs):
    target_type = ma.fields.String(validate=ma.validate.Length(max=32))
    actor = ma.fields.String(validate=ma.validate.Length(max=100))


@blp.route("/staff/tokens", methods=["POST"])
@blp.arguments(StaffTokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def issue_token(body: dict[str, Any]) -> dict[str, Any]:
    """员工（或机器）用用户名和密码换取 API 令牌"""
    services = current()
    session = services.db.session
    now = services.clock()
    try:
        account = staff_sign_in(body["username"], body["password"])
    except SignInThrottled as throttled:
        raise RateLimited(throttled.message, code="sign_in_locked",
                          details={"scope": throttled.scope,
                                   "slow_mode": throttled.slow_mode,
                                   "retry_after": throttled.retry_after},
                          headers={"Retry-After": str(throttled.retry_after)}) from None
    issued = sessions.open_staff_session(
        session, sessions.signer(services.settings.secret_key), account, now=now,
        lifetime=identity_settings().staff_token_lifetime, label=body.get("label"),
    )
    audit.record(session, issued.principal.actor, "staff.token_issued", "staff", account.id,
                 now=now, note=body.get("label"))
    session.commit()
    return {"token": issued.token, "token_type": "Bearer", "expires_at": issued.expires_at,
            "expires_in": int((issued.expires_at - now).total_seconds())}


@blp.route("/staff/me")
@any_staff
@blp.response(200, StaffSchema)
def staff_me() -> StaffAccount:
    """当前员工账号"""
    return staff_accounts.get(current().db.session, require_principal().staff_id or 0)


@blp.route("/staff")
@staff_required(Permission.STAFF_READ)
@blp.arguments(StaffListArgs, location="query")
@blp.response(200, page_of(StaffSchema))
def list_staff(args: dict[str, Any]) -> dict[str, Any]:
    """员工账号列表（分页）"""
    rows, total = staff_accounts.listing(current().db.session, active=args.get("active"),
                                         **window(args))
    return paginated(rows, total, args)


@blp.route("/staff", methods=["POST"])
@staff_required(Permission.STAFF_MANAGE)
@idempotent
@blp.arguments(NewStaffSchema)
@blp.response(201, StaffSchema)
def create_staff(body: dict[str, Any]) -> StaffAccount:
    """新建员工账号（可带 Idempotency-Key 重试）"""
    services = current()
    account = staff_accounts.create(
        services.db.session, require_principal().actor, username=body["username"],
        display_name=body["display_name"], password=body["password"], roles=body["roles"],
        now=services.clock(),
    )
    services.db.session.commit()
    return account


@blp.route("/staff/<id:staff_id>")
@staff_required(Permission.STAFF_READ)
@blp.response(200, StaffSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_staff(staff_id: int) -> StaffAccount:
    """一个员工账号"""
    return staff_accounts.get(current().db.session, staff_id)


@blp.route("/staff/<id:staff_id>", methods=["PATCH"])
@staff_required(Permission.STAFF_MANAGE)
@blp.arguments(StaffChangeSchema)
@blp.response(200, StaffSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def change_staff(body: dict[str, Any], staff_id: int) -> StaffAccount:
    """修改员工账号：姓名、角色、启用或停用（停用即吊销其全部令牌）"""
    services = current()
    session = services.db.session
    account = staff_accounts.get(session, staff_id)
    staff_accounts.update(session, require_principal().actor, account, now=services.clock(),
                          display_name=body.get("display_name"), roles=body.get("roles"),
                          active=body.get("active"))
    session.commit()
    return account


@blp.route("/audit")
@staff_required(Permission.AUDIT_READ)
@blp.arguments(AuditArgs, location="query")
@blp.response(200, page_of(AuditEntrySchema))
def audit_log(args: dict[str, Any]) -> dict[str, Any]:
    """审计日志，最新在前（分页）"""
    rows, total = audit.entries(current().db.session, target_type=args.get("target_type"),
                                actor=args.get("actor"), **window(args))
    return paginated(rows, total, args)

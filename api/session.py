"""Mini-program sign-in: ``POST /session`` (wx.login code -> token), refresh, logout, and
``/me`` (read, and change the profile with the chat's own use case)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import render_template

from api.auth import follower_required, require_principal, signed_in
from api.blueprint import ApiBlueprint
from api.errors import Unauthorized, UpstreamError, ValidationFailed
from api.fields import UtcDateTime
from api.idempotency import idempotent
from api.settings import identity_settings
from api.work import commit, unit_of_work
from core.services import current
from followers.models import Follower
from followers.profile import ProfileInputError
from followers.subscriptions import get_or_create_follower
from followers.usecases import read_changes, save_profile
from identity import sessions
from identity.sessions import IssuedToken
from wechat.sns import SnsError, code_to_session

blp = ApiBlueprint("session", __name__, description="小程序登录与令牌")


class LoginSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128),
                            metadata={"description": "wx.login() 返回的 code"})


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_at = UtcDateTime(required=True)
    expires_in = ma.fields.Integer(required=True, metadata={"description": "秒"})


class FollowerTokenSchema(TokenSchema):
    follower_id = ma.fields.Integer(required=True)


class FollowerSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    openid = ma.fields.String(required=True)
    subscribed = ma.fields.Boolean(required=True)
    company_name = ma.fields.String(required=True, allow_none=True)
    province = ma.fields.String(required=True, allow_none=True)
    city = ma.fields.String(required=True, allow_none=True)
    export_markets = ma.fields.List(ma.fields.String(), required=True, allow_none=True)


def token_body(issued: IssuedToken, now: datetime) -> dict[str, Any]:
    return {"token": issued.token, "token_type": "Bearer", "expires_at": issued.expires_at,
            "expires_in": int((issued.expires_at - now).total_seconds()),
            "follower_id": issued.principal.follower_id}


@blp.route("/session", methods=["POST"])
@idempotent
@blp.arguments(LoginSchema)
@blp.response(201, FollowerTokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(502, response="BAD_GATEWAY")
def login(body: dict[str, Any]) -> dict[str, Any]:
    """小程序登录：用 wx.login 的 code 换取令牌

    调用微信 code2session；session_key 只保存在服务器端，不会返回。
    """
    services = current()
    try:
        found = code_to_session(services.settings.wechat, identity_settings(), body["code"])
    except SnsError as error:
        if error.is_bad_code:
            raise Unauthorized("登录凭证无效或已使用，请重新调用 wx.login", code="invalid_code",
                               details={"errcode": error.errcode}) from None
        raise UpstreamError(details={"errcode": error.errcode}) from None
    now = services.clock()
    session = services.db.session
    follower = get_or_create_follower(session, found.openid, found.unionid, now)
    issued = sessions.open_follower_session(
        session, sessions.signer(services.settings.secret_key), follower,
        openid=found.openid, unionid=found.unionid, session_key=found.session_key, now=now,
        lifetime=identity_settings().follower_token_lifetime,
    )
    session.commit()
    return token_body(issued, now)


@blp.route("/session/refresh", methods=["POST"])
@signed_in
@blp.response(200, TokenSchema)
def refresh() -> dict[str, Any]:
    """换一个新令牌（旧令牌随即失效）"""
    services = current()
    principal = require_principal()
    settings = identity_settings()
    lifetime = (settings.follower_token_lifetime if principal.is_follower
                else settings.staff_token_lifetime)
    now = services.clock()
    issued = sessions.refresh(services.db.session, sessions.signer(services.settings.secret_key),
                              principal, now=now, lifetime=lifetime)
    services.db.session.commit()
    return token_body(issued, now)


@blp.route("/session", methods=["DELETE"])
@signed_in
@blp.response(204)
def logout() -> None:
    """退出登录：令牌立即失效"""
    services = current()
    sessions.revoke(services.db.session, require_principal().session_id, services.clock())
    services.db.session.commit()


class ProfileChangeSchema(ma.Schema):
    company_name = ma.fields.String(validate=ma.validate.Length(max=200),
                                    metadata={"description": "企业名称（与营业执照一致）"})
    region = ma.fields.String(validate=ma.validate.Length(max=60),
                              metadata={"description": "省份和城市，如「浙江 宁波」"})
    export_markets = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=60)),
                                    validate=ma.validate.Length(max=20),
                                    metadata={"description": "主要出口国家：中文、英文名或代码"})


def _me() -> Follower:
    follower = current().db.session.get(Follower, require_principal().follower_id)
    if follower is None:  # deleted under a live token
        raise Unauthorized(code="token_invalid")
    return follower


@blp.route("/me")
@follower_required
@blp.response(200, FollowerSchema)
def me() -> Follower:
    """当前微信用户的资料"""
    return _me()


@blp.route("/me", methods=["PATCH"])
@follower_required
@blp.arguments(ProfileChangeSchema)
@blp.response(200, FollowerSchema)
def change_me(body: dict[str, Any]) -> Follower:
    """修改企业资料（与公众号里「完善资料」同一规则、同一提示）"""
    follower = _me()
    try:
        changes = read_changes(**body)
    except ProfileInputError as error:  # the chat's hint, from the same template
        hint = render_template("replies/profile_hint.j2", code=error.code, **error.data)
        raise ValidationFailed(hint.strip(), code="invalid_profile",
                               details={"field": error.field, "reason": error.code}) from None
    uow = unit_of_work()
    changed = save_profile(uow, follower.openid, changes)
    commit(uow)
    return changed

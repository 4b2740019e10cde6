"""The one error shape of the JSON API: ``{"error": {"code", "message", "details"}}``.

Raise an ``ApiError`` subclass from a view (or let a domain error escape: identity errors
are mapped here); validation errors from flask-smorest/webargs arrive as HTTP 422 or 400 and
are given the same shape, with the field messages in ``details``.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from identity import errors as identity_errors


class ApiError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 details: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details or {}
        self.headers = headers or {}


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"
    message = "请求参数有误"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"
    message = "请先登录"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="xinbao"')


class Forbidden(ApiError):
    status = 403
    code = "forbidden"
    message = "没有权限执行此操作"


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = "找不到该记录"


class Conflict(ApiError):
    status = 409
    code = "conflict"
    message = "与现有数据冲突"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    message = "请求内容过大"


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    message = "请求过于频繁，请稍后再试"


class UpstreamError(ApiError):
    status = 502
    code = "upstream_error"
    message = "微信服务暂时不可用，请稍后再试"


# Domain errors of the identity package -> (error class, code).
IDENTITY_ERRORS: dict[type[identity_errors.IdentityError], tuple[type[ApiError], str]] = {
    identity_errors.InvalidCredentials: (Unauthorized, "invalid_credentials"),
    identity_errors.AccountDisabled: (Unauthorized, "account_disabled"),
    identity_errors.TokenInvalid: (Unauthorized, "token_invalid"),
    identity_errors.TokenExpired: (Unauthorized, "token_expired"),
    identity_errors.UnknownAccount: (NotFound, "not_found"),
    identity_errors.DuplicateAccount: (Conflict, "duplicate"),
    identity_errors.StateConflict: (Conflict, "conflict"),
    identity_errors.InvalidInput: (ValidationFailed, "validation_error"),
}


def from_identity_error(error: identity_errors.IdentityError) -> ApiError:
    for error_type in type(error).__mro__:
        if error_type in IDENTITY_ERRORS:
            api_error, code = IDENTITY_ERRORS[error_type]
            return api_error(error.message, code=code)
    return ApiError(error.message)


def error_response(error: ApiError) -> Response:
    response = jsonify({"error": {"code": error.code, "message": error.message,
                                  "details": error.details}})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


# Messages for HTTP errors that Flask or webargs raise before a view runs.
HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式有误（需要 JSON）"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "找不到该资源"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请使用 application/json"),
    422: ("validation_error", "请求参数有误"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
}


def from_http_exception(error: HTTPException) -> ApiError:
    status = error.code or 500
    code, message = HTTP_MESSAGES.get(status, (error.name.lower().replace(" ", "_"),
                                               error.description or error.name))
    data = getattr(error, "data", None) or {}
    details = data.get("messages") or data.get("errors") or {}
    api_error = ApiError(message, code=code, details=_jsonable(details),
                         headers=dict(data.get("headers") or {}))
    api_error.status = status
    return api_error


def _jsonable(details: Any) -> dict[str, Any]:
    """webargs keys field messages by location ("json", "query"); keep that, as plain JSON."""
    if not isinstance(details, dict):
        return {"messages": details}
    return {str(key): value for key, value in details.items()}


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "机器可读的错误代码"})
    message = ma.fields.String(required=True, metadata={"description": "中文说明，可直接展示"})
    details = ma.fields.Dict(required=True, metadata={"description": "字段错误等附加信息"})


class ErrorSchema(ma.Schema):
    """Every error response of /api/v1."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)

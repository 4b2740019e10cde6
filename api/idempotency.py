"""Idempotency keys for POSTs that create things: a retried request creates one thing.

The client sends ``Idempotency-Key: <its own random id>``; the first successful (2xx) answer
is stored in Redis for ``[api] idempotency_seconds`` and replayed, byte for byte, to a retry
with the same key, caller and body (header ``Idempotent-Replayed: true``). The same key with a
different body is a 409 ``idempotency_key_reused``; a retry while the first is still running
is a 409 ``idempotency_in_progress``. Errors are not stored: a retry after one runs again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, make_response, request

from api.auth import current_principal
from api.docs import mark
from api.errors import Conflict, ValidationFailed
from api.settings import api_settings
from core.redis_store import key
from core.services import current

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
PENDING_SECONDS = 60  # how long a crashed first attempt blocks its retries

HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": "客户端生成的唯一值（如 UUID）；同一值重试时不会重复创建，返回首次结果。",
    "schema": {"type": "string", "pattern": KEY_PATTERN.pattern},
}


def _scope() -> str:
    principal = current_principal()
    if principal is None:
        return "anonymous"
    if principal.is_staff:
        return f"staff:{principal.staff_id}"
    return f"follower:{principal.follower_id}"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string, request.get_data()):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def idempotent(func: F) -> F:
    """Place under the auth decorator and above ``@blp.arguments``."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        supplied = request.headers.get(HEADER)
        if supplied is None:
            return func(*args, **kwargs)
        if not KEY_PATTERN.match(supplied):
            hint = "须为 8–100 位字母、数字或 _.:-"
            raise ValidationFailed(details={"headers": {HEADER: [hint]}})
        redis = current().redis.text
        storage_key = key("idempotency", _scope(), request.endpoint,
                          hashlib.sha256(supplied.encode()).hexdigest())
        fingerprint = _fingerprint()
        pending = json.dumps({"fingerprint": fingerprint, "state": "pending"})
        if not redis.set(storage_key, pending, nx=True, ex=PENDING_SECONDS):
            return _replay(redis.get(storage_key), fingerprint)
        try:
            response = make_response(func(*args, **kwargs))
        except BaseException:
            redis.delete(storage_key)
            raise
        if 200 <= response.status_code < 300:
            redis.set(storage_key, json.dumps({
                "fingerprint": fingerprint, "state": "done", "status": response.status_code,
                "body": response.get_data(as_text=True), "mimetype": response.mimetype,
            }), ex=api_settings().idempotency_seconds)
        else:
            redis.delete(storage_key)
        return response

    return mark(wrapper, statuses=(409, 422), header=HEADER_DOC)  # type: ignore[no-any-return]


def _replay(stored: str | None, fingerprint: str) -> Response:
    if stored is None:  # expired between our two reads: treat as in progress, client retries
        raise Conflict("请求正在处理中，请稍后重试", code="idempotency_in_progress")
    record = json.loads(stored)
    if record["fingerprint"] != fingerprint:
        raise Conflict("该 Idempotency-Key 已用于另一个请求", code="idempotency_key_reused")
    if record["state"] != "done":
        raise Conflict("请求正在处理中，请稍后重试", code="idempotency_in_progress")
    response = Response(record["body"], status=record["status"], mimetype=record["mimetype"])
    response.headers["Idempotent-Replayed"] = "true"
    return response

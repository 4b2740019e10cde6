"""The JSON API under ``/api/v1``: one error shape, bearer tokens, pagination, idempotency keys,
per-token rate limits, and an OpenAPI 3 document generated from the code at
``/api/v1/openapi.json`` (flask-smorest: marshmallow schemas + apispec).

How another package adds an endpoint
====================================

1. Write ``api/<area>.py``, the Flask adapter of the service (whose domain never imports
   Flask), with an ``ApiBlueprint`` called ``blp`` and marshmallow schemas. A view translates:
   it reads the request, calls the service's use case with a unit of work, maps the use case's
   exceptions to API errors, commits, and shapes the answer. ``api/lights.py`` is one::

       import marshmallow as ma
       from api import (ApiBlueprint, NotFound, RateLimited, decode_or_404, follower_or_staff,
                        require_principal)
       from api.work import commit, unit_of_work
       from lights.links import buyer_ids
       from lights.manifest import BUYERS_READ
       from lights.usecases import QuotaSpent, Viewer, show_light

       blp = ApiBlueprint("buyers", __name__, url_prefix="/buyers",
                          description="资信红绿灯：境外买方")

       class LightSchema(ma.Schema):
           light = ma.fields.String(required=True)
           hint = ma.fields.String(required=True)

       @blp.route("/<opaque:buyer_id>/light")         # an opaque id (see below), else 404
       @follower_or_staff(BUYERS_READ)               # or @follower_required, @staff_required(p)
       @blp.response(200, LightSchema)
       @blp.alt_response(404, response="NOT_FOUND")   # document every error you raise
       def buyer_light(buyer_id):
           uow = unit_of_work()                       # session, clock, actor, audit, outbox
           number = decode_or_404(buyer_ids, buyer_id, "找不到该买方")  # forged: like a gone one
           try:
               shown = show_light(uow, Viewer(openid=..., channel="miniprogram"), number)
           except QuotaSpent as spent:
               raise RateLimited(...) from None       # -> 429 {"error": {...}}
           if shown is None:
               raise NotFound("找不到该买方")          # -> 404 {"error": {...}}
           commit(uow)                                # the one commit; messages leave after it
           return {"light": shown.result.verdict.light, "hint": shown.result.verdict.hint}

   For a list: ``@blp.arguments(PageArgs, location="query")``, ``@blp.response(200,
   page_of(Schema))`` and ``return paginated(rows, total, args)`` (``window(args)`` gives the
   offset and limit). For a POST that creates something: ``@idempotent`` after the auth
   decorator (an ``Idempotency-Key`` header makes one thing), ``@blp.arguments(BodySchema)``
   (bad input is a 422 with details) and ``@blp.response(201, Schema)``.

   Decorator order, top to bottom: ``@blp.route``, an auth decorator, ``@idempotent`` (POSTs
   that create), ``@blp.arguments``, ``@blp.response``, ``@blp.alt_response``.

2. Name the module in the service's manifest: ``api=("api.<area>",)`` (``core.features``).

3. Add a row per endpoint to ``ENDPOINTS`` in ``tests/test_api_access.py`` (who may, who may
   not); the schemathesis test (``tests/test_api_schema.py``) then checks it automatically.

Auth decorators (``api.auth``): ``follower_required`` (a mini-program follower token; staff get
403), ``staff_required("<permission>")`` (a staff token whose roles hold the permission; the
permissions and roles are the one table ``identity.access.rules()``, gathered from the
services' manifests — declare new permissions in yours),
``follower_or_staff("<permission>")`` (a follower, who may reach only its own records —
check ``current_principal().owns(record.follower_id)`` and raise ``NotFound`` otherwise — or staff
with the permission), ``signed_in`` (any token). ``current_principal()`` is the caller
(``identity.Principal``: ``.follower_id``, ``.openid``, ``.staff_id``, ``.roles``, ``.can(p)``).

Times in responses: ``UtcDateTime()`` (always with its zone; SQLite drops it). Database ids
in paths: ``<id:name>`` (1 … 999999999; anything else is a 404, not a driver overflow) where
the caller may see only its own records or holds a permission. Ids of records any caller may
look up one by one (buyers) must not be walkable: write them opaque (``api.ids``,
``core.ids``) — ``OpaqueId(codec_for)`` in the schema, ``<opaque:name>`` in the path and
``decode_or_404(codec_for, name)`` in the view, with the codec from the service's domain
(``lights.links.buyer_ids``), which the chat and the pages use too.

Errors: raise ``ValidationFailed`` (422), ``Unauthorized`` (401), ``Forbidden`` (403),
``NotFound`` (404), ``Conflict`` (409), ``RateLimited`` (429) or ``UpstreamError`` (502) from
``api.errors``, each with an optional Chinese ``message``, machine ``code`` and ``details``
dict; domain errors of ``identity`` are mapped for you. Every error body is
``{"error": {"code": str, "message": str, "details": {}}}``.

Staff actions that change data are written to the audit log with
``identity.audit.record(session, current_principal().actor, "<area>.<verb>", "<type>", id,
before=..., after=...)`` in the same transaction.

Rate limits (``[api]`` in config.toml) apply to every ``ApiBlueprint`` request, per bearer
token or, without one, per client address; the answer carries ``X-RateLimit-*`` headers.

Request bodies (``api.body``) are judged before anything parses them recursively: over
``[api] max_body_bytes`` (64 KiB) is a 413, JSON nested deeper than ``max_json_depth`` (32), not
UTF-8 or not standard JSON (NaN, 1e999) a 400, another media type a 415, the wrong top-level
type the schema's 422. ``@blp.arguments`` bodies get all of it; read a body no other way.
"""

from __future__ import annotations

from importlib import import_module

from flask import Flask
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema

from api.auth import (
    current_principal,
    follower_or_staff,
    follower_required,
    require_principal,
    signed_in,
    staff_required,
)
from api.blueprint import API_PREFIX, ApiBlueprint, IdConverter
from api.docs import SECURITY_SCHEME
from api.errors import (
    ApiError,
    Conflict,
    ErrorSchema,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    UpstreamError,
    ValidationFailed,
)
from api.fields import UtcDateTime
from api.idempotency import idempotent
from api.ids import OpaqueId, OpaqueIdConverter, decode_or_404, opaque_id_param_schema
from api.pagination import PageArgs, page_of, paginated, window
from api.settings import EXTENSION_KEY, IDENTITY_KEY, ApiSettings
from core.config import Settings
from core.features import features
from identity.settings import IdentitySettings

OPENAPI_KEY = "xinbao.openapi"

__all__ = [
    "API_PREFIX",
    "ApiBlueprint",
    "ApiError",
    "Conflict",
    "Forbidden",
    "NotFound",
    "OpaqueId",
    "PageArgs",
    "RateLimited",
    "Unauthorized",
    "UpstreamError",
    "UtcDateTime",
    "ValidationFailed",
    "current_principal",
    "decode_or_404",
    "follower_or_staff",
    "follower_required",
    "idempotent",
    "init_app",
    "page_of",
    "paginated",
    "require_principal",
    "signed_in",
    "staff_required",
    "window",
]


class XinbaoApi(Api):
    """flask-smorest's Api with our error shape in the document; errors are rendered by the
    handlers each ``ApiBlueprint`` registers (and app.py's for routing errors), so no
    app-wide handler is added here."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # every status is listed per operation instead

    def _register_error_handlers(self) -> None:
        return None


def init_app(app: Flask, settings: Settings) -> XinbaoApi:
    app.extensions[EXTENSION_KEY] = ApiSettings.from_section(settings.section("api"))
    app.extensions.setdefault(IDENTITY_KEY, IdentitySettings.from_section(
        settings.section("identity"), public_url=settings.public_url,
        development=settings.is_development,
    ))
    app.config.update(
        API_TITLE="信保小微助手 API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["opaque"] = OpaqueIdConverter
    api = XinbaoApi(app, spec_kwargs={"info": {
        "description": "小程序与员工系统使用的 JSON 接口。错误统一为 "
                       '{"error": {"code", "message", "details"}}。',
    }})
    api.spec.components.security_scheme(SECURITY_SCHEME, {
        "type": "http", "scheme": "bearer",
        "description": "POST /api/v1/session（小程序）或 POST /api/v1/staff/tokens（员工）所得令牌",
    })
    api.register_converter(IdConverter, integerconverter2paramschema)
    api.register_converter(OpaqueIdConverter, opaque_id_param_schema)
    for feature in features():
        for name in feature.api:
            api.register_blueprint(import_module(name).blp)
    app.extensions[OPENAPI_KEY] = api
    return api

"""JS-SDK ``wx.config`` for H5 pages of this site."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import marshmallow as ma

from api.blueprint import ApiBlueprint
from api.errors import Forbidden, UpstreamError
from core.services import current
from wechat.sns import SnsError, jssdk_config

blp = ApiBlueprint("jssdk", __name__, url_prefix="/jssdk", description="微信 JS-SDK 签名")


class JssdkArgs(ma.Schema):
    url = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000),
                           metadata={"description": "当前页面完整 URL（不含 # 及其后部分）"})


class JssdkConfigSchema(ma.Schema):
    appId = ma.fields.String(required=True)  # noqa: N815 - the names wx.config expects
    timestamp = ma.fields.Integer(required=True)
    nonceStr = ma.fields.String(required=True)  # noqa: N815
    signature = ma.fields.String(required=True)


@blp.route("/config")
@blp.arguments(JssdkArgs, location="query")
@blp.response(200, JssdkConfigSchema)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(502, response="BAD_GATEWAY")
def config(args: dict[str, Any]) -> dict[str, Any]:
    """页面调用 wx.config 所需的签名（仅限本站页面）"""
    services = current()
    url = args["url"].split("#", 1)[0]
    own = urlsplit(services.settings.public_url)
    asked = urlsplit(url)
    if (asked.scheme, asked.netloc) != (own.scheme, own.netloc):
        raise Forbidden("只能为本站页面签名", code="foreign_page")
    try:
        return jssdk_config(services, url)
    except SnsError as error:
        raise UpstreamError(details={"errcode": error.errcode}) from None

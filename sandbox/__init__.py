"""The sandbox: a page at /sandbox that looks and works like a WeChat chat with this account.

On in development (``[development.sandbox] enabled``), never in production: it relies on the
WeChat API emulator. Every tap and message becomes the XML WeChat would send, signed (and in
safe mode encrypted), posted over HTTP to the real webhook (``sandbox.forward``). The page
shows the passive reply, then what the emulator recorded for the follower: customer-service
and template messages (``/emulator/_records?touser=``).
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from fontTools.ttLib import TTCollection
from sqlalchemy import select
from wechatpy.exceptions import WeChatClientException

from core.config import Settings
from core.fonts import cjk_font_path
from core.services import current
from followers.models import Follower
from menus import definition
from sandbox.forward import SandboxInputError, build_xml, forward
from wechat.simulator import WeChatSimulator

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox", static_folder="static")

MAX_PHOTO_BYTES = 2 * 1024 * 1024
DEFAULT_FOLLOWERS = (
    {"openid": "o-sandbox-li", "name": "李经理 · 宁波"},
    {"openid": "o-sandbox-wang", "name": "王会计 · 贵州"},
    {"openid": "o-sandbox-chen", "name": "陈总 · 深圳"},
)


def register_sandbox(app: Flask, settings: Settings) -> None:
    """Only in development, and only when the [sandbox] table (or its default) enables it."""
    if settings.is_development and settings.section("sandbox").get("enabled", False):
        app.register_blueprint(bp)


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, "details": {}}}), status


def _menus_for_page() -> list[dict[str, Any]]:
    menus = definition.load()
    return [{"name": menu.shown_name, "description": menu.description,
             "buttons": [button.to_wechat() for button in menu.buttons]}
            for menu in menus.menus]


def _simulator() -> WeChatSimulator:
    return WeChatSimulator(current().settings.wechat)


def _webhook_url() -> str:
    return current().settings.public_url + "/wechat"


def _is_subscribed(openid: str) -> bool:
    follower = current().db.session.scalar(select(Follower).where(Follower.openid == openid))
    return bool(follower and follower.subscribed)


@bp.get("/")
def page() -> str:
    settings = current().settings
    return render_template(
        "pages/sandbox.html",
        account_name=settings.wechat.account_name,
        encrypt_mode=settings.wechat.encrypt_mode,
        menus=_menus_for_page(),
        followers=list(DEFAULT_FOLLOWERS),
    )


@bp.get("/api/follower")
def follower() -> tuple[Response, int]:
    openid = request.args.get("openid", "")
    if not 1 <= len(openid) <= 64:
        return _error(400, "invalid_openid", "openid 应为 1–64 个字符")
    return jsonify({"openid": openid, "subscribed": _is_subscribed(openid)}), 200


@bp.post("/api/send")
def send() -> tuple[Response, int]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "invalid_json", "请求体应为 JSON 对象")
    openid = data.get("openid")
    if not isinstance(openid, str) or not 1 <= len(openid) <= 64:
        return _error(400, "invalid_openid", "openid 应为 1–64 个字符")
    action = str(data.get("action", ""))
    try:
        xml = build_xml(_simulator(), openid, action, data, lambda: _is_subscribed(openid))
    except SandboxInputError as error:
        return _error(400, "invalid_input", str(error))
    current().db.remove()  # the webhook writes the follower; read it fresh next time
    forwarded = forward(_simulator(), _webhook_url(), xml)
    if forwarded.status != 200:
        return _error(502, "webhook_refused", forwarded.reply.get("content", ""))
    return jsonify({"reply": forwarded.reply, "subscribed": _is_subscribed(openid)}), 200


@bp.post("/api/photo")
def photo() -> tuple[Response, int]:
    """The follower sends a photo: stored as WeChat stores it (media), then the image message."""
    openid = request.form.get("openid", "")
    upload = request.files.get("photo")
    if not 1 <= len(openid) <= 64 or upload is None:
        return _error(400, "invalid_input", "需要 openid 和一张照片")
    content = upload.read(MAX_PHOTO_BYTES + 1)
    if not content or len(content) > MAX_PHOTO_BYTES:
        return _error(400, "invalid_photo", "照片应为 1 字节到 2 MB")
    try:
        media_id = current().wechat.upload_image(upload.filename or "photo.png", content)
    except WeChatClientException as error:
        return _error(502, "upload_failed", f"上传失败 {error.errcode}")
    pic_url = f"{current().settings.public_url}/sandbox/media/{media_id}"
    xml = build_xml(_simulator(), openid, "image", {"media_id": media_id, "pic_url": pic_url},
                    lambda: True)
    forwarded = forward(_simulator(), _webhook_url(), xml)
    if forwarded.status != 200:
        return _error(502, "webhook_refused", forwarded.reply.get("content", ""))
    return jsonify({"reply": forwarded.reply, "media_id": media_id}), 200


@bp.get("/media/<media_id>")
def media(media_id: str) -> Response | tuple[Response, int]:
    """A picture the account sent (or the follower's photo), fetched from the emulator's
    media/get with the account's access token, as a phone would show it."""
    try:
        fetched = current().wechat.api.media.download(media_id)
    except WeChatClientException:
        return _error(404, "media_not_found", "图片不存在或已过期")
    return Response(fetched.content, mimetype=fetched.headers.get("Content-Type", "image/png"))


@bp.get("/font/wqy-microhei.ttf")
def font() -> Response:
    """The packaged Chinese font for @font-face: Chromium does not load .ttc collections, so
    the first face is served as a plain TrueType file."""
    response = Response(_font_bytes(), mimetype="font/ttf")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@cache
def _font_bytes() -> bytes:
    buffer = io.BytesIO()
    TTCollection(str(cjk_font_path())).fonts[0].save(buffer)
    return buffer.getvalue()

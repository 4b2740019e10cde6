"""Play WeChat for the sandbox page: build a follower's message, sign it (and in safe mode
encrypt it) with ``wechat.simulator``, post it over HTTP to the real webhook, open the reply.

Nothing here is a shortcut past the webhook: the sandbox sees what a follower would see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from wechat.simulator import WeChatSimulator

FORWARD_TIMEOUT_SECONDS = 10
MAX_TEXT_CHARS = 600
MAX_SCENE_CHARS = 64


class SandboxInputError(ValueError):
    """What the page sent cannot become a WeChat message; the message says why (Chinese)."""


@dataclass(frozen=True)
class Forwarded:
    status: int
    reply: dict[str, Any]


def _text(data: Mapping[str, Any], name: str, limit: int, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise SandboxInputError(f"{name} 应为文字")
    value = value.strip()
    if required and not value:
        raise SandboxInputError(f"缺少 {name}")
    if len(value) > limit:
        raise SandboxInputError(f"{name} 最多 {limit} 个字")
    return value


def _number(data: Mapping[str, Any], name: str, low: float, high: float) -> float:
    try:
        value = float(data.get(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SandboxInputError(f"{name} 应为数字") from None
    if not low <= value <= high:
        raise SandboxInputError(f"{name} 应在 {low} 到 {high} 之间")
    return value


def build_xml(sim: WeChatSimulator, openid: str, action: str, data: Mapping[str, Any],
              subscribed: Callable[[], bool]) -> str:
    """The XML WeChat would send for what the follower did on the page."""
    if action == "text":
        return sim.text(openid, _text(data, "content", MAX_TEXT_CHARS))
    if action == "click":
        return sim.click(openid, _text(data, "key", 128))
    if action == "view":
        return sim.event(openid, "VIEW", _text(data, "url", 1024))
    if action == "menu_event":  # scancode_*, pic_*, location_select, view_miniprogram
        return sim.event(openid, _text(data, "event", 32), _text(data, "key", 1024))
    if action == "subscribe":
        return sim.subscribe(openid, _text(data, "scene", MAX_SCENE_CHARS, required=False)
                             or None)
    if action == "scan":
        # Scanning a scene code: WeChat sends subscribe (with the scene) to someone who does
        # not follow yet, and SCAN to a follower.
        scene = _text(data, "scene", MAX_SCENE_CHARS)
        return sim.scan(openid, scene) if subscribed() else sim.subscribe(openid, scene)
    if action == "unsubscribe":
        return sim.event(openid, "unsubscribe", "")
    if action == "location":
        return sim.location(openid, _number(data, "latitude", -90, 90),
                            _number(data, "longitude", -180, 180),
                            _text(data, "label", 100, required=False))
    if action == "image":
        media_id = _text(data, "media_id", 128)
        return sim.image(openid, media_id=media_id, pic_url=_text(data, "pic_url", 1024))
    raise SandboxInputError(f"不认识的操作 {action!r}")


def forward(sim: WeChatSimulator, webhook_url: str, xml: str) -> Forwarded:
    signed = sim.sign(xml)
    response = requests.post(webhook_url, params=signed.params, data=signed.body,
                             timeout=FORWARD_TIMEOUT_SECONDS)
    if response.status_code != 200:
        return Forwarded(response.status_code, {"type": "error", "content": response.text})
    return Forwarded(200, describe_reply(sim.open_reply(response.content)))


def describe_reply(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The passive reply in the shape the page draws (text, a news card, a picture)."""
    kind = fields.get("MsgType")
    if not fields:
        return {"type": "none"}
    if kind == "text":
        return {"type": "text", "content": fields.get("Content", "")}
    if kind == "news":
        item = (fields.get("Articles") or {}).get("item") or {}
        if isinstance(item, list):  # WeChat shows one article; so do we
            item = item[0]
        return {"type": "news", "title": item.get("Title", ""),
                "description": item.get("Description", ""), "url": item.get("Url", ""),
                "image": item.get("PicUrl", "")}
    if kind == "image":
        return {"type": "image", "media_id": (fields.get("Image") or {}).get("MediaId", "")}
    return {"type": "other", "content": str(dict(fields))}

"""A WeChat message as the typed input a conversation step takes (``core.conversation``)."""

from __future__ import annotations

from wechatpy.messages import BaseMessage

from core.conversation import (
    FileInput,
    ImageInput,
    Input,
    LinkInput,
    LocationInput,
    MenuTap,
    OtherInput,
    TextInput,
    VideoInput,
    VoiceInput,
)

# Menu events that carry the button's key.
MENU_EVENTS = frozenset({"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
                         "pic_photo_or_album", "pic_weixin", "location_select"})


def _number(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 0.0


def input_of(msg: BaseMessage) -> Input:
    raw = getattr(msg, "_data", None) or {}
    kind = msg.type if msg.type != "unknown" else str(raw.get("MsgType", "unknown")).lower()
    if kind == "text":
        return TextInput(msg.content or "")
    if kind == "event":
        sent = raw.get("SendLocationInfo")
        if getattr(msg, "event", "") == "location_select" and isinstance(sent, dict):
            # The location picker's answer: a location like one sent from the chat.
            return LocationInput(_number(sent.get("Location_X")), _number(sent.get("Location_Y")),
                                 str(sent.get("Label") or "").strip())
        if getattr(msg, "event", "") in MENU_EVENTS:
            return MenuTap(getattr(msg, "key", "") or "")
        return OtherInput(f"event:{getattr(msg, 'event', '')}")
    if kind == "image":
        return ImageInput(msg.media_id or "", msg.image or "")
    if kind == "voice":
        return VoiceInput(msg.media_id or "", msg.recognition or "")
    if kind in ("video", "shortvideo"):
        return VideoInput(msg.media_id or "")
    if kind == "location":
        return LocationInput(_number(msg.location_x), _number(msg.location_y), msg.label or "")
    if kind == "link":
        return LinkInput(msg.title or "", msg.url or "")
    if kind == "file":  # not in wechatpy 1.8: read from the raw fields
        return FileInput(str(raw.get("Title") or ""), str(raw.get("MediaId") or ""))
    return OtherInput(str(kind))

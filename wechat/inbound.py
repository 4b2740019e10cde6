"""From an HTTP request to a checked, decrypted, parsed message — and a Reply back to XML."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from wechatpy.messages import BaseMessage
from wechatpy.replies import ArticlesReply, ImageReply, TextReply

from core.config import WebhookSettings, WeChatSettings
from core.replies import Image, News, NoReply, Reply, Text
from wechat.crypto import MessageCipher
from wechat.parsing import element_fields, message_from_fields
from wechat.security import (
    RequestRejected,
    check_msg_signature,
    check_signature,
    check_timestamp,
    parse_safely,
)


@dataclass(frozen=True)
class Inbound:
    msg: BaseMessage
    fields: dict[str, Any]
    encrypted: bool


class Gate:
    """Signature, timestamp, decryption and parsing, in the order that refuses cheaply."""

    def __init__(self, wechat: WeChatSettings, webhook: WebhookSettings) -> None:
        self.wechat = wechat
        self.webhook = webhook
        self.cipher = (
            MessageCipher(wechat.token, wechat.app_id, wechat.encoding_aes_key,
                          wechat.previous_encoding_aes_key)
            if wechat.encoding_aes_key
            else None
        )

    def verify_url(self, args: Mapping[str, str]) -> str:
        """GET echostr check: always plain and signed with ``signature``, whatever the mode."""
        check_signature(self.wechat.token, args.get("signature", ""),
                        args.get("timestamp", ""), args.get("nonce", ""))
        return args.get("echostr", "")

    def open(self, args: Mapping[str, str], body: bytes, now: float | None = None) -> Inbound:
        """Each XML document is parsed once: the body, and in safe or compatible mode with
        ``encrypt_type=aes`` the decrypted message as well."""
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        check_signature(self.wechat.token, args.get("signature", ""), timestamp, nonce)
        check_timestamp(timestamp, self.webhook.max_clock_skew_seconds, now)
        envelope = parse_safely(body)
        encrypted = args.get("encrypt_type", "raw") == "aes"
        mode = self.wechat.encrypt_mode
        if encrypted and mode == "plain":
            raise RequestRejected(400, "encrypted message in plain mode")
        if not encrypted and mode == "safe":
            raise RequestRejected(400, "plaintext refused in safe mode")
        if encrypted:
            xml = self._decrypt(envelope.findtext("Encrypt") or "", args, timestamp, nonce)
            return _inbound(parse_safely(xml.encode()), encrypted)
        return _inbound(envelope, encrypted)

    def _decrypt(self, encrypt: str, args: Mapping[str, str], timestamp: str,
                 nonce: str) -> str:
        if not encrypt or self.cipher is None:
            raise RequestRejected(400, "no Encrypt element")
        check_msg_signature(self.wechat.token, args.get("msg_signature", ""), timestamp,
                            nonce, encrypt)
        return self.cipher.decrypt(encrypt)

    def seal(self, reply_xml: str, inbound: Inbound) -> str:
        """Encrypt the reply when the request was encrypted; an empty reply stays empty."""
        if not reply_xml or not inbound.encrypted or self.cipher is None:
            return reply_xml
        return self.cipher.encrypt(reply_xml, secrets.token_hex(8), str(int(time.time())))


# The longest each field WeChat sends may be (openids are 28 characters; a menu key at most
# 128 bytes): anything longer is no WeChat message, and would not fit where it is stored.
FIELD_LIMITS = {"ToUserName": 64, "FromUserName": 64, "MsgType": 32, "Event": 64,
                "EventKey": 128, "MsgId": 32, "CreateTime": 12}


def _inbound(root: Element, encrypted: bool) -> Inbound:
    try:
        fields = element_fields(root) if root.tag == "xml" else None
        if not isinstance(fields, dict) or not fields.get("MsgType") or not fields.get(
            "FromUserName"
        ):
            raise RequestRejected(400, "not a WeChat message")
        for name, limit in FIELD_LIMITS.items():
            value = fields.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise RequestRejected(400, f"{name} is not what WeChat sends")
        msg = message_from_fields(fields)
    except (KeyError, TypeError, AttributeError, ValueError):
        raise RequestRejected(400, "not a WeChat message") from None
    return Inbound(msg=msg, fields=fields, encrypted=encrypted)


def render_reply(reply: Reply, msg: BaseMessage) -> str:
    """WeChat XML for a reply; an explicit NoReply is an empty body (never empty content)."""
    if isinstance(reply, Text):
        return TextReply(message=msg, content=reply.content).render()
    if isinstance(reply, News):
        article = reply.article
        return ArticlesReply(
            message=msg,
            articles=[{"title": article.title, "description": article.description,
                       "image": article.image, "url": article.url}],
        ).render()
    if isinstance(reply, Image):
        return ImageReply(message=msg, media_id=reply.media_id).render()
    assert isinstance(reply, NoReply)
    return ""


def log_row(msg: BaseMessage, fields: Mapping[str, Any], dedupe: str,
            received_at: datetime) -> dict[str, Any]:
    """The message as ``inbound_messages`` keeps it: written behind through the inbound log
    (``wechat.intake``), or at once while Redis is away (``handlers.dispatch``)."""
    return {
        "dedupe_key": dedupe,
        "openid": msg.source,
        "msg_type": str(fields.get("MsgType", msg.type))[:32],
        "event": getattr(msg, "event", None) or None,
        "content": fields.get("Content"),
        "payload": {k: v for k, v in fields.items() if isinstance(v, str)},
        "created_at": received_at.isoformat(),
    }

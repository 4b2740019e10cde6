"""Plays WeChat's side of the webhook: builds, signs and (in safe mode) encrypts messages.

Used by the tests, the terminal chat, the sandbox and the benchmark, so that all of them
reach the webhook exactly as WeChat does.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field

import xmltodict

from core.config import WeChatSettings
from wechat.crypto import MessageCipher
from wechat.security import sign

_msg_ids = itertools.count(int(time.time() * 1000) * 1000)


@dataclass(frozen=True)
class SignedRequest:
    params: dict[str, str]
    body: bytes


@dataclass
class WeChatSimulator:
    """One official account's view of WeChat: its token, app id and AES key."""

    settings: WeChatSettings
    account: str = "gh_xinbao_dev"
    mode: str = ""  # "" follows the settings; "plain", "compatible" or "safe"
    _cipher: MessageCipher | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.mode = self.mode or self.settings.encrypt_mode
        if self.settings.encoding_aes_key:
            self._cipher = MessageCipher(self.settings.token, self.settings.app_id,
                                         self.settings.encoding_aes_key)

    # --- message bodies ------------------------------------------------------------------

    def xml(self, openid: str, msg_type: str, create_time: int | None = None,
            msg_id: int | None = None, **fields: str | int | float) -> str:
        created = create_time or int(time.time())
        parts = [
            f"<ToUserName><![CDATA[{self.account}]]></ToUserName>",
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
            f"<CreateTime>{created}</CreateTime>",
            f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
        ]
        for name, value in fields.items():
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>" if isinstance(value, str)
                         else f"<{name}>{value}</{name}>")
        if msg_type != "event":
            parts.append(f"<MsgId>{msg_id or next(_msg_ids)}</MsgId>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, openid: str, content: str, **kw) -> str:
        return self.xml(openid, "text", Content=escape_cdata(content), **kw)

    def event(self, openid: str, event: str, key: str | None = None, **kw) -> str:
        fields: dict[str, str | int | float] = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self.xml(openid, "event", **fields, **kw)

    def click(self, openid: str, key: str, **kw) -> str:
        return self.event(openid, "CLICK", key, **kw)

    def subscribe(self, openid: str, scene: str | None = None, **kw) -> str:
        return self.event(openid, "subscribe", f"qrscene_{scene}" if scene else "", **kw)

    def scan(self, openid: str, scene: str, **kw) -> str:
        return self.event(openid, "SCAN", scene, Ticket="TICKET", **kw)

    def location(self, openid: str, latitude: float, longitude: float, label: str = "",
                 **kw) -> str:
        return self.xml(openid, "location", Location_X=latitude, Location_Y=longitude,
                        Scale=15, Label=label, **kw)

    def image(self, openid: str, media_id: str = "MEDIA_FROM_USER",
              pic_url: str = "http://example.invalid/pic.jpg", **kw) -> str:
        return self.xml(openid, "image", PicUrl=pic_url, MediaId=media_id, **kw)

    # --- signing and sealing -------------------------------------------------------------

    def sign(self, xml: str, timestamp: int | None = None, mode: str | None = None,
             token: str | None = None) -> SignedRequest:
        mode = mode or self.mode
        token = token or self.settings.token
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(6)
        params = {"timestamp": stamp, "nonce": nonce, "signature": sign(token, stamp, nonce)}
        if mode == "plain":
            return SignedRequest(params, xml.encode())
        assert self._cipher is not None, "compatible and safe mode need an EncodingAESKey"
        envelope = self._cipher.encrypt(xml, nonce, stamp)
        encrypt = xmltodict.parse(envelope)["xml"]["Encrypt"]
        params.update(encrypt_type="aes", msg_signature=sign(token, stamp, nonce, encrypt),
                      openid="simulated")
        if mode == "compatible":  # both the plaintext fields and the Encrypt element
            body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        else:
            body = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>")
        return SignedRequest(params, body.encode())

    def open_reply(self, body: str | bytes) -> dict[str, str]:
        """The reply as a dict of its fields (decrypted when sealed); {} for an empty body."""
        text = body.decode() if isinstance(body, bytes) else body
        if not text.strip() or text.strip() == "success":
            return {}
        fields = xmltodict.parse(text)["xml"]
        if "Encrypt" in fields and self._cipher is not None:
            fields = xmltodict.parse(self._cipher.decrypt(fields["Encrypt"]))["xml"]
        return fields


def escape_cdata(text: str) -> str:
    """CDATA cannot hold "]]>"; split it the way XML writers do."""
    return text.replace("]]>", "]]]]><![CDATA[>")


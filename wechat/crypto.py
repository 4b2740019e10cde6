"""Safe-mode (AES) encryption, with the previous EncodingAESKey accepted during a rotation."""

from __future__ import annotations

import base64
import binascii
import struct

from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException

from wechat.security import RequestRejected

# A wrong key surfaces as any of these from wechatpy (a bare struct.error among them).
_DECRYPT_FAILURES = (
    struct.error,
    InvalidAppIdException,
    UnicodeDecodeError,
    ValueError,
    IndexError,
    binascii.Error,
)


def _key_bytes(encoding_aes_key: str) -> bytes:
    return base64.b64decode(encoding_aes_key + "=")


class MessageCipher:
    def __init__(self, token: str, app_id: str, current_key: str, previous_key: str = "") -> None:
        self.app_id = app_id
        self._encryptor = WeChatCrypto(token, current_key, app_id)
        self._decryptors = [
            PrpCrypto(_key_bytes(key)) for key in (current_key, previous_key) if key
        ]

    def decrypt(self, encrypt: str) -> str:
        for decryptor in self._decryptors:
            try:
                return decryptor.decrypt(encrypt, self.app_id)
            except _DECRYPT_FAILURES:
                continue
        raise RequestRejected(400, "cannot decrypt")

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        return self._encryptor.encrypt_message(xml, nonce, timestamp)

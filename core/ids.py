"""Opaque public ids: a database id shown outside (API paths and answers) as a string that
cannot be guessed, walked or forged, and read back without a lookup table or a schema change.

The id (8 bytes, big-endian) and 8 zero bytes make one 16-byte block, encrypted with AES-128
under a key derived from the app's secret key and the id's purpose (HKDF-SHA256, so buyer ids
and any later kind never share a key), written as unpadded lowercase base32: 26 characters of
``a-z2-7``. AES is a keyed permutation of blocks: neighbouring ids give unrelated strings, and
a string not made with the key decrypts to a block whose last 8 bytes are all zero with
probability 2^-64, so it is refused, never taken for a record. Encrypting the one block on its
own (ECB of a single block) is deterministic on purpose: a record keeps its id, and nothing
else is encrypted with the key. Another secret key gives other ids (old ones stop working).

``id_codec(secret_key, purpose)`` is cached; ``IdCodec.encode`` and ``decode`` are a few
microseconds. ``decode`` accepts only the canonical form ``encode`` writes.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

LENGTH = 26
# 26 base32 characters hold 130 bits for 128: the last one carries 2 zero bits, so it is one
# of the eight whose value is a multiple of 4. Anything else is not an id we wrote.
PATTERN = "[a-z2-7]{25}[aeimquy4]"
_CANONICAL = re.compile(PATTERN)
MAX_INT32 = 2**31 - 1  # an Integer primary key
_CHECK = bytes(8)


class UnknownId(ValueError):
    """Not an id this codec wrote: malformed, forged, or made with another key or purpose."""


class IdCodec:
    """Integer ids 1 … ``max_value`` to opaque strings and back, for one purpose."""

    def __init__(self, secret_key: str, purpose: str, *, max_value: int = MAX_INT32) -> None:
        if not secret_key:
            raise ValueError("an id codec needs the secret key")
        if not 0 < max_value < 2**64:
            raise ValueError("ids are 1 … 2**64 - 1")
        key = HKDF(algorithm=SHA256(), length=16, salt=None,
                   info=b"xinbao.opaque-id:" + purpose.encode()).derive(secret_key.encode())
        self._cipher = Cipher(algorithms.AES(key), modes.ECB())  # one block: see above
        self.max_value = max_value

    def encode(self, value: int) -> str:
        if type(value) is not int or not 0 < value <= self.max_value:
            raise ValueError(f"not an id: {value!r}")
        encryptor = self._cipher.encryptor()
        block = encryptor.update(value.to_bytes(8, "big") + _CHECK) + encryptor.finalize()
        return base64.b32encode(block).decode("ascii").rstrip("=").lower()

    def decode(self, text: object) -> int:
        """The id ``text`` names; ``UnknownId`` for anything ``encode`` did not write."""
        if not isinstance(text, str) or not _CANONICAL.fullmatch(text):
            raise UnknownId()
        block = base64.b32decode(text.upper() + "=" * 6)
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(block) + decryptor.finalize()
        value = int.from_bytes(plain[:8], "big")
        if plain[8:] != _CHECK or not 0 < value <= self.max_value:
            raise UnknownId()
        return value


@lru_cache(maxsize=32)
def id_codec(secret_key: str, purpose: str, max_value: int = MAX_INT32) -> IdCodec:
    return IdCodec(secret_key, purpose, max_value=max_value)

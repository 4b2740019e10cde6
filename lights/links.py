"""How a buyer is named outside: the link to its verdict page, and its opaque id.

The verdict page link (``/lights/v/<token>``) that the chat reply carries is signed with the
app's secret key (``core.tokens.Signer``) and carries only the buyer id: a verdict is not
private, and whoever received the reply may open it without signing in. It expires after
``[lights] page_link_days``, counted on the service clock.

The opaque id (``buyer_ids(secret_key)``, a ``core.ids.IdCodec``) is how the API, and any page
or reply that names a buyer, writes ``buyers.id``: 26 characters that cannot be guessed or
walked through the registry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.config import Settings
from core.ids import MAX_INT32, IdCodec, id_codec
from core.tokens import InvalidToken, Signer

VERDICT_SALT = "lights-verdict-page"
BUYER_ID_PURPOSE = "lights.buyer"
MAX_BUYER_ID = MAX_INT32  # buyers.id is a 32-bit integer column
DEFAULT_PAGE_LINK_DAYS = 30


def verdict_url(settings: Settings, buyer_id: int, now: datetime) -> str:
    """The page link for ``buyer_id``, valid for ``[lights] page_link_days`` from ``now``."""
    days = int(settings.section("lights").get("page_link_days", DEFAULT_PAGE_LINK_DAYS))
    token = Signer(settings.secret_key, VERDICT_SALT).sign({"b": buyer_id},
                                                           now + timedelta(days=days))
    return f"{settings.public_url}/lights/v/{token}"


def verdict_buyer_id(secret_key: str, token: str, now: datetime) -> int:
    """The buyer a link names; raises ``core.tokens.TokenError`` when altered or expired, or
    when what it names is not a buyer id (only a holder of the key could sign that)."""
    buyer_id = Signer(secret_key, VERDICT_SALT).read(token, now).get("b")
    if type(buyer_id) is not int or not 0 < buyer_id <= MAX_BUYER_ID:
        raise InvalidToken()
    return buyer_id


def buyer_ids(secret_key: str) -> IdCodec:
    """Buyer ids to their opaque form (``encode``) and back (``decode``, which raises
    ``core.ids.UnknownId`` for a malformed or forged one)."""
    return id_codec(secret_key, BUYER_ID_PURPOSE, MAX_BUYER_ID)

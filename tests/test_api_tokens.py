"""Hostile bearer tokens: whatever an attacker puts after ``Bearer`` (an expiry of 1e30,
negative, NaN, a string, a list; missing fields; a signed part that is not base64 JSON; a huge
or non-ASCII token) is a 401 in the API's error shape, never a 500.

Most are forged with the real secret key and salt (the development key is public, and a
leaked key must not turn into a crash either); ``core.tokens.Signer.read`` and
``identity.sessions.resolve`` either return a valid payload or raise the typed token error.
"""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from itsdangerous import URLSafeSerializer

from core.tokens import MAX_TOKEN_CHARS, ExpiredToken, InvalidToken, Signer
from identity.sessions import TOKEN_SALT
from tests.test_api_errors import error_of

from helpers import follower_token

FUTURE = 4_000_000_000  # 2096: well signed, not expired
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def serializer(services) -> URLSafeSerializer:
    return URLSafeSerializer(services.settings.secret_key, salt=TOKEN_SALT)


@pytest.fixture
def real_sid(services) -> str:
    """The session id of a live follower token, so only the forged part can be wrong."""
    token, _ = follower_token(services, "o-hostile-token")
    return serializer(services).loads(token)["sid"]


# Payloads signed with the real key and salt: each must be refused.
FORGED_PAYLOADS: dict[str, Any] = {
    "exp 1e30 as an integer": {"exp": 10**30},
    "exp 1e30 as a float": {"exp": 1e30},
    "exp past year 9999": {"exp": 253402300800},
    "exp negative": {"exp": -(10**12)},
    "exp minus one": {"exp": -1},
    "exp zero": {"exp": 0},
    "exp NaN": {"exp": math.nan},
    "exp infinite": {"exp": math.inf},
    "exp a string": {"exp": str(FUTURE)},
    "exp a list": {"exp": [FUTURE]},
    "exp an object": {"exp": {"at": FUTURE}},
    "exp true": {"exp": True},
    "exp null": {"exp": None},
    "exp missing": {"exp": "<drop>"},
    "sid missing": {"sid": "<drop>"},
    "sid a list": {"sid": ["x"]},
    "sid a number": {"sid": 12345},
    "sid with NUL bytes": {"sid": "\x00" * 32},
    "sid unicode": {"sid": "会话" * 16},
    "sid too long": {"sid": "a" * 5000},
    "padding past the size limit": {"pad": secrets.token_hex(MAX_TOKEN_CHARS)},  # incompressible
}


def forged(services, sid: str, change: dict[str, Any]) -> str:
    payload = {"sid": sid, "exp": FUTURE, **change}
    return serializer(services).dumps({k: v for k, v in payload.items() if v != "<drop>"})


def signed_raw(services, value: str) -> str:
    """A correctly signed token whose signed part is ``value`` as it stands."""
    return serializer(services).make_signer(TOKEN_SALT).sign(value).decode()


def get_me(live_server: str, authorization: str | bytes) -> requests.Response:
    return requests.get(f"{live_server}/api/v1/me", headers={"Authorization": authorization},
                        timeout=10)


def test_the_real_token_works(services, live_server, real_sid):
    assert get_me(live_server, f"Bearer {forged(services, real_sid, {})}").status_code == 200


@pytest.mark.parametrize("name", FORGED_PAYLOADS)
def test_a_forged_payload_is_a_401(name, services, live_server, real_sid):
    token = forged(services, real_sid, FORGED_PAYLOADS[name])
    error = error_of(get_me(live_server, f"Bearer {token}"), 401)
    assert error["code"] == "token_invalid"


SIGNED_PARTS = {
    "not JSON": "e30=",  # base64 of "{"
    "not base64": "!!!not base64!!!",
    "a list": "W10",
    "null": "bnVsbA",
    "a string": "IjEyMyI",
    "compressed, but not zlib": ".eJzLSM3JyVcozy_KSQEAGgQEXQ",
    "nested brackets": "WwogIHsi" * 50,
}


@pytest.mark.parametrize("name", SIGNED_PARTS)
def test_a_signed_part_that_is_not_a_json_object_is_a_401(name, services, live_server):
    token = signed_raw(services, SIGNED_PARTS[name])
    error = error_of(get_me(live_server, f"Bearer {token}"), 401)
    assert error["code"] == "token_invalid"


@pytest.mark.parametrize("authorization", [
    "Bearer not-a-token",
    "Bearer a.b.c.d",
    "Bearer .",
    "Bearer ....",
    "Bearer " + "A" * 10_000,                           # huge
    "Bearer " + "eyJzaWQiOiJhIn0." * 500,               # huge, token-shaped
    "Bearer %00%ff",
    "Bearer \x00",
    "Bearer 令牌".encode(),                              # UTF-8 bytes: unicode garbage
    "Bearer \udcff".encode("utf-8", "surrogatepass"),
    b"Bearer \xff\xfe\xfd",
])
def test_garbage_is_a_401(authorization, live_server):
    assert error_of(get_me(live_server, authorization), 401)["code"] == "token_invalid"


def test_an_expired_token_is_still_told_apart(services, live_server, real_sid):
    token = forged(services, real_sid, {"exp": int(datetime.now(UTC).timestamp()) - 1})
    assert error_of(get_me(live_server, f"Bearer {token}"), 401)["code"] == "token_expired"


def test_every_protected_method_answers_a_forged_token_alike(services, live_server, real_sid):
    token = forged(services, real_sid, {"exp": 10**30})
    headers = {"Authorization": f"Bearer {token}"}
    for method, path in [("GET", "/api/v1/me"), ("PATCH", "/api/v1/me"),
                         ("POST", "/api/v1/session/refresh"), ("DELETE", "/api/v1/session"),
                         ("GET", "/api/v1/buyers"), ("GET", "/api/v1/staff/me")]:
        response = requests.request(method, live_server + path, headers=headers, json={},
                                    timeout=10)
        assert error_of(response, 401)["code"] == "token_invalid", (method, path)


@pytest.mark.parametrize("buyer", [10**30, -1, 0, "1", [1], None, 1.0, True, "<drop>"])
def test_a_forged_verdict_page_link_is_a_404(buyer, services, live_server):
    """The H5 verdict page reads a signed token too (``lights.links``)."""
    from lights.links import VERDICT_SALT

    payload = {"b": buyer, "exp": FUTURE}
    if buyer == "<drop>":
        del payload["b"]
    token = URLSafeSerializer(services.settings.secret_key, salt=VERDICT_SALT).dumps(payload)
    response = requests.get(f"{live_server}/lights/v/{token}", timeout=10)
    assert response.status_code == 404


# The reader itself: one of two typed errors, or a payload, for anything at all.

@pytest.mark.parametrize("token", [
    None, 12345, b"bytes", ["list"], "", " ", "x" * (MAX_TOKEN_CHARS + 1), "令牌",
    "\udcff", "a.b", "e30.e30",
])
def test_the_signer_refuses_anything_that_is_not_its_token(token):
    with pytest.raises(InvalidToken):
        Signer("key", "salt").read(token, NOW)


def test_the_signer_reads_its_own_tokens_up_to_year_9999():
    signer = Signer("key", "salt")
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert signer.read(signer.sign({"a": 1}, far), NOW) == {"a": 1, "exp": int(far.timestamp())}
    with pytest.raises(ExpiredToken):
        signer.read(signer.sign({"a": 1}, NOW - timedelta(seconds=1)), NOW)
    with pytest.raises(InvalidToken):  # another salt
        Signer("key", "pepper").read(signer.sign({"a": 1}, far), NOW)

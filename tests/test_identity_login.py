"""Mini-program login over real HTTP, through the emulator's wx.login and code2session."""

from __future__ import annotations

from datetime import timedelta

import requests
from sqlalchemy import select

from followers.models import Follower
from identity.models import ApiSession


def wx_login(live_server: str, openid: str, unionid: str | None = None) -> str:
    """What wx.login() gives the mini-program on a phone: a one-time code."""
    answer = requests.post(f"{live_server}/emulator/_control/wx_login",
                           json={"openid": openid, "unionid": unionid}, timeout=5).json()
    return answer["code"]


def login(live_server: str, code: str, **kwargs) -> requests.Response:
    return requests.post(f"{live_server}/api/v1/session", json={"code": code}, timeout=10,
                         **kwargs)


def me(live_server: str, token: str) -> requests.Response:
    return requests.get(f"{live_server}/api/v1/me",
                        headers={"Authorization": f"Bearer {token}"}, timeout=5)


def assert_error(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    return body["error"]


def test_good_code_gives_a_token_tied_to_the_openid(live_server, services):
    response = login(live_server, wx_login(live_server, "o-mini-1"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 7200
    assert "session_key" not in response.text  # stays on the server
    profile = me(live_server, body["token"])
    assert profile.status_code == 200
    assert profile.json()["openid"] == "o-mini-1"
    stored = services.db.session.scalar(select(ApiSession))
    assert stored.openid == "o-mini-1" and stored.session_key  # kept server-side
    assert stored.follower_id == body["follower_id"]


def test_unionid_links_the_mini_program_to_the_official_account_follower(live_server, services):
    official = Follower(openid="o-official", unionid="u-same-person", subscribed=True)
    services.db.session.add(official)
    services.db.session.commit()
    body = login(live_server, wx_login(live_server, "o-mini-other", "u-same-person")).json()
    assert body["follower_id"] == official.id
    assert me(live_server, body["token"]).json()["openid"] == "o-official"


def test_bad_and_reused_codes_are_refused(live_server):
    assert_error(login(live_server, "not-a-code"), 401, "invalid_code")
    code = wx_login(live_server, "o-mini-2")
    assert login(live_server, code).status_code == 201
    refused = assert_error(login(live_server, code), 401, "invalid_code")
    assert refused["details"] == {"errcode": 40163}


def test_missing_code_is_a_validation_error(live_server):
    error = assert_error(requests.post(f"{live_server}/api/v1/session", json={}, timeout=5),
                         422, "validation_error")
    assert "code" in error["details"]["json"]


def test_wechat_down_is_an_upstream_error_not_a_crash(live_server, emulator):
    emulator.fail("/sns/jscode2session", -1)
    assert_error(login(live_server, wx_login(live_server, "o-mini-3")), 502, "upstream_error")


def test_expired_token_is_refused(live_server, services):
    token = login(live_server, wx_login(live_server, "o-mini-4")).json()["token"]
    real_clock = services.clock
    services.clock = lambda: real_clock() + timedelta(hours=2, seconds=1)
    try:
        assert_error(me(live_server, token), 401, "token_expired")
    finally:
        services.clock = real_clock
    assert me(live_server, token).status_code == 200


def test_tampered_and_missing_tokens_are_refused(live_server):
    token = login(live_server, wx_login(live_server, "o-mini-5")).json()["token"]
    payload, _, signature = token.rpartition(".")
    forged = payload.replace(payload[-2:], "xx") + "." + signature
    assert_error(me(live_server, forged), 401, "token_invalid")
    assert_error(me(live_server, token[:-2] + "AA"), 401, "token_invalid")
    response = requests.get(f"{live_server}/api/v1/me", timeout=5)
    assert_error(response, 401, "token_missing")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_refresh_replaces_the_token_and_logout_ends_it(live_server):
    token = login(live_server, wx_login(live_server, "o-mini-6")).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    refreshed = requests.post(f"{live_server}/api/v1/session/refresh", headers=auth, timeout=5)
    assert refreshed.status_code == 200
    new_token = refreshed.json()["token"]
    assert new_token != token
    assert_error(me(live_server, token), 401, "token_invalid")
    assert me(live_server, new_token).status_code == 200
    out = requests.delete(f"{live_server}/api/v1/session",
                          headers={"Authorization": f"Bearer {new_token}"}, timeout=5)
    assert out.status_code == 204
    assert_error(me(live_server, new_token), 401, "token_invalid")


def test_a_retried_login_with_its_idempotency_key_gets_the_same_token(live_server, services):
    code = wx_login(live_server, "o-mini-7")
    headers = {"Idempotency-Key": "login-attempt-0001"}
    first = login(live_server, code, headers=headers)
    again = login(live_server, code, headers=headers)  # the phone lost the first answer
    assert first.status_code == again.status_code == 201
    assert again.json()["token"] == first.json()["token"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(services.db.session.scalars(select(ApiSession)).all()) == 1

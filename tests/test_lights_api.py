"""The mini-program API of 资信红绿灯 over HTTP: search with a country, the light with its
reasons, the quota for followers, history shared with the chat, the error shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from lights.importer import upsert_buyers
from lights.rows import clean_row
from lights.service import recent_lookups
from tests.conftest import WeChat, make_app

from helpers import follower_token, make_staff, staff_token


@pytest.fixture
def buyers(db):
    now = datetime.now(UTC)
    rows = [
        {"source_id": "1", "name": "Acme Handels GmbH", "country": "DE", "well_known": True,
         "disclosure": 100, "sample": True},
        {"source_id": "2", "name": "Acme Handels Ltd", "country": "GB", "disclosure": 20},
        {"source_id": "3", "name": "Yamada Denki K.K.", "original_name": "山田電気株式会社",
         "country": "JP", "status": "bankrupt", "disclosure": 90},
    ]
    upsert_buyers(db, [clean_row(row, "test", now) for row in rows], now)
    db.commit()
    return db


def get(live_server: str, path: str, token: str | None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(live_server + path, params=params, headers=headers, timeout=10)


def test_search_lists_ranked_candidates_and_a_country_narrows(services, buyers, live_server):
    token, _ = follower_token(services, "o-api-search")
    both = get(live_server, "/api/v1/buyers", token, q="acme handels").json()
    assert {item["country"] for item in both["items"]} == {"DE", "GB"}
    assert both["best_id"] is None

    german = get(live_server, "/api/v1/buyers", token, q="ACME Handels 德国").json()
    assert german["country"] == "DE"
    assert [item["legal_name"] for item in german["items"]] == ["Acme Handels GmbH"]
    assert german["best_id"] == german["items"][0]["id"]
    assert german["items"][0]["sample"] is True and german["items"][0]["country_zh"] == "德国"

    by_parameter = get(live_server, "/api/v1/buyers", token, q="acme handels", country="GB")
    assert [item["country"] for item in by_parameter.json()["items"]] == ["GB"]


def test_an_unknown_country_is_a_validation_error(services, buyers, live_server):
    token, _ = follower_token(services, "o-api-country")
    response = get(live_server, "/api/v1/buyers", token, q="acme", country="Atlantis")
    assert response.status_code == 422
    response = get(live_server, "/api/v1/buyers", token, q="acme", country="XX")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_the_light_with_reasons_is_recorded_for_the_follower(services, buyers, live_server, db):
    token, _ = follower_token(services, "o-api-light")
    found = get(live_server, "/api/v1/buyers", token, q="山田電気").json()
    light = get(live_server, f"/api/v1/buyers/{found['best_id']}/light", token).json()

    assert light["light"] == "red" and light["light_name"] == "红灯"
    assert light["buyer"]["original_name"] == "山田電気株式会社"
    assert [reason["rule"] for reason in light["reasons"]] == ["status_ended"]
    assert "审慎" in light["hint"]
    db.expire_all()
    assert [row.buyer_name for row in recent_lookups(db, "o-api-light")] == ["Yamada Denki K.K."]


def test_staff_reads_without_being_recorded(services, buyers, live_server, db):
    token = staff_token(services, make_staff(services, "api.operator", ["operator"]))
    found = get(live_server, "/api/v1/buyers", token, q="acme handels", country="DE").json()
    response = get(live_server, f"/api/v1/buyers/{found['best_id']}/light", token)
    assert response.json()["light"] == "green"
    assert recent_lookups(db, "api.operator") == []


def test_a_missing_buyer_is_404_in_the_one_error_shape(services, live_server):
    token, _ = follower_token(services, "o-api-missing")
    response = get(live_server, "/api/v1/buyers/999999/light", token)
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_the_chat_and_the_api_count_one_quota_and_say_one_sentence(base_config, buyers,
                                                                  live_server, worker):
    """A light shown counts wherever it is shown; the same buyer again that day is free; a
    search lists candidates without lights and counts nothing."""
    limited = make_app(base_config, lights={"daily_quota": 2})
    chat = WeChat(limited, worker)
    with limited.app_context():
        token, _ = follower_token(limited.extensions["xinbao"], "o-api-quota")
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    chat.send(chat.sim.text("o-api-quota", "查询 山田電気"))  # 1: shown in the chat
    for _ in range(3):  # searching is free
        assert client.get("/api/v1/buyers?q=acme", headers=headers).status_code == 200
    ids = {item["country"]: item["id"]
           for item in client.get("/api/v1/buyers?q=acme", headers=headers).json["items"]}
    assert client.get(f"/api/v1/buyers/{ids['DE']}/light", headers=headers).status_code == 200
    again = client.get(f"/api/v1/buyers/{ids['DE']}/light", headers=headers)
    assert again.status_code == 200  # the same buyer the same day: not counted again

    refused = client.get(f"/api/v1/buyers/{ids['GB']}/light", headers=headers)
    assert refused.status_code == 429
    sentence = refused.json["error"]["message"]
    assert "今天的红绿灯查询次数（2 次）已用完" in sentence
    assert chat.say("o-api-quota", "查询 Acme Handels 英国") == sentence

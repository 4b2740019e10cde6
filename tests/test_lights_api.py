"""The mini-program API of 资信红绿灯 over HTTP: search with a country, the light with its
reasons, the quota for followers, history shared with the chat, the error shape, and buyer ids
that cannot be walked through the registry."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from core.ids import PATTERN, id_codec
from core.workdays import beijing_day
from lights.importer import upsert_buyers
from lights.links import BUYER_ID_PURPOSE, buyer_ids
from lights.models import Buyer
from lights.rows import clean_row
from lights.service import DailyQuota, recent_lookups
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
    gone = buyer_ids(services.settings.secret_key).encode(999999)
    response = get(live_server, f"/api/v1/buyers/{gone}/light", token)
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "找不到该买方",
                                        "details": {}}


OPAQUE = re.compile(PATTERN)


def database_ids(db) -> list[int]:
    return sorted(db.scalars(select(Buyer.id)))


def test_buyer_ids_in_answers_are_opaque_and_open_the_light(services, buyers, live_server, db):
    token, _ = follower_token(services, "o-api-opaque")
    found = get(live_server, "/api/v1/buyers", token, q="acme handels").json()
    ids = [item["id"] for item in found["items"]]
    assert len(set(ids)) == 2 and all(OPAQUE.fullmatch(value) for value in ids)
    assert not set(ids) & {str(number) for number in database_ids(db)}
    light = get(live_server, f"/api/v1/buyers/{ids[0]}/light", token).json()
    assert light["buyer"]["id"] == ids[0]
    best = get(live_server, "/api/v1/buyers", token, q="山田電気").json()
    assert best["best_id"] == best["items"][0]["id"] and OPAQUE.fullmatch(best["best_id"])


def test_walking_sequential_ids_finds_nothing_and_counts_nothing(services, buyers, live_server,
                                                                  db):
    """The attack: GET /buyers/1..60/light with a follower token enumerated the registry."""
    token, _ = follower_token(services, "o-api-walker")
    for number in range(1, 61):
        response = get(live_server, f"/api/v1/buyers/{number}/light", token)
        assert response.status_code == 404, number
        assert set(response.json()["error"]) == {"code", "message", "details"}
    assert recent_lookups(db, "o-api-walker") == []
    quota = DailyQuota.configured(services.redis.text, services.settings.section("lights"))
    assert quota.used("o-api-walker", beijing_day(services.clock())) == 0


def forgeries(services, real: str) -> dict[str, str]:
    codec = buyer_ids(services.settings.secret_key)
    last = "aeimquy4"
    return {
        "the last character changed": real[:-1] + last[(last.index(real[-1]) + 1) % 8],
        "the first character changed": ("b" if real[0] == "a" else "a") + real[1:],
        "two ids spliced": real[:13] + codec.encode(7)[13:],
        "all a": "a" * 26,
        "another purpose": id_codec(services.settings.secret_key, "staff").encode(1),
        "another secret key": id_codec("some-other-secret", BUYER_ID_PURPOSE).encode(1),
        "upper case": real.upper(),
        "not canonical": real[:-1] + "b",
        "too long": real + "a",
        "too short": real[:-1],
        "a database id": "1",
        "negative": "-1",
        "huge": "9" * 40,
        "unicode": "买方" * 13,
        "percent-encoded NUL": "%00" * 9,
    }


def test_forged_and_malformed_ids_are_a_404_that_tells_nothing(services, buyers, live_server,
                                                               db):
    token, _ = follower_token(services, "o-api-forger")
    real = get(live_server, "/api/v1/buyers", token, q="acme handels").json()["items"][0]["id"]
    missing = buyer_ids(services.settings.secret_key).encode(999999)
    gone = get(live_server, f"/api/v1/buyers/{missing}/light", token)
    for name, forged in forgeries(services, real).items():
        response = get(live_server, f"/api/v1/buyers/{forged}/light", token)
        assert response.status_code == 404, name
        error = response.json()["error"]
        assert error["code"] == "not_found" and error["details"] == {}, name
        if OPAQUE.fullmatch(forged):  # reaches the view: word for word a buyer that is gone
            assert response.json() == gone.json(), name
    assert recent_lookups(db, "o-api-forger") == []


def test_the_document_describes_buyer_ids_as_opaque_strings(live_server):
    spec = requests.get(f"{live_server}/api/v1/openapi.json", timeout=5).json()
    path = spec["paths"]["/api/v1/buyers/{buyer_id}/light"]
    [parameter] = [p for p in path.get("parameters", []) + path["get"].get("parameters", [])
                   if p["name"] == "buyer_id"]
    schemas = spec["components"]["schemas"]
    for schema in (parameter["schema"], schemas["Buyer"]["properties"]["id"],
                   schemas["Search"]["properties"]["best_id"]):
        assert schema["type"] in ("string", ["string", "null"]), schema
        assert schema["pattern"] == f"^{PATTERN}$" and schema["maxLength"] == 26


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

"""The one API shape: error bodies and statuses, pagination, idempotent POSTs, rate limits."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from identity.models import StaffAccount
from tests.conftest import free_port, make_app

from helpers import follower_token, make_staff, staff_token

PASSWORD = "a-long-enough-secret"


def error_of(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "details", "message"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


def bearer_for_new_staff(services, username: str, roles: list[str]) -> dict[str, str]:
    token = staff_token(services, make_staff(services, username, roles))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_auth(services):
    return bearer_for_new_staff(services, "adm", ["admin"])


def new_staff(username: str) -> dict:
    return {"username": username, "display_name": "测试", "password": PASSWORD,
            "roles": ["operator"]}


def test_validation_error_names_the_fields(live_server, admin_auth):
    bad = {"username": "X", "display_name": "", "password": "short", "roles": ["boss"]}
    error = error_of(requests.post(f"{live_server}/api/v1/staff", json=bad, headers=admin_auth,
                                   timeout=5), 422)
    assert error["code"] == "validation_error"
    assert set(error["details"]["json"]) == {"username", "display_name", "password", "roles"}


def test_a_username_outside_the_documented_pattern_is_refused(live_server, admin_auth):
    error = error_of(requests.post(f"{live_server}/api/v1/staff", headers=admin_auth, timeout=5,
                                   json=new_staff("Bad Name!")), 422)
    assert list(error["details"]["json"]) == ["username"]


def test_lone_surrogates_in_json_are_refused_before_the_database(live_server, admin_auth):
    # "\\ud800" in JSON text is valid JSON, but decodes to a string no database can store.
    body = json.dumps(new_staff("ok.name"), ensure_ascii=False).replace('"测试"', '"\\ud800"')
    assert "\\ud800" in body
    response = requests.post(f"{live_server}/api/v1/staff", data=body.encode(), timeout=5,
                             headers={**admin_auth, "Content-Type": "application/json"})
    assert error_of(response, 400)["code"] == "bad_request"


def test_malformed_json_is_a_400(live_server, admin_auth):
    response = requests.post(f"{live_server}/api/v1/staff", data="{not json", timeout=5,
                             headers={**admin_auth, "Content-Type": "application/json"})
    assert error_of(response, 400)["code"] == "bad_request"


def test_auth_errors(live_server, services):
    assert error_of(requests.get(f"{live_server}/api/v1/staff", timeout=5), 401)["code"] == (
        "token_missing")
    token, _ = follower_token(services, "o-err")
    refused = requests.get(f"{live_server}/api/v1/staff",
                           headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert error_of(refused, 403)["details"] == {"permission": "staff.read"}


def test_not_found_conflict_and_unknown_routes(live_server, admin_auth):
    assert error_of(requests.get(f"{live_server}/api/v1/staff/999999", headers=admin_auth,
                                 timeout=5), 404)["code"] == "not_found"
    assert error_of(requests.get(f"{live_server}/api/v1/no-such-thing", timeout=5),
                    404)["code"] == "not_found"
    assert error_of(requests.put(f"{live_server}/api/v1/me", timeout=5),
                    405)["code"] == "method_not_allowed"
    first = requests.post(f"{live_server}/api/v1/staff", json=new_staff("dup.user"),
                          headers=admin_auth, timeout=5)
    assert first.status_code == 201
    again = requests.post(f"{live_server}/api/v1/staff", json=new_staff("dup.user"),
                          headers=admin_auth, timeout=5)
    assert error_of(again, 409)["code"] == "duplicate"


def test_pagination(live_server, services, admin_auth):
    for number in range(5):
        make_staff(services, f"pager{number}", ["operator"])
    page = requests.get(f"{live_server}/api/v1/staff", params={"page": 2, "per_page": 2},
                        headers=admin_auth, timeout=5).json()
    assert page["page"] == {"page": 2, "per_page": 2, "total": 6, "pages": 3}
    assert [item["username"] for item in page["items"]] == ["pager1", "pager2"]
    too_big = requests.get(f"{live_server}/api/v1/staff", params={"per_page": 1000},
                           headers=admin_auth, timeout=5)
    assert "per_page" in error_of(too_big, 422)["details"]["query"]


def count_staff(services) -> int:
    services.db.session.expire_all()
    return services.db.session.scalar(select(func.count()).select_from(StaffAccount))


def test_a_retried_post_creates_one_thing(live_server, services, admin_auth):
    key = str(uuid.uuid4())
    headers = {**admin_auth, "Idempotency-Key": key}
    url = f"{live_server}/api/v1/staff"
    with ThreadPoolExecutor(4) as pool:  # the same request, sent again and again at once
        answers = list(pool.map(
            lambda _: requests.post(url, json=new_staff("once"), headers=headers, timeout=10),
            range(4)))
    created = [a for a in answers if a.status_code == 201]
    assert created and all(a.json()["id"] == created[0].json()["id"] for a in created)
    assert {a.status_code for a in answers} <= {201, 409}
    assert count_staff(services) == 2  # the admin and one new account
    later = requests.post(url, json=new_staff("once"), headers=headers, timeout=10)
    assert later.status_code == 201 and later.json() == created[0].json()
    assert later.headers["Idempotent-Replayed"] == "true"
    reused = requests.post(url, json=new_staff("other"), headers=headers, timeout=10)
    assert error_of(reused, 409)["code"] == "idempotency_key_reused"
    bad_key = requests.post(url, json=new_staff("x.y.z"), timeout=10,
                            headers={**admin_auth, "Idempotency-Key": "short"})
    assert error_of(bad_key, 422)["details"]["headers"]
    assert count_staff(services) == 2


def test_idempotency_keys_are_per_caller(live_server, services):
    first = bearer_for_new_staff(services, "a1", ["admin"])
    second = bearer_for_new_staff(services, "a2", ["admin"])
    key = {"Idempotency-Key": "shared-key-123"}
    url = f"{live_server}/api/v1/staff"
    assert requests.post(url, json=new_staff("by.first"), headers={**first, **key},
                         timeout=10).status_code == 201
    assert requests.post(url, json=new_staff("by.second"), headers={**second, **key},
                         timeout=10).status_code == 201


@contextmanager
def serve(application) -> Iterator[str]:
    """Another app (``make_app``) served over real HTTP on its own port: its base URL."""
    server = make_server("127.0.0.1", free_port(), application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def limited_server(base_config):
    """A second app with a small limit, served over real HTTP on its own port."""
    application = make_app(base_config, api={"rate_limit_per_minute": 3,
                                             "anonymous_rate_limit_per_minute": 2})
    with serve(application) as url:
        yield application, url


def test_rate_limit_per_token(limited_server):
    application, url = limited_server
    from core.services import EXTENSION_KEY

    services = application.extensions[EXTENSION_KEY]
    with application.app_context():
        token_a, _ = follower_token(services, "o-rate-a")
        token_b, _ = follower_token(services, "o-rate-b")
    first = [requests.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token_a}"},
                          timeout=5) for _ in range(4)]
    assert [r.status_code for r in first] == [200, 200, 200, 429]
    assert first[0].headers["X-RateLimit-Remaining"] == "2"
    limited = error_of(first[-1], 429)
    assert limited["code"] == "rate_limited" and limited["details"]["limit"] == 3
    assert int(first[-1].headers["Retry-After"]) > 0
    # Another token has its own budget; callers without a token share the anonymous one.
    assert requests.get(f"{url}/api/v1/me", headers={"Authorization": f"Bearer {token_b}"},
                        timeout=5).status_code == 200
    anonymous = [requests.get(f"{url}/api/v1/me", timeout=5).status_code for _ in range(3)]
    assert anonymous == [401, 401, 429]

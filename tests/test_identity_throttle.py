"""Staff sign-in throttling (identity.throttle): a stranger's wrong passwords stop the
stranger, never the owner from another address or from a browser that signed in before;
every decision is audited; the counters expire."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from core.config import ConfigError, load_settings
from core.redis_store import KEY_PREFIX
from core.services import EXTENSION_KEY
from identity.models import AuditEntry
from identity.throttle import counting_network, shown_network
from tests.conftest import make_app

from helpers import TEST_PASSWORD, make_staff

STRANGER = "203.0.113.7"
OWNER_ADDRESS = "198.51.100.20"
WRONG = "guess-guess-guess"
DEVICE_COOKIE = "xinbao_staff_device"


def token(client, username: str, password: str = WRONG, address: str = STRANGER):
    return client.post("/api/v1/staff/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def page_sign_in(client, username: str, password: str = WRONG, address: str = STRANGER):
    form = client.get("/staff/login", environ_base={"REMOTE_ADDR": address})
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text).group(1)
    return client.post("/staff/login", environ_base={"REMOTE_ADDR": address}, data={
        "csrf_token": csrf, "username": username, "password": password})


# Each helper opens its own short app context: a test that held one open would share ``g``
# (and so the CSRF token and the signed-in member) between the test client's requests.


def add_staff(app, *usernames: str) -> list[int]:
    with app.app_context():
        return [make_staff(app.extensions[EXTENSION_KEY], name, ["operator"]).id
                for name in usernames]


def audit_rows(app, *actions: str) -> list[AuditEntry]:
    with app.app_context():
        session = app.extensions[EXTENSION_KEY].db.session
        query = select(AuditEntry).order_by(AuditEntry.id)
        if actions:
            query = query.where(AuditEntry.action.in_(actions))
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def throttle_entries(app) -> list[AuditEntry]:
    return audit_rows(app, "staff.sign_in_throttled", "staff.sign_in_refused")


def signin_keys(app) -> dict[str, int]:
    redis = app.extensions[EXTENSION_KEY].redis.text
    return {name: redis.ttl(name) for name in redis.scan_iter(f"{KEY_PREFIX}signin:*")}


def test_a_strangers_failures_stop_the_stranger_not_the_owner_elsewhere(app):
    [owner_id] = add_staff(app, "owner")
    stranger = app.test_client()
    for _ in range(4):
        assert token(stranger, "owner").status_code == 401
    fifth = token(stranger, "owner")
    assert fifth.status_code == 429 and fifth.headers["Retry-After"] == "900"
    error = fifth.json["error"]
    assert error["code"] == "sign_in_locked" and error["details"]["scope"] == "pair"
    assert "15 分钟后再试" in error["message"]
    # Even the right password is not checked from the stranger's address now...
    refused = token(stranger, "owner", TEST_PASSWORD)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 900
    # ...while the owner from another address signs in at once.
    assert token(app.test_client(), "owner", TEST_PASSWORD, OWNER_ADDRESS).status_code == 201

    locked, first_refusal = throttle_entries(app)
    assert (locked.action, locked.actor, locked.target_id) == (
        "staff.sign_in_throttled", "anonymous", str(owner_id))
    assert locked.after["scope"] == "pair" and locked.after["failures"] == 5
    assert locked.after["seconds"] == 900 and locked.after["username"] == "owner"
    assert locked.after["address"] == "203.0.113.0/24"  # truncated, never the full address
    assert STRANGER not in str(locked.after) and len(locked.after["address_hash"]) == 12
    assert first_refusal.action == "staff.sign_in_refused"
    assert first_refusal.after["address_hash"] == locked.after["address_hash"]
    # Only the first refusal under a lock is written: the log cannot be flooded.
    for _ in range(3):
        assert token(stranger, "owner").status_code == 429
    assert len(throttle_entries(app)) == 2
    assert not any(WRONG in str(row.after) or TEST_PASSWORD in str(row.after)
                   for row in audit_rows(app))


def test_the_owner_on_a_known_device_gets_in_from_a_locked_address(app):
    add_staff(app, "owner", "colleague")
    owner = app.test_client()
    assert page_sign_in(owner, "owner", TEST_PASSWORD, STRANGER).status_code == 302
    cookie = owner.get_cookie(DEVICE_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    # A stranger behind the same address (one office NAT) locks the pair and the address.
    stranger = app.test_client()
    for _ in range(5):
        token(stranger, "owner")
    for number in range(15):
        token(stranger, f"someone{number}")
    assert token(stranger, "colleague", TEST_PASSWORD).json["error"]["details"]["scope"] == \
        "address"
    # The owner's browser still gets in, by page and by API, from that very address.
    assert page_sign_in(owner, "owner", TEST_PASSWORD, STRANGER).status_code == 302
    assert token(owner, "owner", TEST_PASSWORD, STRANGER).status_code == 201
    # The cookie vouches only for the usernames that signed in with it.
    assert token(owner, "colleague", TEST_PASSWORD, STRANGER).status_code == 429
    # A browser without it sees the lock, in Chinese, with Retry-After.
    fresh = app.test_client()
    page = page_sign_in(fresh, "owner", TEST_PASSWORD, STRANGER)
    assert page.status_code == 429 and "此网络地址的登录失败次数过多" in page.text
    assert 0 < int(page.headers["Retry-After"]) <= 900
    scopes = [(row.action, row.after["scope"]) for row in throttle_entries(app)]
    assert ("staff.sign_in_throttled", "pair") in scopes
    assert ("staff.sign_in_throttled", "address") in scopes
    assert ("staff.sign_in_refused", "address") in scopes
    # A forged or altered cookie is no device at all.
    forged = app.test_client()
    forged.set_cookie(DEVICE_COOKIE, cookie.value[:-2] + "xx")
    assert token(forged, "owner", TEST_PASSWORD, STRANGER).status_code == 429


def test_one_address_trying_many_usernames_is_stopped(app):
    add_staff(app, "target")
    stranger = app.test_client()
    for number in range(19):
        assert token(stranger, f"user{number}").status_code == 401
    twentieth = token(stranger, "user19")
    assert twentieth.status_code == 429
    assert twentieth.json["error"]["details"]["scope"] == "address"
    assert token(stranger, "target", TEST_PASSWORD).status_code == 429
    assert token(app.test_client(), "target", TEST_PASSWORD, OWNER_ADDRESS).status_code == 201


def test_a_distributed_attack_brings_slow_mode_not_a_lockout(base_config):
    quick = make_app(base_config, identity={"sign_in_failures_per_account": 6})
    add_staff(quick, "owner")
    owner = quick.test_client()
    assert token(owner, "owner", TEST_PASSWORD, OWNER_ADDRESS).status_code == 201
    bots = quick.test_client()
    for number in range(5):
        assert token(bots, "owner", address=f"192.0.2.{number}").status_code == 401
    sixth = token(bots, "owner", address="192.0.2.5")  # the ceiling: slow mode starts
    assert sixth.status_code == 429 and sixth.headers["Retry-After"] == "3600"
    # In slow mode one failure locks a new address for the longest lock.
    first_try = token(bots, "owner", address="192.0.2.99")
    assert first_try.status_code == 429 and first_try.headers["Retry-After"] == "3600"
    assert first_try.json["error"]["details"]["slow_mode"] is True
    assert "受到大量来自不同网络的密码尝试" in first_try.json["error"]["message"]
    again = token(bots, "owner", TEST_PASSWORD, address="192.0.2.99")  # the password unchecked
    assert again.status_code == 429 and again.json["error"]["details"]["slow_mode"] is True
    # The owner is not locked out: a new address with the right password, or the known device.
    assert token(quick.test_client(), "owner", TEST_PASSWORD, "192.0.2.200").status_code == 201
    assert token(owner, "owner", TEST_PASSWORD, "192.0.2.99").status_code == 201
    slow = [row for row in throttle_entries(quick) if row.after["scope"] == "account"]
    assert len(slow) == 1 and slow[0].after["failures"] == 6
    assert "slow mode" in slow[0].note


def test_a_known_device_that_keeps_guessing_loses_its_trust(base_config):
    app = make_app(base_config, identity={"sign_in_failures_per_device": 3})
    add_staff(app, "owner")
    device = app.test_client()
    assert token(device, "owner", TEST_PASSWORD).status_code == 201
    for _ in range(3):
        assert token(device, "owner").status_code == 401
    # Now an ordinary client: the pair counts from zero and locks at five.
    for _ in range(4):
        assert token(device, "owner").status_code == 401
    assert token(device, "owner").status_code == 429
    assert [row.after["scope"] for row in throttle_entries(app)] == ["device", "pair"]


def test_every_key_expires_and_locks_end_and_grow(base_config):
    app = make_app(base_config, identity={"sign_in_lock_seconds": 1,
                                          "sign_in_max_lock_seconds": 2,
                                          "sign_in_window_seconds": 30})
    add_staff(app, "owner")
    stranger = app.test_client()
    for _ in range(5):
        last = token(stranger, "owner")
    assert last.status_code == 429 and last.headers["Retry-After"] == "1"
    ttls = signin_keys(app)
    assert ttls and all(0 < ttl <= 24 * 3600 for ttl in ttls.values()), ttls
    counters = [name for name in ttls if ":failures:" in name]
    assert counters and all(ttls[name] <= 30 for name in counters)
    time.sleep(1.2)
    assert token(stranger, "owner").status_code == 401  # the lock has ended
    for _ in range(4):
        last = token(stranger, "owner")
    assert last.status_code == 429 and last.headers["Retry-After"] == "2"  # the second doubles
    assert [row.after["seconds"] for row in throttle_entries(app)] == [1, 2]


def test_x_forwarded_for_counts_only_behind_a_configured_proxy(app, base_config):
    add_staff(app, "owner")
    client = app.test_client()
    for number in range(5):  # a client cannot pick a new address per guess
        last = client.post("/api/v1/staff/tokens", json={"username": "owner", "password": WRONG},
                           headers={"X-Forwarded-For": f"192.0.2.{number}"},
                           environ_base={"REMOTE_ADDR": STRANGER})
    assert last.status_code == 429
    proxied = make_app(base_config, identity={"trusted_proxies": 1})
    client = proxied.test_client()
    for number in range(6):  # behind one proxy, its last X-Forwarded-For hop is the client
        answer = client.post("/api/v1/staff/tokens",
                             json={"username": "owner", "password": WRONG},
                             headers={"X-Forwarded-For": f"10.9.9.9, 192.0.2.{number}"},
                             environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert answer.status_code == 401
    # One database for both apps: the only lock is the first client's.
    assert [row.after["address"] for row in throttle_entries(proxied)] == ["203.0.113.0/24"]


@pytest.mark.parametrize("table, message", [
    ({"sign_in_failures_per_pair": 0}, "sign_in_failures_per_pair"),
    ({"sign_in_window_seconds": "soon"}, "sign_in_window_seconds"),
    ({"sign_in_lock_seconds": 600, "sign_in_max_lock_seconds": 60}, "sign_in_max_lock"),
    ({"trusted_proxies": 9}, "trusted_proxies"),
])
def test_bad_limits_stop_the_start(table, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({"env": "development", "identity": table}, environ={})


def test_addresses_are_counted_per_subscriber_and_shown_truncated():
    assert counting_network("2001:db8:1:2:aaaa::1") == counting_network("2001:db8:1:2:ffff::9")
    assert counting_network("2001:db8:1:2::1") != counting_network("2001:db8:1:3::1")
    assert counting_network("::ffff:203.0.113.7") == "203.0.113.7"
    assert shown_network("2001:db8:1:2::1") == "2001:db8:1::/48"
    assert shown_network("203.0.113.7") == "203.0.113.0/24"
    assert shown_network("not an address") == "unknown"

"""Hostile request bodies, sent over real HTTP to every operation of the OpenAPI document that
takes one (so a new endpoint is covered as soon as it is registered): JSON nested 30 000 deep,
over the size limit, not UTF-8, not standard JSON, of the wrong top-level type or in another
media type is a 400, 413, 415 or 422 in the one error shape, never a 500 (``api.body``)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from tests.conftest import make_app
from tests.loan_data import sign
from tests.test_api_access import ENDPOINTS
from tests.test_api_errors import error_of, serve

from helpers import follower_token, make_staff, staff_token

LIMIT = 65536  # config.toml's [api] max_body_bytes
DEPTH = 32  # [api] max_json_depth
JSON = "application/json"


def padded(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes (an unknown field: a 422 if it is read)."""
    frame = b'{"x": ""}'
    return frame[:-2] + b"a" * (size - len(frame)) + frame[-2:]


def nested(depth: int) -> bytes:
    """An object at the top (so it reaches the schema) holding arrays: ``depth`` levels."""
    return b'{"x": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


# name -> (body, Content-Type or None, status, error code)
CASES: dict[str, tuple[bytes, str | None, int, str]] = {
    "arrays 30000 deep": (b"[" * 30000 + b"]" * 30000, JSON, 400, "bad_request"),
    "arrays 30000 deep, never closed": (b"[" * 30000, JSON, 400, "bad_request"),
    "objects one too deep": (b'{"a":' * (DEPTH + 1) + b"1" + b"}" * (DEPTH + 1), JSON, 400,
                             "bad_request"),
    "arrays one too deep": (nested(DEPTH + 1), JSON, 400, "bad_request"),
    "as deep as allowed": (nested(DEPTH), JSON, 422, "validation_error"),
    "brackets in a string do not nest": (json.dumps({"x": "[{" * 5000}).encode(), JSON, 422,
                                         "validation_error"),
    "escaped quotes in a string": (b'{"x": "\\"' + b"[" * 100 + b'\\\\"}', JSON, 422,
                                   "validation_error"),
    "one byte over the limit": (padded(LIMIT + 1), JSON, 413, "payload_too_large"),
    "a megabyte": (padded(1 << 20), JSON, 413, "payload_too_large"),
    "exactly the limit": (padded(LIMIT), JSON, 422, "validation_error"),
    "latin-1": ('{"x": "é"}'.encode("latin-1"), JSON, 400, "bad_request"),
    "UTF-16": ('{"x": "y"}'.encode("utf-16"), JSON, 400, "bad_request"),
    "a UTF-8 byte order mark": (b'\xef\xbb\xbf{"x": 1}', JSON, 400, "bad_request"),
    "NaN": (b'{"x": NaN}', JSON, 400, "bad_request"),
    "-Infinity": (b'{"x": -Infinity}', JSON, 400, "bad_request"),
    "a float overflow": (b'{"x": 1e999}', JSON, 400, "bad_request"),
    "an integer of 5000 digits": (b'{"x": ' + b"7" * 5000 + b"}", JSON, 400, "bad_request"),
    "truncated": (b'{"x": [1, 2', JSON, 400, "bad_request"),
    "not JSON": (b"<xml/>", JSON, 400, "bad_request"),
    "a lone surrogate": (b'{"x": "\\udc00"}', JSON, 400, "bad_request"),
    "an array": (b"[]", JSON, 422, "validation_error"),
    "a string": (b'"x"', JSON, 422, "validation_error"),
    "a number": (b"1", JSON, 422, "validation_error"),
    "null": (b"null", JSON, 422, "validation_error"),
    "true": (b"true", JSON, 422, "validation_error"),
    "text/plain": (b'{"x": 1}', "text/plain", 415, "unsupported_media_type"),
    "a form": (b"code=abc", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    "no Content-Type": (b'{"x": 1}', None, 415, "unsupported_media_type"),
}


@pytest.fixture
def body_operations(services, live_server) -> list[tuple[str, str, dict[str, str]]]:
    """(method, URL, headers) of every operation that takes a body, with a caller allowed
    to reach it (the rows of test_api_access), so the body is what gets judged."""
    follower, owner = follower_token(services, "o-bodies")
    admin = make_staff(services, "bodies.admin", ["admin"])
    tokens = {"follower": follower, "admin": staff_token(services, admin)}
    places = {"follower_id": owner.id, "staff_id": make_staff(services, "bodies.op",
                                                              ["operator"]).id}
    rows = {str(endpoint): endpoint for endpoint in ENDPOINTS}
    spec = requests.get(f"{live_server}/api/v1/openapi.json", timeout=5).json()
    operations = []
    for path, items in spec["paths"].items():
        for method, operation in items.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            headers, here = {}, dict(places)
            row = rows.get(f"{method.upper()} {path}")
            if operation.get("security"):
                caller = "follower" if "follower" in row.may else "admin"
                headers["Authorization"] = f"Bearer {tokens[caller]}"
            if row is not None and row.prepare is not None:  # a record of its own
                here.update(row.prepare(services, {}))
            if path == "/api/v1/referrals/callback":  # a bank: each body signed (send)
                headers["X-Xinbao-Bank"] = "ccb"
            operations.append((method.upper(), live_server + path.format(**here), headers))
    assert len(operations) >= 5  # session, staff tokens, me, new staff, staff change
    return operations


def send(method: str, url: str, headers: dict[str, str], body: Any,
         content_type: str | None) -> requests.Response:
    if content_type:
        headers = {**headers, "Content-Type": content_type}
    if "X-Xinbao-Bank" in headers:  # the banks' callback: signed, so the body is judged
        stamp = str(int(time.time()))
        headers = {**headers, "X-Xinbao-Timestamp": stamp,
                   "X-Xinbao-Signature": sign(body, stamp)}
    return requests.request(method, url, data=body, headers=headers, timeout=30)


@pytest.mark.parametrize("name", CASES)
def test_every_body_is_judged_before_it_is_parsed(name, body_operations):
    body, content_type, status, code = CASES[name]
    for method, url, headers in body_operations:
        response = send(method, url, headers, body, content_type)
        assert error_of(response, status)["code"] == code, (method, url)


def test_the_refusals_say_why(body_operations):
    method, url, headers = body_operations[0]
    deep = error_of(send(method, url, headers, nested(DEPTH + 1), JSON), 400)
    assert deep["details"] == {"json": [f"JSON 嵌套超过 {DEPTH} 层"]}
    large = error_of(send(method, url, headers, padded(LIMIT + 1), JSON), 413)
    assert large["details"] == {"max_bytes": LIMIT}
    latin = error_of(send(method, url, headers, '{"x": "é"}'.encode("latin-1"), JSON), 400)
    assert latin["details"] == {"json": ["请求内容须为 UTF-8 编码"]}


def test_a_chunked_body_is_held_to_the_limit(body_operations):
    """No Content-Length to refuse up front: the stream is cut off at the limit."""
    method, url, headers = body_operations[0]
    chunks = iter([b'{"x": "', *([b"a" * 8192] * 9), b'"}'])
    response = requests.request(method, url, data=chunks, timeout=30,
                                headers={**headers, "Content-Type": JSON})
    assert error_of(response, 413)["code"] == "payload_too_large"
    small = requests.request(method, url, data=iter([b'{"x": ', b"[" * 40, b"]" * 40, b"}"]),
                             headers={**headers, "Content-Type": JSON}, timeout=30)
    assert error_of(small, 400)["code"] == "bad_request"


def test_the_api_has_its_own_limits_in_its_settings(base_config):
    """[api] max_body_bytes and max_json_depth, apart from the webhook's limit (64 KiB)."""
    roomy = make_app(base_config, api={"max_body_bytes": 200_000, "max_json_depth": 4})
    strict = make_app(base_config, api={"max_body_bytes": 1024})
    with serve(roomy) as roomy_url, serve(strict) as strict_url:
        login = "/api/v1/staff/tokens"
        big = send("POST", roomy_url + login, {}, padded(100_000), JSON)
        assert error_of(big, 422)["code"] == "validation_error"  # read: the webhook's 64 KiB
        assert error_of(send("POST", roomy_url + login, {}, nested(5), JSON), 400)
        assert error_of(send("POST", roomy_url + login, {}, nested(4), JSON), 422)
        small = send("POST", strict_url + login, {}, padded(2048), JSON)
        assert error_of(small, 413)["details"] == {"max_bytes": 1024}
        assert error_of(send("POST", strict_url + login, {}, padded(1024), JSON), 422)


def test_the_document_names_the_body_refusals(live_server):
    spec = requests.get(f"{live_server}/api/v1/openapi.json", timeout=5).json()
    with_body = [operation for items in spec["paths"].values() for operation in items.values()
                 if isinstance(operation, dict) and "requestBody" in operation]
    assert with_body
    for operation in with_body:
        assert {"400", "413", "415", "422"} <= set(operation["responses"]), operation

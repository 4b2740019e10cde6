"""Request bodies of the JSON API, judged before anything parses them recursively.

- Size: ``[api] max_body_bytes`` (64 KiB; the webhook has its own limit). A Content-Length
  over it is a 413 before a byte is read; a chunked body is cut off at the limit, also a 413.
- Nesting: arrays and objects deeper than ``[api] max_json_depth`` (32) are a 400, found by
  one pass over the bytes (the brackets outside strings) before the JSON is parsed, so a body
  of 30 000 ``[`` never reaches a recursive parser.
- JSON: UTF-8, standard JSON (no ``NaN`` or ``Infinity``, no number a float or Python cannot
  hold), strings a database can store (no lone UTF-16 surrogates); else a 400.
- A body in another media type to an endpoint that takes JSON: 415.
- The wrong top-level type (``[]``, ``"x"``, ``null`` for an object): the schema's 422.

``ApiBlueprint`` applies all of it: ``limit_body`` to every request, ``JsonParser`` to every
``@blp.arguments`` body.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any, NoReturn

from flask import request
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from api.errors import PayloadTooLarge
from api.settings import api_settings

# The nesting, found without parsing: escape pairs out, then strings, then all but brackets.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')  # once the escapes are gone, a string has no quote inside
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_STEP = [1 if byte in b"[{" else -1 if byte in b"]}" else 0 for byte in range(256)]


def limit_body() -> None:
    """before_request of every API blueprint: the API's own size limit for this request.

    A Content-Length over it is refused here. A chunked body (no Content-Length) is read to
    one byte past the limit at most (werkzeug stops there silently), so that the parser can
    tell a body of exactly the limit from a longer one (``read_body``)."""
    limit = api_settings().max_body_bytes
    request.max_content_length = limit + 1
    if request.content_length is not None and request.content_length > limit:
        _too_large(limit)


def read_body() -> bytes:
    """The request body, at most ``max_body_bytes``; a longer one raises the 413."""
    data = request.get_data(cache=True)
    limit = api_settings().max_body_bytes
    if len(data) > limit:
        _too_large(limit)
    return data


def _too_large(limit: int) -> NoReturn:
    raise PayloadTooLarge(details={"max_bytes": limit})


def nesting_exceeds(data: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects more than ``limit`` deep.

    Linear, without recursion or a Python loop per byte, on the raw bytes (a UTF-8 sequence
    never holds an ASCII byte, so the encoding need not be known yet): escape pairs removed,
    then strings, then everything but brackets; the deepest point is the largest running sum
    of +1 per opening and -1 per closing bracket. On text that is not JSON the answer may be
    either; the parser then refuses it anyway.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", data)).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


class BadJson(ValueError):
    """A body the API refuses to read; the message is Chinese and safe to show."""


def read_json(data: bytes, max_depth: int) -> Any:
    """The value of a JSON body, or ``BadJson``; nothing else escapes, whatever ``data`` is."""
    if nesting_exceeds(data, max_depth):
        raise BadJson(f"JSON 嵌套超过 {max_depth} 层")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("请求内容须为 UTF-8 编码") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except ValueError:  # not JSON, NaN, 1e999, an integer of more digits than int() reads
        raise BadJson("请求内容不是合法的 JSON") from None
    if not _encodable(value):
        raise BadJson("字符串含有无法保存的字符（孤立的 UTF-16 代理）")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} overflows a float")
    return number


def _encodable(value: object) -> bool:
    """No lone UTF-16 surrogates ("\\ud800"): valid JSON, but no database can store them.
    (Recursive, after ``nesting_exceeds`` has bounded the depth.)"""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(key) and _encodable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_encodable(item) for item in value)
    return True


class JsonParser(FlaskParser):
    """webargs' parser for ``@blp.arguments`` bodies, reading them with ``read_json``."""

    def _raw_load_json(self, req):  # type: ignore[no-untyped-def]
        data = read_body()
        if not data:
            return core.missing  # no body: the schema says what is missing
        if not is_json_request(req):
            abort(415, messages={"json": ["请使用 Content-Type: application/json"]})
        try:
            return read_json(data, api_settings().max_json_depth)
        except BadJson as error:
            abort(400, messages={"json": [str(error)]})

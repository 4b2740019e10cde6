"""``ApiBlueprint``: a flask-smorest Blueprint under ``/api/v1`` with the API's common parts
(rate limit, body limits and strict JSON, the one error shape, the OpenAPI marks of our
decorators)."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from api.body import JsonParser, limit_body
from api.docs import prepare_doc
from api.errors import ApiError, error_response, from_http_exception, from_identity_error
from api.ratelimit import add_rate_limit_headers, enforce_rate_limit
from identity import IdentityError

API_PREFIX = "/api/v1"
MAX_ID = 999_999_999


class IdConverter(IntegerConverter):
    """``/<id:thing_id>``: a database id, 1 … 999 999 999. Anything else does not match the
    route (a 404), instead of overflowing the database driver's integer.

    The limit is in the pattern, not in werkzeug's ``max=``: a value refused by ``max`` makes
    werkzeug answer 405 for the other methods of the path instead of 404."""

    regex = r"[1-9]\d{0,8}"

    def __init__(self, url_map) -> None:  # type: ignore[no-untyped-def]
        super().__init__(url_map, min=1, max=MAX_ID)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonParser()

    def __init__(self, name: str, import_name: str, *, url_prefix: str = "",
                 description: str = "") -> None:
        super().__init__(name, import_name, url_prefix=API_PREFIX + url_prefix,
                         description=description)
        self._prepare_doc_cbks.append(prepare_doc)
        self.before_request(enforce_rate_limit)
        self.before_request(limit_body)  # after the count: an oversized flood is rate limited
        self.after_request(add_rate_limit_headers)
        self.register_error_handler(ApiError, _api_error)
        self.register_error_handler(IdentityError, _identity_error)
        self.register_error_handler(HTTPException, _http_error)


def _api_error(error: ApiError) -> Response:
    return add_rate_limit_headers(error_response(error))


def _identity_error(error: IdentityError) -> Response:
    return _api_error(from_identity_error(error))


def _http_error(error: HTTPException) -> Response:
    return _api_error(from_http_exception(error))

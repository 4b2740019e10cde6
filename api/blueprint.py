"""``ApiBlueprint``: a flask-smorest Blueprint under ``/api/v1`` with the API's common parts
(rate limit, the one error shape, the OpenAPI marks of our decorators)."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from api.docs import prepare_doc
from api.errors import ApiError, error_response, from_http_exception, from_identity_error
from api.ratelimit import add_rate_limit_headers, enforce_rate_limit
from identity import IdentityError

API_PREFIX = "/api/v1"


class ApiBlueprint(Blueprint):
    def __init__(self, name: str, import_name: str, *, url_prefix: str = "",
                 description: str = "") -> None:
        super().__init__(name, import_name, url_prefix=API_PREFIX + url_prefix,
                         description=description)
        self._prepare_doc_cbks.append(prepare_doc)
        self.before_request(enforce_rate_limit)
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

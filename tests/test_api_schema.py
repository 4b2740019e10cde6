"""Property-based run of the whole API against its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, sent over real HTTP without a
token, with a follower's token and with an admin's; no answer may be a 5xx, and every answer
must have a documented status, content type and headers and match its schema. A new endpoint
is covered as soon as it is registered.

Not checked: that schema-valid input is accepted (a documented 422 for input that fits the
schema but not the domain — an unknown country, a taken name — is a correct answer), and that
invalid input is refused (our own Authorization header replaces the one a negative case
leaves out, so that would be a false alarm).

(schemathesis' own pytest loader does not work with pytest 9 yet, so the test drives its
hypothesis strategies directly.)
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpers import follower_token, make_staff, staff_token

EXAMPLES_PER_MODE = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth]
_numbers = itertools.count()


@pytest.fixture
def roomy_limits(app):
    """The run sends far more than a person would: lift the per-minute limits for it."""
    from api.settings import EXTENSION_KEY

    original = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = original.__class__(**{
        **original.__dict__, "rate_limit_per_minute": 1_000_000,
        "anonymous_rate_limit_per_minute": 1_000_000})
    yield
    app.extensions[EXTENSION_KEY] = original


def callers(services) -> list[dict[str, str]]:
    """Fresh callers for every example: an earlier one may have logged a token out or
    changed an account."""
    number = next(_numbers)
    admin = make_staff(services, f"schema.admin{number}", ["admin"])
    follower, _ = follower_token(services, f"o-schema-{number}")
    return [{}, {"Authorization": f"Bearer {follower}"},
            {"Authorization": f"Bearer {staff_token(services, admin)}"}]


def run_operation(operation, mode: GenerationMode, services, live_server: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              database=None)
    def run(case) -> None:
        for headers in callers(services):
            case.call_and_validate(base_url=live_server, headers=headers, checks=CHECKS)

    run()


def test_api_matches_its_openapi_document(services, live_server, roomy_limits):
    api = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    failures: list[str] = []
    operations = []
    for result in api.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:  # an operation the document describes wrongly
            failures.append(f"invalid operation in the document: {result.err()}")
    assert len(operations) >= 12
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, services, live_server)
            except Unsatisfiable:
                # No invalid request exists (no parameters, or a free-text path segment):
                # nothing to send in the negative mode. The positive mode still ran.
                if mode is not GenerationMode.NEGATIVE:
                    failures.append(f"{operation.label} [{mode.value}]: no request generated")
            except Exception as error:  # collected, so one run reports every operation
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    assert not failures, "\n\n".join(failures)

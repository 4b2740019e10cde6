"""Property-based run of the whole API against its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid, sent over real HTTP without a
token, with a follower's token and with an admin's; every answer must be documented, match
its schema, and none may be a 5xx. A new endpoint is covered as soon as it is registered.

(schemathesis' own pytest loader does not work with pytest 9 yet, so the test drives its
hypothesis strategies directly.)
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection

from identity.testing import follower_token, make_staff, staff_token

EXAMPLES_PER_MODE = 20
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
            case.call_and_validate(base_url=live_server, headers=headers,
                                   excluded_checks=excluded)

    # Our own Authorization header replaces the one a negative case leaves out, so "invalid
    # data was accepted" would be a false alarm there; 5xx and schema checks still apply.
    excluded = [negative_data_rejection] if mode is GenerationMode.NEGATIVE else []

    run()


def test_api_matches_its_openapi_document(services, live_server, roomy_limits):
    api = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    assert not_a_server_error  # part of the default checks that call_and_validate runs
    failures: list[str] = []
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode, services, live_server)
            except Exception as error:  # collected, so one run reports every operation
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    assert not failures, "\n\n".join(failures)

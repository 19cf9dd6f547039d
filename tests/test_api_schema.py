"""schemathesis against the app's own OpenAPI schema, for every role on every operation.

Each operation is called with a key of each of the four roles, in the whole city's jurisdiction,
on a database holding the sample network and a case waiting for an outcome, so generated requests
reach the code behind the role check for the roles it allows and meet the check for the others.
Every check schemathesis has runs (no 5xx, status codes and bodies as documented, headers,
content types) except "schema-valid data is accepted", see below. (schemathesis's pytest loader
does not run under pytest 9 yet, so each operation's strategy is driven with Hypothesis here.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.drive import drive, register
from tests.factories import a_key, a_new_case

ROLES = ("integrator", "mediator", "coordinator", "admin")
EXAMPLES_ALLOWED = 12  # per operation and role that may call it
EXAMPLES_REFUSED = 3  # per operation and role that may not: every one must be the documented 403
# Not checked: that schema-valid data is accepted. JSON Schema cannot say everything a record must
# be (an ID number's check digit, an area code inside the network, a case waiting for an outcome);
# such a record gets a documented 422 or 409 naming the field, which is what the API promises.


def test_every_role_on_every_operation_answers_as_the_schema_says(network, monkeypatch):
    from fengqiao.api.app import create_app
    from fengqiao.config.settings import get_settings

    monkeypatch.setenv("FENGQIAO_API_RATE_PER_MINUTE", "1000000")
    monkeypatch.setenv("FENGQIAO_ADDRESS_RATE_PER_MINUTE", "1000000")  # schemathesis sends invalid keys on purpose
    get_settings.cache_clear()
    case_no, case_id = register(a_new_case(channel_ref="SCHEMA-1"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(get_settings()))
    keys = {role: a_key(role, name=f"schema-{role}") for role in ROLES}
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {"/api/v1/intake/{channel}".replace("{channel}", c) for c in ("grid", "walk_in")} <= paths
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}/timeline", "/api/v1/stats", "/api/v1/webhooks"} <= paths

    calls = 0
    for operation in operations:
        allowed = operation.definition.raw.get("x-roles")
        for role in ROLES:
            may = allowed is None or role in allowed
            calls += exercise(operation, keys[role], EXAMPLES_ALLOWED if may else EXAMPLES_REFUSED, refused=not may)
    assert calls >= len(operations) * len(ROLES)


def exercise(operation, headers: dict[str, str], examples: int, *, refused: bool) -> int:  # type: ignore[no-untyped-def]
    made = 0

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def calls(case):  # type: ignore[no-untyped-def]
        nonlocal made
        response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        made += 1
        if refused:  # a role the operation does not list never gets past the check, whatever it sends
            assert response.status_code in (403, 413, 422), (operation.label, response.status_code, response.text)

    calls()
    return made

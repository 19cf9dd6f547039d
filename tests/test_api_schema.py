"""schemathesis against the app's own OpenAPI schema: no 5xx, answers match the schema, bad input is a 4xx.

Each operation is called with a key of a role it allows (its `x-roles`), in the whole city's
jurisdiction, on a database holding the sample network and a case waiting for an outcome, so
generated requests reach the code behind the role check. (schemathesis's pytest fixture loader
does not run under pytest 9 yet, so each operation's strategy is driven with Hypothesis here.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.drive import drive, register
from tests.factories import a_key, a_new_case

EXAMPLES_PER_OPERATION = 12
# Not checked: that schema-valid data is accepted. JSON Schema cannot say everything a record must
# be (an ID number's check digit, an area code inside the network, a case waiting for an outcome);
# such a record gets a documented 422 or 409 naming the field, which is what the API promises.


def test_the_api_answers_as_its_schema_says(network, monkeypatch):
    from api.app import create_app
    from config.settings import get_settings

    monkeypatch.setenv("FENGQIAO_API_RATE_PER_MINUTE", "100000")
    get_settings.cache_clear()
    case_no, case_id = register(a_new_case(channel_ref="SCHEMA-1"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(get_settings()))
    keys = {role: a_key(role, name=f"schema-{role}") for role in ("integrator", "mediator", "coordinator", "admin")}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 25  # 7 intake, 6 case, 2 escalation-paths, 7 network, stats, webhooks, health

    for operation in operations:
        roles = operation.definition.raw.get("x-roles") or ["coordinator"]
        exercise(operation, keys["coordinator" if "coordinator" in roles else roles[0]])


def exercise(operation, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def calls(case):  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    calls()

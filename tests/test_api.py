"""The HTTP API as integrators, mediators, coordinators and administrators use it (in-process, real database)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from fengqiao.cli.demo_papers import file_papers
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.clocks import day_of
from fengqiao.services.runtime import engine, now
from tests.drive import drive, register
from tests.factories import a_key, a_new_case, example_of
from tests.scanning import scanned_client

V1 = "/api/v1"


def error(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]


# --- intake ---------------------------------------------------------------------------------------
def test_intake_answers_202_with_the_case_and_the_same_case_for_a_repeated_key(api):
    platform = a_key("integrator", name="12345-platform")
    record = example_of("hotline_12345")

    first = api.post(f"{V1}/intake/hotline_12345", json=record, headers=platform | {"Idempotency-Key": "k-1"})
    again = api.post(f"{V1}/intake/hotline_12345", json=record, headers=platform | {"Idempotency-Key": "k-1"})

    assert first.status_code == 202 and again.status_code == 202
    body = first.json()
    assert {k: body[k] for k in ("case_id", "case_no", "status", "duplicate_of", "created")} == {
        "case_id": 1,
        "case_no": "FQ20260000001",
        "status": "received",
        "duplicate_of": None,
        "created": True,
    }
    assert body["flow_run_id"] is None  # a worker starts the run (the intake outbox, tests/test_outbox.py)
    assert again.json() == body | {"created": False}


def test_an_idempotency_key_belongs_to_the_key_that_used_it(api):
    one, other = a_key("integrator", name="platform-a"), a_key("integrator", name="platform-b")
    hotline, grid = example_of("hotline_12345"), example_of("grid")

    a = api.post(f"{V1}/intake/hotline_12345", json=hotline, headers=one | {"Idempotency-Key": "same"})
    b = api.post(f"{V1}/intake/grid", json=grid, headers=other | {"Idempotency-Key": "same"})

    assert (a.json()["case_no"], b.json()["case_no"]) == ("FQ20260000001", "FQ20260000002")


def test_a_bad_field_is_named_as_on_the_command_line(api):
    record = example_of("walk_in")
    record["applicant"]["id_number"] = "511502196002150045"  # wrong check digit

    status, body = error(api.post(f"{V1}/intake/walk_in", json=record, headers=a_key("integrator")))

    assert status == 422
    assert body == {
        "code": "invalid_input",
        "message": "record walk_in request, field applicant.id_number: 身份证号校验位错误 ID number's check digit is wrong",
        "field": "applicant.id_number",
    }


@pytest.mark.parametrize("field", ["status", "mediator", "org_code"])
def test_a_field_nobody_may_write_is_refused_by_name(api, field):
    record = example_of("hotline_12345") | {field: "closed"}

    status, body = error(api.post(f"{V1}/intake/hotline_12345", json=record, headers=a_key("integrator")))

    assert (status, body["field"], body["code"]) == (422, field, "invalid_input")
    assert body["message"].endswith("不认识的字段 unknown field, not accepted here")


def test_a_record_outside_the_keys_jurisdiction_is_refused(api):
    nanxi_only = a_key("integrator", areas=("511503",))

    status, body = error(api.post(f"{V1}/intake/hotline_12345", json=example_of("hotline_12345"), headers=nanxi_only))

    assert status == 403
    assert body == {
        "code": "outside_jurisdiction",
        "message": "区域 511502001001 不在密钥 integrator-511503 的辖区内 area 511502001001 is outside the jurisdiction of key integrator-511503",
        "field": "area_code",
    }


def test_a_body_that_is_not_json_is_an_error_naming_the_body(api):
    response = api.post(f"{V1}/intake/grid", content=b"{not json", headers=a_key("integrator"))
    assert error(response) == (
        422,
        {"code": "invalid_input", "message": "请求体不是有效的JSON the body is not JSON", "field": "body"},
    )


# --- reading cases: jurisdiction, masking, the access log -----------------------------------------
def test_a_case_is_masked_for_every_role_and_unmasked_only_with_a_reason_and_logged(api):
    case_id = api.post(f"{V1}/intake/walk_in", json=example_of("walk_in"), headers=a_key("integrator")).json()[
        "case_id"
    ]
    centre = a_key("coordinator", name="centre-cuiping", areas=("511502",))

    masked = api.get(f"{V1}/cases/{case_id}", headers=centre).json()
    shown = api.get(f"{V1}/cases/{case_id}", params={"unmask": True, "reason": "回访核实"}, headers=centre).json()

    assert masked["parties"] == [
        {"role": "applicant", "name": "周**", "id_number": "511502********0044", "phone": "138****2222"},
        {"role": "respondent", "name": "周**", "id_number": "", "phone": "138****3333"},
    ]
    assert "周建华" not in masked["summary"] and masked["masked"] is True
    assert shown["parties"][0] == {
        "role": "applicant",
        "name": "周建华",
        "id_number": "511502196002150044",
        "phone": "13800002222",
    }
    with UnitOfWork(engine()) as uow:
        log = uow.conn.execute(text("SELECT key_name, role, case_id, action, reason FROM access_log ORDER BY id")).all()
    assert [tuple(r) for r in log] == [
        ("centre-cuiping", "coordinator", case_id, "read_masked", "view"),
        ("centre-cuiping", "coordinator", case_id, "unmask", "回访核实"),
    ]


def test_unmasking_needs_a_role_that_may_and_a_reason(api):
    case_id = api.post(f"{V1}/intake/walk_in", json=example_of("walk_in"), headers=a_key("integrator")).json()[
        "case_id"
    ]

    assert error(api.get(f"{V1}/cases/{case_id}", params={"unmask": True, "reason": "x"}, headers=a_key("admin"))) == (
        403,
        {
            "code": "may_not_unmask",
            "message": "角色 admin 不能查看完整个人信息 role admin may not see personal data unmasked",
            "field": "unmask",
        },
    )
    assert error(api.get(f"{V1}/cases/{case_id}", params={"unmask": True}, headers=a_key("coordinator"))) == (
        422,
        {
            "code": "invalid_input",
            "message": "reason: 须说明查看完整个人信息的理由 say why personal data is unmasked",
            "field": "reason",
        },
    )


@pytest.mark.parametrize("statement", ["UPDATE access_log SET reason = 'nothing'", "DELETE FROM access_log"])
def test_the_access_log_cannot_be_altered(api, statement):
    case_id = api.post(f"{V1}/intake/walk_in", json=example_of("walk_in"), headers=a_key("integrator")).json()[
        "case_id"
    ]
    api.get(f"{V1}/cases/{case_id}", headers=a_key("coordinator"))

    with pytest.raises(Exception, match="access_log is append-only"), UnitOfWork(engine()) as uow:
        uow.conn.execute(text(statement))


def test_a_case_outside_the_jurisdiction_answers_as_if_it_did_not_exist(api):
    case_id = api.post(f"{V1}/intake/walk_in", json=example_of("walk_in"), headers=a_key("integrator")).json()[
        "case_id"
    ]
    nanxi = a_key("coordinator", areas=("511503",))

    elsewhere = error(api.get(f"{V1}/cases/{case_id}", headers=nanxi))
    missing = error(api.get(f"{V1}/cases/999999", headers=nanxi))

    assert elsewhere == (404, {"code": "case_not_found", "message": f"没有案件 no case '{case_id}'", "field": "case"})
    assert missing == (404, {"code": "case_not_found", "message": "没有案件 no case '999999'", "field": "case"})
    assert api.get(f"{V1}/cases", headers=nanxi).json()["total"] == 0


def test_the_list_filters_pages_and_never_carries_personal_data(api):
    integrator = a_key("integrator")
    for channel in ("hotline_12345", "grid", "walk_in"):
        api.post(f"{V1}/intake/{channel}", json=example_of(channel), headers=integrator)

    centre = a_key("coordinator")
    page = api.get(f"{V1}/cases", params={"limit": 2}, headers=centre).json()
    walk_ins = api.get(f"{V1}/cases", params={"channel": "walk_in"}, headers=centre).json()

    assert [c["case_no"] for c in page["items"]] == ["FQ20260000003", "FQ20260000002"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [c["case_no"] for c in walk_ins["items"]] == ["FQ20260000003"]
    assert not {"summary", "parties"} & set(page["items"][0])


# --- people's input -------------------------------------------------------------------------------
def test_an_outcome_is_stored_once_and_a_repetition_gets_the_same_answer(api):
    case_no, case_id = register(a_new_case(channel_ref="API-OUTCOME"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    file_papers(case_no, "agreement", actor="M-C01")  # what the case file needs before an agreement
    mediator = a_key("mediator", name="M-C01")

    first = api.post(
        f"{V1}/cases/{case_no}/outcome", json={"result": "agreement", "note": "李四赔偿张三800元"}, headers=mediator
    )
    again = api.post(
        f"{V1}/cases/{case_id}/outcome", json={"result": "agreement", "note": "李四赔偿张三800元"}, headers=mediator
    )
    other = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=mediator)

    assert first.status_code == 200 and again.status_code == 200
    assert first.json() == {
        "case_id": case_id,
        "case_no": case_no,
        "kind": "outcome",
        "round": 1,
        "value": "agreement",
        "note": "李*赔偿张*800元",  # masked as the timeline shows it, the parties' names too
        "actor": "M-C01",
    }
    assert again.json() == first.json()
    assert error(other) == (
        409,
        {
            "code": "input_conflict",
            "message": f"已记录过不同的答复 outcome 1 of case {case_id} is already recorded as 'agreement' by M-C01",
            "field": "result",
        },
    )


def test_an_outcome_for_a_case_not_waiting_for_one_is_a_conflict_with_a_code(api):
    case_no, _ = register(a_new_case(channel_ref="API-NOT-WAITING"))

    response = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=a_key("coordinator"))

    assert error(response) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"case {case_no} is received and not waiting for outcome",
            "field": "result",
        },
    )


def test_an_unknown_outcome_names_the_field(api):
    case_no, _ = register(a_new_case(channel_ref="API-BAD-OUTCOME"))
    status, body = error(api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "maybe"}, headers=a_key("mediator")))
    assert (status, body["code"], body["field"]) == (422, "invalid_input", "result")


# --- limits ---------------------------------------------------------------------------------------
def test_a_body_over_the_limit_is_refused_with_413(api):
    huge = example_of("grid") | {"description": "很" * 40_000}
    response = api.post(f"{V1}/intake/grid", json=huge, headers=a_key("integrator"))
    assert error(response) == (
        413,
        {"code": "body_too_large", "message": "请求内容过大 the request body is over 65536 bytes", "field": None},
    )


def test_a_page_larger_than_allowed_is_refused_with_422(api):
    status, body = error(api.get(f"{V1}/cases", params={"limit": 201}, headers=a_key("coordinator")))
    assert (status, body["field"]) == (422, "limit")
    assert body["message"] == "limit: 数值过大 Input should be less than or equal to 200"


def test_a_key_over_its_rate_is_told_when_to_come_back(network, monkeypatch):
    from fengqiao.api.app import create_app
    from fengqiao.config.settings import get_settings

    monkeypatch.setenv("FENGQIAO_API_RATE_PER_MINUTE", "3")
    get_settings.cache_clear()
    client = scanned_client(create_app(get_settings()))
    key = a_key("coordinator")

    statuses = [client.get(f"{V1}/cases", headers=key).status_code for _ in range(4)]
    last = client.get(f"{V1}/cases", headers=key)

    assert statuses == [200, 200, 200, 429]
    assert last.json()["error"]["code"] == "rate_limited" and int(last.headers["Retry-After"]) >= 1
    assert client.get(f"{V1}/cases", headers=a_key("coordinator", name="another")).status_code == 200
    assert client.leaks == []


# --- keys ------------------------------------------------------------------------------------------
def test_no_key_a_wrong_key_and_a_revoked_key_are_refused(api):
    from fengqiao.db import access
    from fengqiao.services.runtime import now

    key = a_key("coordinator", name="to-revoke")
    assert api.get(f"{V1}/cases", headers=key).status_code == 200
    with UnitOfWork(engine()) as uow:
        [row] = [k for k in access.list_keys(uow.conn) if k["name"] == "to-revoke"]
        access.revoke_key(uow.conn, row["id"], at=now())
        uow.commit()

    assert error(api.get(f"{V1}/cases")) == (
        401,
        {"code": "unauthenticated", "message": "缺少密钥 no key: send Authorization: Bearer <key>", "field": None},
    )
    wrong = {"Authorization": "Bearer fq_00000000_nothing"}
    assert error(api.get(f"{V1}/cases", headers=wrong))[1]["code"] == "invalid_key"
    assert error(api.get(f"{V1}/cases", headers=key))[1]["code"] == "invalid_key"


# --- administrators --------------------------------------------------------------------------------
def test_a_configuration_put_is_checked_then_stored_as_a_new_version(api):
    admin = a_key("admin")
    current = api.get(f"{V1}/escalation-paths", headers=admin).json()
    broken = current["document"] | {"triage": current["document"]["triage"] | {"default_type": "tourism"}}

    refused = api.put(f"{V1}/escalation-paths", json=broken, headers=admin)
    changed = current["document"] | {"aftercare": {"judicial_confirmation_days": 30, "follow_up_days": 14}}
    stored = api.put(f"{V1}/escalation-paths", json=changed, headers=admin)

    assert current["version"] == 1
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "triage.default_type"
    assert refused.json()["error"]["message"].endswith("triage.default_type: 'tourism' 没有调解路径 has no path")
    assert (stored.status_code, stored.json()["version"], stored.json()["source"]) == (200, 2, "api:admin-5115")


def test_a_webhook_on_a_loopback_or_private_address_is_refused(api):
    platform = a_key("integrator")
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://[::1]/hook", "ftp://example.org/x"):
        status, body = error(api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": url}, headers=platform))
        assert (status, body["code"], body["field"]) == (422, "webhook_target_refused", "url"), url
    assert (
        error(api.put(f"{V1}/webhooks", json={"channel": "grid", "url": "http://localhost/x"}, headers=platform))[1][
            "message"
        ]
        == "url: localhost resolves to 127.0.0.1, a loopback, private or reserved address"
    )


def test_an_administrator_may_allow_private_webhook_targets(network, monkeypatch):
    from fengqiao.api.app import create_app
    from fengqiao.config.settings import get_settings

    monkeypatch.setenv("FENGQIAO_ALLOW_PRIVATE_WEBHOOKS", "true")
    get_settings.cache_clear()
    client = scanned_client(create_app(get_settings()))
    url = "http://127.0.0.1:8080/results"
    key = a_key("integrator")

    response = client.put(f"{V1}/webhooks", json={"channel": "police", "url": url}, headers=key)

    assert response.json() == {"channel": "police", "url": url}
    assert client.get(f"{V1}/webhooks", headers=key).json() == [{"channel": "police", "url": url}]
    assert client.leaks == []


def test_health_reports_the_database_and_prefect_without_a_key(api):
    assert api.get(f"{V1}/health").json() == {"status": "ok", "database": "ok", "prefect": "ok"}


def test_stats_count_the_cases_in_the_callers_jurisdiction(api):
    integrator = a_key("integrator")
    for channel in ("hotline_12345", "grid", "walk_in", "petition"):
        api.post(f"{V1}/intake/{channel}", json=example_of(channel), headers=integrator)

    cuiping = api.get(f"{V1}/stats", headers=a_key("coordinator", areas=("511502",))).json()
    city = api.get(f"{V1}/stats", headers=a_key("coordinator", name="city")).json()

    assert (cuiping["received"], cuiping["by_channel"]) == (3, {"grid": 1, "hotline_12345": 1, "walk_in": 1})
    assert (city["received"], city["by_area"]) == (4, {"511502": 3, "511503": 1})


def test_the_personal_data_scan_catches_a_number_shown_whole():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/leaky")
    def leaky() -> dict[str, str]:
        return {"id": "511502196002150044", "phone": "13800002222", "masked": "138****2222"}

    client = scanned_client(app)
    client.get("/leaky")
    assert client.leaks == [("GET /leaky", "511502196002150044, 13800002222")]


def test_a_nul_character_anywhere_is_refused_before_it_reaches_a_database(api):
    record = example_of("grid") | {"description": "噪音\x00扰民"}
    centre = a_key("coordinator")

    in_body = error(api.post(f"{V1}/intake/grid", json=record, headers=a_key("integrator")))
    in_note = error(api.post(f"{V1}/cases/1/outcome", json={"result": "failed", "note": "\x00"}, headers=centre))
    in_query = error(api.get(f"{V1}/cases", params={"dispute_type": "a\x00b"}, headers=centre))
    in_path = error(api.get(f"{V1}/cases/a%00b", headers=centre))

    body_error = {"code": "invalid_input", "message": "the body contains a NUL character (\\u0000)", "field": "body"}
    url_error = {"code": "invalid_input", "message": "the URL contains a NUL character", "field": "url"}
    assert (in_body, in_note) == ((422, body_error), (422, body_error))
    assert (in_query, in_path) == ((422, url_error), (422, url_error))


def test_a_configuration_value_longer_than_its_column_is_refused_by_name(api):
    admin = a_key("admin")
    document = api.get(f"{V1}/escalation-paths", headers=admin).json()["document"]
    first = document["organisations"][0] | {"name": "委" * 201}
    document["organisations"] = [first, *document["organisations"][1:]]

    status, body = error(api.put(f"{V1}/escalation-paths", json=document, headers=admin))

    assert (status, body["field"]) == (422, "organisations.0.name")
    assert body["message"].endswith("organisations.0.name: 内容过长 String should have at most 200 characters")


def test_an_administrator_changes_one_mediator_and_the_network_is_checked_whole(api):
    admin = a_key("admin")
    mediator = {"code": "M-C10", "name": "新调解员", "org": "C-ZHAOYANG", "specialties": ["family"], "capacity": 12}

    added = api.put(f"{V1}/mediators/M-C10", json=mediator, headers=admin)
    listed = api.get(f"{V1}/mediators", headers=admin).json()
    one_of_two = api.delete(f"{V1}/mediators/M-P05", headers=admin)
    last_one = error(api.delete(f"{V1}/mediators/M-P06", headers=admin))
    missing = error(api.delete(f"{V1}/mediators/M-NONE", headers=admin))
    mismatch = error(api.put(f"{V1}/mediators/M-C11", json=mediator, headers=admin))

    assert (added.status_code, added.json()["version"], added.json()["source"]) == (200, 2, "api:admin-5115")
    assert listed[-1] == mediator | {"grade": "mediator", "full_time": True, "affiliations": [], "relations": []}
    assert (one_of_two.status_code, one_of_two.json()["version"]) == (200, 3)  # M-P06 still mediates traffic
    assert last_one == (
        422,
        {
            "code": "configuration_error",
            "message": "mediators/M-P06: paths.traffic.steps.1.panel: P-TRAFFIC 没有调解员，区划代码511502001001001的案件会停在这里 "
            "P-TRAFFIC has no mediators: cases from area "
            "511502001001001 would stop here (dead end)",
            "field": "paths.traffic.steps.1.panel",
        },
    )
    assert missing == (
        404,
        {
            "code": "not_found",
            "message": "现行配置中没有 'M-NONE' no mediator 'M-NONE' in the applied configuration",
            "field": "code",
        },
    )
    assert mismatch[0] == 422 and mismatch[1]["field"] == "code"


def test_stats_take_a_period_and_a_region(api):
    integrator = a_key("integrator")
    for channel in ("hotline_12345", "petition"):
        api.post(f"{V1}/intake/{channel}", json=example_of(channel), headers=integrator)
    centre = a_key("coordinator", name="city")

    this_month = day_of(now()).strftime("%Y-%m")  # China time, as the figures count
    nanxi = api.get(f"{V1}/stats", params={"region": "511503"}, headers=centre).json()
    today = api.get(f"{V1}/stats", params={"from": "2026-01", "to": this_month}, headers=centre).json()
    future = api.get(f"{V1}/stats", params={"from": "2100-01"}, headers=centre)
    a_day = api.get(f"{V1}/stats", params={"from": "2026-01-01"}, headers=centre)
    a_village = api.get(f"{V1}/stats", params={"region": "5115030010"}, headers=centre)

    assert (nanxi["received"], nanxi["by_channel"]) == (1, {"petition": 1})
    assert today["received"] == 2
    assert (future.status_code, future.json()["error"]["field"]) == (422, "from")  # nothing registered in it yet
    assert (a_day.status_code, a_day.json()["error"]["field"]) == (422, "from")
    assert (a_village.status_code, a_village.json()["error"]["field"]) == (422, "region")

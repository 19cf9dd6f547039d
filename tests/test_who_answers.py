"""Who may answer for a case, what the answer may say, and who a new key may be: on both databases.

Seeing a case (the key's jurisdiction) is wider than answering for it: an integrator answers for
the cases it sent, a mediator for the cases its organisations hold, a coordinator for any case it
sees. A case the caller may see but not answer for is 403 `forbidden`; one it may not see, 404.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fengqiao.cli.demo_papers import file_papers
from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.cli.main import app
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Party
from fengqiao.services.runtime import engine
from tests.drive import drive, register
from tests.factories import a_key, a_new_case, example_of

V1 = "/api/v1"


def key_id_of(headers: dict[str, str]) -> int:
    from fengqiao.db import access

    with UnitOfWork(engine()) as uow:
        caller = access.caller_for(uow.conn, headers["Authorization"].removeprefix("Bearer "))
    assert caller is not None
    return caller.key_id


def error(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]


def handed_off_case(ref: str, sent_by: int | None) -> str:
    """A court referral not suitable for mediation, waiting for the receiving body's result."""
    unsuitable = next(s for s in SCENARIOS if s.name == "not_suitable")
    case_no, case_id = register(unsuitable.intake_record(channel_ref=ref, n=1), sent_by=sent_by)
    assert drive(case_no, case_id, []) == ["waiting:handoff_result"]
    return case_no


# --- integrators ----------------------------------------------------------------------------------
def test_an_intake_through_the_api_keeps_the_key_that_sent_it(api):
    hotline = a_key("integrator", name="12345-platform")

    accepted = api.post(f"{V1}/intake/hotline_12345", json=example_of("hotline_12345"), headers=hotline)

    with UnitOfWork(engine()) as uow:
        stored = uow.conn.exec_driver_sql("SELECT case_id, key_id FROM intake_records").all()
    assert [tuple(r) for r in stored] == [(accepted.json()["case_id"], key_id_of(hotline))]


def test_an_integrator_answers_only_for_the_cases_it_sent(api):
    court = a_key("integrator", name="court-system")
    police = a_key("integrator", name="police-system")  # the same city: it sees the case
    elsewhere = a_key("integrator", name="other-county", areas=("511503",))
    sent = handed_off_case("ROLES-COURT-1", sent_by=key_id_of(court))
    from_the_command_line = handed_off_case("ROLES-COURT-2", sent_by=None)

    other_channel = api.post(f"{V1}/cases/{sent}/handoff-result", json={"result": "已结案"}, headers=police)
    outside = api.post(f"{V1}/cases/{sent}/handoff-result", json={"result": "已结案"}, headers=elsewhere)
    nobody_sent = api.post(
        f"{V1}/cases/{from_the_command_line}/handoff-result", json={"result": "已结案"}, headers=court
    )
    seen = api.get(f"{V1}/cases/{sent}", headers=police)
    own = api.post(f"{V1}/cases/{sent}/handoff-result", json={"result": "法院已立案受理"}, headers=court)

    assert error(other_channel) == (
        403,
        {
            "code": "forbidden",
            "message": f"案件 case {sent}: 此案件不是密钥 police-system 报送的 key police-system did not send this case",
            "field": "case",
        },
    )
    assert error(outside) == (404, {"code": "case_not_found", "message": f"没有案件 no case {sent!r}", "field": "case"})
    assert error(nobody_sent) == (
        403,
        {
            "code": "forbidden",
            "message": f"案件 case {from_the_command_line}: 此案件不是密钥 court-system 报送的 key court-system did not send this case",
            "field": "case",
        },
    )
    assert seen.status_code == 200  # seeing it is not answering for it
    assert (own.status_code, own.json()["value"], own.json()["actor"]) == (200, "法院已立案受理", "court-system")


def test_a_coordinator_answers_for_any_case_it_sees(api):
    case_no = handed_off_case("ROLES-COURT-3", sent_by=None)

    answer = api.post(
        f"{V1}/cases/{case_no}/handoff-result", json={"result": "法院已立案"}, headers=a_key("coordinator")
    )

    assert answer.status_code == 200


# --- mediators ------------------------------------------------------------------------------------
def test_a_mediator_answers_only_for_the_cases_its_organisation_holds(api):
    case_no, case_id = register(a_new_case(channel_ref="ROLES-MED-1"))  # 朝阳社区 (C-ZHAOYANG) mediates it
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    file_papers(case_no, "agreement", actor="M-C01")  # what the case file needs before the agreement
    neighbour = a_key("mediator", name="M-C03", orgs=("C-JINSHA",))  # the next community, same city
    other_district = a_key("mediator", name="M-C05", areas=("511503",), orgs=("C-XIANFENG",))
    no_organisation = a_key("mediator", name="mediator-without-org", orgs=())
    own = a_key("mediator", name="M-C01", orgs=("C-ZHAOYANG",))

    by_neighbour = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=neighbour)
    by_other_district = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=other_district)
    without_org = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "failed"}, headers=no_organisation)
    others = (Party("applicant", "王五"), Party("respondent", "赵六"))  # not a repeat of the first (并单)
    received_no, _ = register(a_new_case(channel_ref="ROLES-MED-2", parties=others))  # not yet with anyone
    unassigned = api.post(f"{V1}/cases/{received_no}/outcome", json={"result": "failed"}, headers=own)
    by_own = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "agreement", "note": "当面和解"}, headers=own)

    assert error(by_neighbour) == (
        403,
        {
            "code": "forbidden",
            "message": f"案件 case {case_no}: 案件由 C-ZHAOYANG 承办，不属于密钥 M-C03 的调解组织 "
            "the case is held by C-ZHAOYANG, not by an organisation of key M-C03",
            "field": "case",
        },
    )
    assert error(by_other_district)[0] == 404
    assert error(without_org)[1]["message"] == (
        f"案件 case {case_no}: 案件由 C-ZHAOYANG 承办，不属于密钥 mediator-without-org 的调解组织 "
        "the case is held by C-ZHAOYANG, not by an organisation of key mediator-without-org"
    )
    assert error(unassigned) == (
        403,
        {
            "code": "forbidden",
            "message": f"案件 case {received_no}: 案件尚无承办组织，不属于密钥 M-C01 的调解组织 "
            "the case is not held by any organisation, not by an organisation of key M-C01",
            "field": "case",
        },
    )
    assert (by_own.status_code, by_own.json()["actor"]) == (200, "M-C01")


def test_a_follow_up_visit_is_the_holding_organisations_too(api):
    from fengqiao.models.vocabulary import InputKind

    case_no, case_id = register(a_new_case(channel_ref="ROLES-MED-3"))
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-C01")])[-1] == "closed"
    visit = {"honoured": True, "satisfaction": 5}

    by_neighbour = api.post(
        f"{V1}/cases/{case_no}/follow-up", json=visit, headers=a_key("mediator", name="M-C03", orgs=("C-JINSHA",))
    )
    by_own = api.post(
        f"{V1}/cases/{case_no}/follow-up", json=visit, headers=a_key("mediator", name="M-C01", orgs=("C-ZHAOYANG",))
    )

    assert error(by_neighbour)[:1] == (403,) and error(by_neighbour)[1]["code"] == "forbidden"
    assert by_own.status_code == 200


# --- what an answer may say -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            "handoff-result",
            {"result": "已\u202e结案"},
            "result",
            "result: 含不可打印字符 character 2 (U+202E) is not printable text",
        ),
        (
            "handoff-result",
            {"result": "已结案\n"},
            "result",
            "result: 含不可打印字符 character 4 (U+000A) is not printable text",
        ),
        (
            "handoff-result",
            {"result": "\u200b"},
            "result",
            "result: 含不可打印字符 character 1 (U+200B) is not printable text",
        ),
        (
            "handoff-result",
            {"result": "\ue000"},
            "result",
            "result: 含不可打印字符 character 1 (U+E000) is not printable text",
        ),
        (
            "handoff-result",
            {"result": "结" * 201},
            "result",
            "result: 内容过长 String should have at most 200 characters",
        ),
        (
            "outcome",
            {"result": "agreement", "note": "赔偿\x07"},
            "note",
            "note: 含不可打印字符 character 3 (U+0007) is not printable text",
        ),
        (
            "outcome",
            {"result": "agreement", "note": "赔" * 2001},
            "note",
            "note: 内容过长 String should have at most 2000 characters",
        ),
    ],
)
def test_what_people_record_is_printable_text_of_a_bounded_length(api, path, body, field, message):
    case_no, _ = register(a_new_case(channel_ref="ROLES-TEXT"))

    answer = api.post(f"{V1}/cases/{case_no}/{path}", json=body, headers=a_key("coordinator"))

    assert error(answer) == (422, {"code": "invalid_input", "message": message, "field": field})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["handoff-result", "--result", "已\u202e结案"],
            "field result: 含不可打印字符 character 2 (U+202E) is not printable text",
        ),
        (
            ["handoff-result", "--result", "已结案\n"],
            "field result: 含不可打印字符 character 4 (U+000A) is not printable text",
        ),
        (["handoff-result", "--result", "  "], "field result: 不能为空 must not be empty"),
        (["handoff-result", "--result", "结" * 201], "field result: 内容过长 201 characters, at most 200"),
        (
            ["outcome", "--result", "agreement", "--note", "赔偿\x07"],
            "field note: 含不可打印字符 character 3 (U+0007) is not printable text",
        ),
        (
            ["opinion", "--expert", "E-05", "--text", "\u200b"],
            "field text: 含不可打印字符 character 1 (U+200B) is not printable text",
        ),
    ],
)
def test_the_command_line_records_the_same_text_only(network, args, message):
    """The CLI reaches the same service as the API: the same rule, exit 1 naming the field, nothing stored."""
    case_no = handed_off_case("ROLES-CLI-TEXT", sent_by=None)

    result = CliRunner().invoke(app, [args[0], case_no, *args[1:]])

    assert (result.exit_code, result.output.replace("\n", " ").split(maxsplit=1)[1].strip()) == (1, message)
    with UnitOfWork(engine()) as uow:
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM human_inputs").scalar_one() == 0


def test_a_note_may_have_lines_and_ideographic_spaces(api):
    case_no, case_id = register(a_new_case(channel_ref="ROLES-TEXT-OK"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    file_papers(case_no, "agreement", actor="M-C01")
    note = "一、赔偿800元；\n二、当场履行。\u3000双方签字"

    answer = api.post(
        f"{V1}/cases/{case_no}/outcome", json={"result": "agreement", "note": note}, headers=a_key("coordinator")
    )

    assert (answer.status_code, answer.json()["note"]) == (200, note)


# --- new keys -------------------------------------------------------------------------------------
def keys_made() -> list[str]:
    with UnitOfWork(engine()) as uow:
        return list(uow.conn.exec_driver_sql("SELECT name FROM api_keys ORDER BY id").scalars())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--area", ""],
            'invalid_input: field --area: 空区域（""）会覆盖所有区域，请给出区划代码前缀，如 511502 '
            'an empty area ("") would cover every area: give an area-code prefix, '
            "such as 511502",
        ),
        (
            ["--area", "5115", "--area", ""],
            'invalid_input: field --area: 空区域（""）会覆盖所有区域，请给出区划代码前缀，如 511502 '
            'an empty area ("") would cover every area: give an area-code prefix, '
            "such as 511502",
        ),
        (
            ["--area", "999999"],
            "invalid_input: field --area: 区域 999999 不在调解网络中 "
            "area 999999 is not in the network: no organisation serves it or any area "
            "under it",
        ),
        (
            ["--area", "51150"],  # a prefix of two districts' codes: it contains them
            None,
        ),
        (
            ["--org", "C-NOWHERE"],
            "invalid_input: field --org: 调解组织 C-NOWHERE 不在调解网络中 organisation C-NOWHERE is not in the network",
        ),
        (
            [],
            "invalid_input: field --area: 须给出 --area 或 --org：没有辖区的密钥什么也看不到 "
            "give --area or --org: a key without a jurisdiction would see nothing",
        ),
    ],
)
def test_a_key_is_made_only_for_a_jurisdiction_in_the_network(network, options, message):
    from tests.test_cli import run

    code, out = run("keys", "create", "centre", "--role", "coordinator", *options)

    if message is None:
        assert (code, keys_made()) == (0, ["centre"])
    else:
        assert (code, out.strip(), keys_made()) == (2, message, [])


def test_areas_and_organisations_of_the_network_make_keys(network):
    from tests.test_cli import run

    made = [
        run("keys", "create", "centre", "--role", "coordinator", "--area", "511502")[0],
        run("keys", "create", "grid-app", "--role", "integrator", "--area", "511502001001001")[0],
        run("keys", "create", "M-C01", "--role", "mediator", "--area", "511502001001", "--org", "C-ZHAOYANG")[0],
        run("keys", "create", "P-LABOUR", "--role", "mediator", "--org", "P-LABOUR")[0],
        run("keys", "create", "root", "--role", "admin")[0],
    ]

    assert (made, keys_made()) == ([0] * 5, ["centre", "grid-app", "M-C01", "P-LABOUR", "root"])


def test_two_integrators_of_one_channel_each_answer_for_their_own(api):
    first, second = a_key("integrator", name="court-a"), a_key("integrator", name="court-b")
    case_no = handed_off_case("ROLES-COURT-4", sent_by=key_id_of(first))

    refused = api.post(f"{V1}/cases/{case_no}/handoff-result", json={"result": "已结案"}, headers=second)

    assert error(refused)[0] == 403

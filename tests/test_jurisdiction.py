"""Jurisdiction outside the case endpoints: a ticket id, the what-if and the alerts answer each key
for its own district (or organisations) only, on both databases, through the API and the dashboard."""

from __future__ import annotations

from sqlalchemy import func, select

from db.tables import cases
from db.uow import UnitOfWork
from tasks.context import engine
from tests.factories import a_key, example_of

V1 = "/api/v1"
CUIPING, NANXI = ("511502",), ("511503",)  # the sample network's two districts
TICKET = "YB12345-20261102-00318"


def error(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]


def case_count() -> int:
    with UnitOfWork(engine()) as uow:
        return int(uow.conn.scalar(select(func.count()).select_from(cases)) or 0)


# --- a ticket id ------------------------------------------------------------------------------------
def test_a_ticket_id_answers_only_the_key_that_sent_it(api):
    cuiping, nanxi = a_key("integrator", areas=CUIPING), a_key("integrator", areas=NANXI)
    city = a_key("integrator", name="city-platform")
    sent = example_of("hotline_12345")  # arose in Cuiping (511502001001)
    theirs = sent | {"area_code": "511503001001", "description": "南溪区另一件事：邻居占用楼道"}

    first = api.post(f"{V1}/intake/hotline_12345", json=sent, headers=cuiping)
    from_nanxi = api.post(f"{V1}/intake/hotline_12345", json=theirs, headers=nanxi)
    from_city = api.post(f"{V1}/intake/hotline_12345", json=sent, headers=city)  # the very same record
    again = api.post(f"{V1}/intake/hotline_12345", json=sent, headers=cuiping)
    changed = api.post(f"{V1}/intake/hotline_12345", json=sent | {"urgency": "normal"}, headers=cuiping)

    assert first.status_code == 202
    case_no = first.json()["case_no"]
    other_sender = {
        "code": "input_conflict",
        "message": f"record {TICKET}, field ticket_id: 工单号{TICKET}已由其他接入方登记 ticket id {TICKET} "
        "of channel hotline_12345 was registered by another sender",
        "field": "ticket_id",
    }
    assert error(from_nanxi) == (409, other_sender)
    assert error(from_city) == (409, other_sender)
    for refused in (from_nanxi, from_city):
        assert case_no not in refused.text and first.json()["flow_run_id"] not in refused.text
    assert again.status_code == 202 and again.json() == first.json() | {"created": False}
    assert error(changed) == (
        409,
        {
            "code": "input_conflict",
            "message": f"record {TICKET}, field ticket_id: 工单号{TICKET}已用于另一条记录（案件{case_no}） "
            f"ticket id {TICKET} was already used for a different record (case {case_no})",
            "field": "ticket_id",
        },
    )
    assert case_count() == 1


def test_the_command_line_still_registers_a_ticket_once_and_refuses_a_changed_one(network, tmp_path):
    import json

    from tests.test_cli import GOOD, run

    file = tmp_path / "grid.jsonl"
    lines = [GOOD, GOOD, GOOD | {"description": "邻居装修噪音扰民，夜间施工"}]
    file.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")

    code, out = run("intake", str(file), "--channel", "grid", "--no-start-flows")

    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("rejected")] == [
        "rejected 拒收 record grid.jsonl:3, field report_id: 工单号G-1在本批中对应两条不同的记录 ticket id G-1 is used "
        "by a different record earlier in this batch (record grid.jsonl:1)"
    ]
    assert "登记 1 new, 0 suspected duplicates, 1 already registered, 1 rejected" in out
    assert case_count() == 1


# --- the what-if --------------------------------------------------------------------------------------
def test_the_what_if_replays_and_lists_only_the_signed_in_keys_cases(api):
    from config.network import load_network_file
    from models.case import Party
    from models.vocabulary import InputKind
    from tasks.intake import apply_configuration
    from tests.drive import drive, register
    from tests.factories import a_new_case
    from tests.test_dashboard import sign_in, text_of

    ours = register(a_new_case(channel_ref="W-CP"))  # Cuiping, 511502001001001
    nanxi_people = (Party("applicant", "赵六"), Party("respondent", "钱七"))
    theirs = register(a_new_case(channel_ref="W-NX", area_code="511503001001001", parties=nanxi_people))
    for case_no, case_id in (ours, theirs):  # failed at the community: now mediating at the street
        drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C01")])
    document = load_network_file(None)
    document["paths"]["neighbourhood"]["steps"] = document["paths"]["neighbourhood"]["steps"][:1]
    one_rung = apply_configuration(document, source="one rung for neighbours")
    apply_configuration()  # version 1 is current again

    def replayed_for(**jurisdiction) -> str:  # type: ignore[no-untyped-def]
        sign_in(api, **jurisdiction)
        return text_of(api.get("/dashboard/config", params={"whatif": one_rung, "days": 30}).text)

    cuiping, nanxi, city = replayed_for(areas=CUIPING), replayed_for(areas=NANXI), replayed_for()

    changed = "street · mediating community · handed_off:litigation"
    assert "重放 1 件，结果不同 1 件" in cuiping and f"{ours[0]} {changed}" in cuiping and theirs[0] not in cuiping
    assert "重放 1 件，结果不同 1 件" in nanxi and f"{theirs[0]} {changed}" in nanxi and ours[0] not in nanxi
    assert "重放 2 件，结果不同 2 件" in city and ours[0] in city and theirs[0] in city

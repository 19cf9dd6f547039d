"""Jurisdiction outside the case endpoints: a ticket id, the what-if and the alerts answer each key
for its own district (or organisations) only, on both databases, through the API and the dashboard."""

from __future__ import annotations

from sqlalchemy import func, select

from fengqiao.db.tables import cases
from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine
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
def test_a_ticket_id_tells_nothing_to_a_key_that_may_not_see_its_case(api):
    cuiping, nanxi = a_key("integrator", areas=CUIPING), a_key("integrator", areas=NANXI)
    city = a_key("integrator", name="city-platform")
    sent = example_of("hotline_12345")  # arose in Cuiping (511502001001)
    theirs = sent | {"area_code": "511503001001", "description": "南溪区另一件事：邻居占用楼道"}

    first = api.post(f"{V1}/intake/hotline_12345", json=sent, headers=cuiping)
    from_nanxi = api.post(f"{V1}/intake/hotline_12345", json=theirs, headers=nanxi)
    from_city = api.post(f"{V1}/intake/hotline_12345", json=sent, headers=city)  # the same record; it sees the case
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
    assert case_no not in from_nanxi.text
    assert from_city.status_code == 202 and from_city.json() == first.json() | {"created": False}
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
    from fengqiao.config.network import load_network_file
    from fengqiao.models.case import Party
    from fengqiao.models.vocabulary import InputKind
    from fengqiao.services.intake import apply_configuration
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

    changed = "街道/乡镇 street · 仍在调解 mediating 社区/村 community · 导入法治轨道：诉讼 handed_off:litigation"
    assert "重放 1 件，结果不同 1 件" in cuiping and f"{ours[0]} {changed}" in cuiping and theirs[0] not in cuiping
    assert "重放 1 件，结果不同 1 件" in nanxi and f"{theirs[0]} {changed}" in nanxi and ours[0] not in nanxi
    assert "重放 2 件，结果不同 2 件" in city and ours[0] in city and theirs[0] in city


# --- alerts -------------------------------------------------------------------------------------------
def respondent_alerts(html: str) -> list[tuple[int, str, list[str], str]]:
    """Each respondent alert shown: (id, area, the case numbers listed, its text)."""
    import re

    from tests.test_dashboard import text_of

    found = []
    for part in html.split("<section")[1:]:
        head = re.match(r' class="card alert \w+" data-alert="(\d+)" data-kind="respondent"', part)
        if head:
            body = text_of("<section" + part.split("</section>")[0])
            area = re.search(r"区域 area (?:[^\d·]+ )?(\d+)", body).group(1)  # type: ignore[union-attr]  # name, code
            found.append((int(head.group(1)), area, re.findall(r"FQ\d{11}", body), body))
    return found


def test_respondent_alerts_are_counted_seen_and_acknowledged_per_district(api, monkeypatch):
    import re

    from fengqiao.config.settings import get_settings
    from fengqiao.db import cases as case_store
    from fengqiao.models.case import Party
    from tests.drive import drive, register
    from tests.factories import a_new_case
    from tests.test_dashboard import sign_in

    monkeypatch.setenv("FENGQIAO_ALERT_RESPONDENT_REPORTS", "2")
    get_settings.cache_clear()
    places = ["511502001001", "511502002001", "511503001001", "511503002001"]  # two streets in each district
    numbers = []
    for n, place in enumerate(places):
        people = (Party("applicant", f"申请人{n}"), Party("respondent", "宜宾顺达建筑劳务有限公司"))
        numbers.append(register(a_new_case(channel_ref=f"R-{n}", area_code=place, parties=people)))
    drive(*numbers[0], [])  # triaged and assigned: the case is held by an organisation now
    with UnitOfWork(engine()) as uow:
        holder = case_store.get_case(uow.conn, numbers[0][1]).org_code
    cuiping_nos, nanxi_nos = [n for n, _ in numbers[:2]], [n for n, _ in numbers[2:]]

    sign_in(api, areas=(), orgs=(holder,))  # a key of the organisation holding one Cuiping case
    held = respondent_alerts(api.get("/dashboard/alerts").text)
    token = re.search(r'name="csrf" value="(\w+)"', api.get("/dashboard/").text).group(1)  # type: ignore[union-attr]
    refused = api.post(f"/dashboard/alerts/{held[0][0]}/acknowledge", data={"csrf": token}, follow_redirects=False)
    sign_in(api, areas=CUIPING)
    cuiping = respondent_alerts(page := api.get("/dashboard/alerts").text)
    token = re.search(r'name="csrf" value="(\w+)"', page).group(1)  # type: ignore[union-attr]
    done = api.post(
        f"/dashboard/alerts/{cuiping[0][0]}/acknowledge", data={"note": "已约谈", "csrf": token}, follow_redirects=False
    )
    cuiping_after = respondent_alerts(api.get("/dashboard/alerts").text)
    sign_in(api, areas=NANXI)
    nanxi = respondent_alerts(api.get("/dashboard/alerts").text)
    sign_in(api)  # the city's coordination centre
    city_open, city_all = (
        respondent_alerts(api.get("/dashboard/alerts", params={"show": s}).text) for s in ("open", "all")
    )

    reason = "2件报告指向被申请人 respondent 宜***********（7日内达2件即预警）: 2 reports (an alert at 2 within 7 days)"
    assert [(area, nos) for _, area, nos, _ in held] == [("511502", [numbers[0][0]])]
    assert "and 1 outside your jurisdiction" in held[0][3] and "确认 Acknowledge" not in held[0][3]
    assert (refused.status_code, refused.headers["location"]) == (303, "/dashboard/alerts?error=outside")
    assert [(area, nos) for _, area, nos, _ in cuiping] == [("511502", cuiping_nos)]
    assert reason in cuiping[0][3] and "outside" not in cuiping[0][3]
    assert (done.status_code, done.headers["location"]) == (303, "/dashboard/alerts")
    assert cuiping_after == []
    assert [(area, nos) for _, area, nos, _ in nanxi] == [("511503", nanxi_nos)]
    assert reason in nanxi[0][3] and "确认 Acknowledge" in nanxi[0][3]
    assert [(area, nos) for _, area, nos, _ in city_open] == [("511503", nanxi_nos)]
    assert sorted((area, nos) for _, area, nos, _ in city_all) == [("511502", cuiping_nos), ("511503", nanxi_nos)]


def test_migration_0009_splits_respondent_alerts_by_district_and_back(database):
    """Alerts raised before 0009: their cases become rows, a respondent's area its district; the
    downgrade keeps the latest open alert of a subject where two districts have one."""
    from alembic import command
    from sqlalchemy import text

    from fengqiao.db.engine import get_engine
    from fengqiao.db.migrate import alembic_config, upgrade

    command.downgrade(alembic_config(database), "0008")
    engine = get_engine(database)
    at = "'2026-11-01 08:00:00+00'"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO config_versions (id, created_at, source, sha256, document) VALUES (1, {at}, 'x', 'x', '{{}}')"
            )
        )
        for case_id, area in ((1, "511502001001"), (2, "511503001001")):
            conn.execute(
                text(
                    "INSERT INTO cases (id, case_no, channel, status, version, area_code, summary, people_involved, "
                    "risk, path_step, attempt, config_version, flow_run_open, created_at, updated_at) VALUES "
                    f"({case_id}, 'FQ2026000000{case_id}', 'grid', 'received', 1, '{area}', '', 1, 'normal', -1, 0, "
                    f"1, false, {at}, {at})"
                )
            )
        conn.execute(
            text(
                "INSERT INTO alerts (id, kind, subject, area_code, case_ids, reason, raised_at, updated_at) VALUES "
                f"(1, 'respondent', '顺达公司', '511503001001', '[1, 2]', 'r', {at}, {at})"
            )
        )

    upgrade(database)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT area_code FROM alerts")).scalar_one() == "511503"
        assert [tuple(r) for r in conn.execute(text("SELECT alert_id, case_id FROM alert_cases ORDER BY 2"))] == [
            (1, 1),
            (1, 2),
        ]
        conn.execute(
            text(
                "INSERT INTO alerts (id, kind, subject, area_code, case_ids, reason, raised_at, updated_at) VALUES "
                "(2, 'respondent', '顺达公司', '511502', '[1]', 'r', '2026-11-02 08:00:00+00', "
                "'2026-11-02 08:00:00+00')"
            )
        )

    command.downgrade(alembic_config(database), "0008")
    with engine.connect() as conn:
        kept = "SELECT id, acknowledged_by FROM alerts ORDER BY id"
        assert [tuple(r) for r in conn.execute(text(kept))] == [(1, "migration 0009 downgrade"), (2, None)]
    upgrade(database)

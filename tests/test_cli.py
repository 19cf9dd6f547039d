"""The command line at the edge: exact messages naming record and field, exit codes 0/1/2, masking."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

from fengqiao.cli.demo_papers import file_papers
from fengqiao.cli.main import app
from fengqiao.config.settings import get_settings
from fengqiao.db import queries
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.clocks import CST
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.runtime import engine, now
from tests.drive import drive, register, registered_month
from tests.factories import a_new_case

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


GOOD = {  # a grid worker's report, as the grid app sends it
    "report_id": "G-1",
    "grid_code": "511502001001",
    "worker_id": "GW-1",
    "reported_at": "2026-11-20T10:00:00+08:00",
    "location": {"address": "朝阳路1号"},
    "parties": [{"role": "applicant", "name": "张三", "id_number": "110101199003074514", "phone": "13812345678"}],
    "description": "邻居装修噪音扰民",
}


def test_intake_registers_good_records_and_names_each_rejected_one(network, tmp_path):
    lines = [
        json.dumps(GOOD, ensure_ascii=False),
        json.dumps({**GOOD, "report_id": "G-2", "grid_code": "511599001"}),
        json.dumps({k: v for k, v in GOOD.items() if k != "description"} | {"report_id": "G-3"}),
        "{not json",
        json.dumps(GOOD, ensure_ascii=False),  # the same ticket again: the same case
        json.dumps({**GOOD, "report_id": "G-6", "people_involved": 0}),
    ]
    file = tmp_path / "grid.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, out = run("intake", str(file), "--channel", "grid", "--no-start-flows")

    assert code == 1
    rejected = [line for line in out.splitlines() if line.startswith("rejected")]
    assert rejected == [
        "rejected 拒收 record grid.jsonl:2, field grid_code: 区划代码511599001不在调解网络中 area code 511599001 is not "
        "in the network",
        "rejected 拒收 record grid.jsonl:3, field description: 缺少必填字段 required field missing",
        "rejected 拒收 record grid.jsonl:4, field (line): 不是有效的JSON not JSON: Expecting property name enclosed in "
        "double quotes",
        "rejected 拒收 record grid.jsonl:6, field people_involved: 数值过小 Input should be greater than or equal to 1",
    ]
    assert "登记 1 new, 0 suspected duplicates, 1 already registered, 4 rejected" in out
    with UnitOfWork(engine()) as uow:
        assert [(c.channel, c.status) for c in queries.list_cases(uow.conn)] == [("grid", "received")]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_file_not_in_utf8_is_refused_whole_naming_its_line(network, tmp_path, suffix):
    file = tmp_path / f"ledger{suffix}"  # as Excel on Chinese Windows saves it
    first = json.dumps(GOOD, ensure_ascii=False) if suffix == ".jsonl" else "台账编号,类型"
    file.write_bytes((first + "\n" + "邻居装修噪音扰民\n").encode("gbk"))

    code, out = run("intake", str(file), "--channel", "grid", "--no-start-flows")

    assert (code, out.strip()) == (
        1,
        f"invalid_input: record ledger{suffix}:1, field (encoding): 文件须为UTF-8编码（GBK等请另存为UTF-8）the file "
        "must be UTF-8 encoded (save a GBK or other file as UTF-8)",
    )
    with UnitOfWork(engine()) as uow:
        assert queries.list_cases(uow.conn) == []


def test_a_case_is_shown_with_its_timeline_and_parties_masked(network, tmp_path):
    file = tmp_path / "one.jsonl"
    file.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("intake", str(file), "--channel", "grid", "--no-start-flows")[0] == 0

    code, out = run("case", "FQ20260000001")

    assert code == 0
    assert "110101********4514" in out and "138****5678" in out and "张*" in out
    assert "110101199003074514" not in out and "13812345678" not in out and "张三" not in out
    assert "received via grid ref G-1" in out
    assert "渠道 channel         网格上报 grid" in [line.rstrip() for line in out.splitlines()]  # not the level 网格


def test_a_broken_network_file_is_exit_2_naming_file_line_and_field(tmp_path):
    bad = tmp_path / "net.yaml"
    bad.write_text("organisations: []\npaths: {}\ntriage: {default_type: x}\n", encoding="utf-8")
    code, out = run("config", "validate", str(bad))
    assert (code, out.replace(str(tmp_path) + "/", "")) == (
        2,
        "配置错误 configuration error: net.yaml:1: organisations: 条目过少 List should have at least 1 item after validation, not 0\n",
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql://nobody:secret@127.0.0.1:1/x",
            "无法使用数据库 cannot use the database postgresql+psycopg://nobody:***@127.0.0.1:1/x: ",
        ),
        (
            "mysql+nodriver://u@h/db",
            "无法使用数据库 cannot use the database mysql+nodriver://u@h/db: Can't load plugin: ",
        ),
    ],
)
def test_an_unreachable_database_is_exit_2_naming_the_setting(monkeypatch, url, message):
    monkeypatch.setenv("FENGQIAO_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        code, out = run("cases")
    finally:
        monkeypatch.delenv("FENGQIAO_DATABASE_URL")
        get_settings.cache_clear()
    assert code == 2
    assert out.startswith(f"配置错误 configuration error: FENGQIAO_DATABASE_URL: {message}")
    assert "secret" not in out and "Traceback" not in out and out.count("\n") == 1


def test_an_unknown_case_is_exit_1_with_a_clear_line(network):
    assert run("case", "FQ20269999999") == (1, "case_not_found: 没有案件 no case 'FQ20269999999'\n")


def test_an_outcome_for_a_case_not_waiting_is_refused(network, tmp_path):
    file = tmp_path / "one.jsonl"
    file.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n", encoding="utf-8")
    run("intake", str(file), "--channel", "grid", "--no-start-flows")

    assert run("outcome", "FQ20260000001", "--result", "agreement") == (
        1,
        "not_waiting_for_input: case FQ20260000001 is received and not waiting for outcome\n",
    )


def test_an_unknown_outcome_is_a_usage_error():
    code, out = run("outcome", "FQ20260000001", "--result", "settled")
    assert (code, out) == (
        2,
        "取值无效 invalid value: --result 'settled' 不是可选值 is not one of: agreement（书面协议）, "
        "oral_agreement（口头协议）, failed（调解不成）, refused（拒绝调解）, withdrawn（已撤回）\n",
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FENGQIAO_RUNNER_LIMIT", "0", "FENGQIAO_RUNNER_LIMIT: 数值过小 Input should be greater than 0"),
        (
            "FENGQIAO_SWEEP_SECONDS",
            "soon",
            "FENGQIAO_SWEEP_SECONDS: 应为数字 Input should be a valid number, unable to parse string as a number",
        ),
    ],
)
def test_bad_settings_are_exit_2_naming_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    try:
        assert run("cases") == (2, f"配置错误 configuration error: {message}\n")
    finally:
        monkeypatch.delenv(variable)
        get_settings.cache_clear()


def test_an_outcome_is_kept_when_prefect_is_unreachable(network, monkeypatch):
    """Stored before it is acknowledged: with Prefect down the outcome is kept for the sweep."""
    case_no, case_id = register(a_new_case(channel_ref="DOWN-1"))
    assert case_flow(case_id) == "waiting:outcome"
    file_papers(case_no, "agreement", actor="M-C01")  # what the case file needs before an agreement
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there

    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        code, out = run("outcome", case_no, "--result", "agreement", "--actor", "M-C01")

    assert code == 0
    assert f"已记录 recorded: {case_no} outcome #1 = agreement" in out
    assert "Prefect unreachable); the worker's sweep will resume it" in out
    assert case_flow(case_id) == "closed"  # whoever runs the case next finds the stored outcome


EXAMPLES = Path(__file__).parent.parent / "examples"


def test_every_channels_example_file_is_accepted_and_the_repeat_report_is_held(network):
    outputs = {}
    for channel in ("hotline_12345", "grid", "walk_in", "police", "court", "petition", "online"):
        code, outputs[channel] = run(
            "intake", str(EXAMPLES / f"{channel}.jsonl"), "--channel", channel, "--no-start-flows"
        )
        assert code == 0, outputs[channel]
    code, outputs["ledger"] = run(
        "intake", str(EXAMPLES / "screening_ledger.csv"), "--channel", "grid", "--no-start-flows"
    )
    assert code == 0, outputs["ledger"]

    assert "登记 1 new, 1 suspected duplicates, 0 already registered, 0 rejected" in outputs["grid"]
    why = (
        "同一被申请人（姓名）、同一地点 朝阳社区 511502001001、同一纠纷类型 劳动争议 labour、相隔0天 same respondent "
        "(name), same place 511502001001, same type labour, 0 days apart"
    )
    assert f"duplicate 疑似重复 grid.jsonl:1: FQ20260000003 → FQ20260000001 ({why})" in outputs["grid"]
    code, listed = run("duplicates")
    assert code == 0 and "FQ20260000003" in listed and "FQ20260000001" in listed
    held = next(line for line in listed.splitlines() if line.startswith("│ FQ20260000003 "))
    assert held.split("│")[2] == " 网格上报 grid "  # its channel (the other columns' widths follow the reason's)
    lines = listed.splitlines()
    rows = [line.split("│") for line in lines[lines.index(held) :] if line.startswith("│")]
    assert "".join(r[-2] for r in rows).replace(" ", "") == why.replace(" ", "")  # 理由, whole in its column

    code, out = run("duplicates", "split", "FQ20260000003", "--actor", "coordinator-01", "--note", "另一批工人")
    assert code == 0 and out.startswith("FQ20260000003: received (split)")
    code, out = run("duplicates", "confirm", "FQ20260000003")
    assert code == 1
    with UnitOfWork(engine()) as uow:
        assert len(queries.list_cases(uow.conn)) == 11


def test_notices_lists_each_result_owed_to_a_channel(network):
    file = EXAMPLES / "police.jsonl"
    assert run("intake", str(file), "--channel", "police", "--no-start-flows")[0] == 0
    assert drive("FQ20260000001", 1, [(InputKind.OUTCOME, "agreement", "M-P05")])[-1] == "closed"

    code, out = run("notices", "--pending")

    assert code == 0
    assert (
        "│ FQ20260000001 │ 警调对接 police │ JQ511502202611050087 │ 已化解 resolved │ 待送达 pending │ 0          │ —         │"
        in out.splitlines()
    )
    assert "FQ20260000001" in out and "JQ511502202611050087" in out and "resolved" in out and "待送达 pending" in out


def test_personal_data_is_masked_in_output_and_absent_from_the_log(network, tmp_path):
    log = Path(os.environ["FENGQIAO_LOG_FILE"])  # the session's log file
    offset = log.stat().st_size if log.exists() else 0
    form = json.loads((EXAMPLES / "walk_in.jsonl").read_text(encoding="utf-8"))
    bad = {**form, "form_no": "F-bad", "applicant": {**form["applicant"], "id_number": "511502196002150045"}}
    file = tmp_path / "walk_in.jsonl"
    file.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (form, bad)) + "\n", encoding="utf-8")

    code, out = run("intake", str(file), "--channel", "walk_in", "--no-start-flows")
    assert code == 1
    shown = out + run("case", "FQ20260000001")[1] + run("case", "FQ20260000001", "--json")[1]

    assert "511502********0044" in shown and "138****2222" in shown and "周**" in shown
    with log.open("rb") as f:
        f.seek(offset)
        logged = f.read().decode()
    assert '"event": "case.transition"' in logged and '"case_no": "FQ20260000001"' in logged
    for secret in ("511502196002150044", "511502196002150045", "13800002222", "13800003333", "周建华", "周建军"):
        assert secret not in shown and secret not in logged


def test_keys_are_made_listed_and_revoked_and_the_secret_is_shown_once(network):
    code, out = run("keys", "create", "12345-platform", "--role", "integrator", "--area", "5115")
    key = out.strip().splitlines()[-1]
    listed_code, listed = run("keys", "list")
    again_code, again = run("keys", "create", "12345-platform", "--role", "integrator", "--area", "5115")
    revoked_code, revoked = run("keys", "revoke", "1")
    twice_code, twice = run("keys", "revoke", "1")
    none_code, none = run("keys", "create", "nobody", "--role", "mediator")

    assert code == 0 and out.startswith("key 1 (对接系统 integrator) for 12345-platform")
    assert key.startswith("fq_") and len(key) == 3 + 8 + 1 + 32
    assert listed_code == 0 and "12345-platform" in listed and key not in listed and key[:11] in listed
    with UnitOfWork(engine()) as uow:
        stored = uow.conn.exec_driver_sql("SELECT sha256 FROM api_keys").scalar()
    assert stored != key and key[12:] not in stored
    assert (again_code, again.strip()) == (
        1,
        "invalid_input: field name: 已有名为 '12345-platform' 的密钥，日志以名称区分密钥 "
        "a key named '12345-platform' exists already; names identify keys in the logs",
    )
    assert (revoked_code, revoked.strip()) == (0, "key 1 revoked")
    assert (twice_code, twice.strip()) == (1, "not_found: no active key 1")
    assert (none_code, none.strip()) == (
        2,
        "invalid_input: field --area: 须给出 --area 或 --org：没有辖区的密钥什么也看不到 "
        "give --area or --org: a key without a jurisdiction would see nothing",
    )


def test_the_key_list_names_each_area_and_committee_beside_its_code(network):
    made_code, made = run("keys", "create", "zy", "--role", "mediator", "--area", "511502001001", "--org", "C-ZHAOYANG")
    prefix = made.strip().splitlines()[-1][:11]

    code, listed = run("keys", "list")

    assert (made_code, code) == (0, 0)
    assert (
        f"│ 1       │ zy        │ 调解员 mediator │ 朝阳社区 511502001001 │ 朝阳社区人民调解委员会 C-ZHAOYANG │ {prefix}_… │ "
        "active 有效 │"
    ) in listed.splitlines()


def test_an_experts_key_is_named_by_an_expert_of_the_network(network):
    code, out = run("keys", "create", "E-99", "--role", "expert", "--area", "5115")
    made_code, made = run("keys", "create", "E-05", "--role", "expert", "--area", "5115")

    assert (code, out.strip()) == (  # exit 1, as a name already taken
        1,
        "invalid_input: field name: 专家密钥以专家代码命名，E-99 不是调解网络中的专家（E-01, E-02, E-03, E-04, E-05） "
        "an expert's key is named by the expert's code: E-99 is not an expert of the network "
        "(E-01, E-02, E-03, E-04, E-05)",
    )
    assert made_code == 0 and made.startswith("key 1 (专家 expert) for E-05")


def test_stats_reports_the_figures_of_a_known_set_of_cases(network):
    from fengqiao.models.case import Party

    agreed = register(a_new_case(channel_ref="S-1", parties=(Party("applicant", "甲一"), Party("respondent", "乙一"))))
    waiting = register(
        a_new_case(channel_ref="S-2", area_code="511503001001001", parties=(Party("applicant", "甲二"),))
    )
    assert drive(*agreed, [(InputKind.OUTCOME, "agreement", "M-C01")]) == ["waiting:outcome", "closed"]
    assert drive(*waiting, []) == ["waiting:outcome"]

    code, out = run("stats", "--json")
    nanxi_code, nanxi = run("stats", "--json", "--region", "511503")
    later_code, later = run(
        "stats", "--json", "--from", registered_month(agreed[0]), "--to", registered_month(agreed[0])
    )
    bad_code, bad = run("stats", "--from", "2026-13")
    fine_code, fine = run("stats", "--region", "511503001001")
    table_code, table = run("stats")
    month = registered_month(agreed[0])

    assert code == 0 and {k: v for k, v in json.loads(out).items() if k != "definitions"} == {
        "received": 2,
        "mediated": 2,
        "agreements": {"total": 1, "written": 1, "oral": 0},
        "success_rate": 0.5,
        "handed_off": {"total": 0, "by_target": {}},
        "refused": 0,
        "agreement_amount": "0.00",
        "as_of": now().astimezone(CST).date().isoformat(),
        "compared": None,
        "withdrawn": 0,
        "parties_involved": 3,  # S-1 names two parties under the default 1 involved, S-2 one
        "group_disputes": 0,
        "judicial_confirmation_applied": 0,
        "screening": {"sessions": 0, "disputes_found": 0, "disputes_prevented": 0, "cases_registered": 0},
        "roster": {
            "committees": {"village": 8, "township": 4, "enterprise": 0, "sector": 3, "other": 2, "total": 17},
            "mediators": {"total": 24, "full_time": 21, "part_time": 3},
        },
        "open": 1,
        "closed": 1,
        "overdue": 0,
        "due_soon": 0,
        "by_status": {"closed": 1, "mediating": 1},
        "by_type": {"neighbourhood": 2},
        "by_channel": {"grid": 2},
        "by_level": {"community": 1},
        "by_area": {"511502": 1, "511503": 1},
        "by_outcome": {"open": 1, "resolved": 1},
        "lowest_level_share": 1.0,
        "average_days_to_close": 0.0,
        "by_month": [{"month": month, "cases": 2, "closed": 1, "resolved": 1}],
    }
    assert (nanxi_code, json.loads(nanxi)["received"], json.loads(nanxi)["by_status"]) == (0, 1, {"mediating": 1})
    assert (later_code, json.loads(later)["compared"]["year_to_date"]["received"]) == (0, 2)
    assert (bad_code, bad.strip()) == (
        2,
        "invalid_input: field --from: '2026-13' 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10",
    )
    assert (fine_code, fine.strip()) == (
        2,
        "invalid_input: field --region: '511503001001' 细于街道 is finer than a street: statistics are kept by street "
        "(9 digits)",
    )
    assert (
        table_code == 0
        and (
            "受理 received 2 · 调解 mediated 2 · 调解成功 agreements 1 (书面 written 1, 口头 oral 0) · "
            "调解成功率 success rate 50.0%\n导入法治轨道 handed off 0 · 拒绝调解 refused 0 · 撤回 withdrawn 0 · 在办 open 1 · "
            "结案 closed 1\n协议涉及金额 amount agreed 0.00 元 yuan\n"
            "涉及当事人 parties involved 3 · 群体性纠纷 group disputes 0 · 申请司法确认 applied for judicial confirmation 0\n"
            "排查 screening sessions 0 · 发现 disputes found 0 · 预防 prevented 0\n"
            "调委会 committees 17 (村/居 village 8, 乡镇/街道 township 4, 企事业 enterprise 0, 行业/专业 sector 3, "
            "其他 other 2)\n调解员 mediators 24 (专职 full-time 21, 兼职 part-time 3; 截至 as of "
            f"{now().astimezone(CST).date().isoformat()})\n"
            "超期 overdue 0 · 临期 due soon 0 · 基层化解占比 resolved at the lowest level 100.0%"
        )
        in table
    )
    assert re.search(r"│ 调解成功率 success rate +│ 调解成功 ÷ 调解 agreements ÷ mediated +│", table)
    assert "│ 网格上报 grid │    2 │ ██████████████████████████████ │" in table.splitlines()
    assert (  # the outcome table: an open case is 在办, as the statistics define it
        "│ 在办 open        │    1 │ ██████████████████████████████ │\n"
        "│ 已化解 resolved  │    1 │ ██████████████████████████████ │\n"
    ) in table

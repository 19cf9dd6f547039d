"""Names where people expect names (Chinese first, English and the code beside); codes stay in JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.config.network import load_network_file, network_from_document
from fengqiao.models.case import Party
from fengqiao.models.names import Names, dispute_type, reason_shown, rule_shown
from fengqiao.models.vocabulary import Channel, InputKind
from tests.drive import drive, register
from tests.factories import a_new_case, sample_network

NAMES = Names.of(sample_network()[0])
EXAMPLES = Path(__file__).parent.parent / "examples"


def test_codes_are_shown_as_names_with_the_code_beside_and_unknown_codes_as_they_are():
    assert NAMES.org("S-BAISHAWAN") == "白沙湾街道人民调解委员会 S-BAISHAWAN"
    assert NAMES.mediator("M-S01") == "郑明 M-S01"
    assert NAMES.place("511502") == "翠屏区 511502"
    assert NAMES.place("511502002001") == "白沙社区 511502002001"
    assert NAMES.place("511502001001009") == "朝阳社区 511502001001009"  # a grid the network does not list
    assert dispute_type("labour") == "劳动争议 labour"
    assert (NAMES.org("P-NOWHERE"), NAMES.mediator(None), NAMES.place("440300"), dispute_type("fishing")) == (
        "P-NOWHERE",
        "—",
        "440300",
        "fishing",
    )


def test_the_names_read_from_a_stored_document_are_those_of_its_network():
    """`fengqiao cases` reads the names from the document without building the network: the same
    names, from the sample and from a document with neither rooms nor mediators."""
    document = load_network_file()
    bare = {k: v for k, v in document.items() if k not in ("stationed_rooms", "mediators")}

    assert Names.of_document(document) == Names.of(network_from_document(document)[0]) == NAMES
    assert Names.of_document(bare) == Names.of(network_from_document(bare)[0]) != NAMES
    assert Names.of_document(None) == Names.of(None)
    room = document["stationed_rooms"][0]  # the sample has rooms: named, and no place's
    assert Names.of_document(document).org(room["code"]) == f"{room['name']} {room['code']}"


def test_each_system_sentence_of_the_timeline_reads_in_chinese_with_the_english_beside():
    said = {
        "received via hotline_12345 ref YB-1": "经12345热线登记",
        "type labour, risk emergency, starts at P-LABOUR": "分流为劳动争议，风险紧急，自市劳动争议人民调解委员会开始调解",
        "failed at community, escalated to street": "社区/村调解未成功，升级至街道/乡镇",
        "failed at the top of the path, handed off to arbitration": "调解至最高层级仍未成功，导入仲裁",
        "a party refused mediation, handed off to litigation": "当事人拒绝调解，导入诉讼",
        "withdrawn": "申请人撤回",
        "expert opinion given": "专家意见已出具",
        "result from arbitration": "仲裁结果已反馈（结果同悉）",
        "agreement archived": "调解协议归档结案",
        "withdrawal archived": "撤回归档结案",
        "oral_agreement": "调解成功：口头协议",
        "configuration version 1 → 2": "配置版本由第1版迁移至第2版",
    }
    for english, chinese in said.items():
        assert reason_shown(english, NAMES) == f"{chinese} {english}"
    # an assignment names its mediators in the English too, and says in Chinese who stepped aside (回避) and who was full
    assert reason_shown("assigned to mediator M-S01 (first), attempt 2", NAMES) == (
        "指派一级调解员郑明，第2次调解 assigned to mediator 郑明 M-S01 (first), attempt 2"
    )
    assert reason_shown(
        "assigned to mediator M-S02 (first), attempt 2; stepped aside: M-S01 belongs to the respondent, "
        "M-S03 is related to the applicant; every mediator of S-XIJIAO is at capacity; "
        "S-XIJIAO is at its capacity (6/6 open cases)",
        NAMES,
    ) == (
        "指派一级调解员王丽，第2次调解；回避：郑明为被申请人一方、冯刚与申请人有亲友关系；"
        "西郊街道人民调解委员会调解员均已满额；西郊街道人民调解委员会已达承办上限（在办6/6件） "
        "assigned to mediator 王丽 M-S02 (first), attempt 2; stepped aside: 郑明 M-S01 belongs to the respondent, "
        "冯刚 M-S03 is related to the applicant; every mediator of 西郊街道人民调解委员会 S-XIJIAO is at capacity; "
        "西郊街道人民调解委员会 S-XIJIAO is at its capacity (6/6 open cases)"
    )
    assert reason_shown(
        "assigned to mediator M-S02 (first), attempt 1, in the stationed room R-XIJIAO-POLICE at 西郊派出所 (派驻调解室)",
        NAMES,
    ) == (
        "指派一级调解员王丽，第1次调解，在西郊派出所驻所调解室（派驻西郊派出所） assigned to mediator 王丽 M-S02 "
        "(first), attempt 1, in the stationed room 西郊派出所驻所调解室 R-XIJIAO-POLICE at 西郊派出所 (派驻调解室)"
    )
    # a reason written with its Chinese already, and one no rule knows, are shown as stored
    assert reason_shown("时限恢复 clock resumed", NAMES) == "时限恢复 clock resumed"
    assert reason_shown("something new", NAMES) == "something new"


def test_why_a_report_was_held_as_a_duplicate_reads_in_chinese_with_the_places_and_types_named():
    said = {
        "same respondent (name), same place 511502001001, same type labour, 0 days apart": (
            "同一被申请人（姓名）、同一地点 朝阳社区 511502001001、同一纠纷类型 劳动争议 labour、相隔0天"
        ),
        "same applicant (phone) and respondent (ID number), same place 511502001, same type family, 3 days apart": (
            "同一申请人（电话）、同一被申请人（身份证号）、同一地点 西郊街道 511502001、同一纠纷类型 婚姻家庭纠纷 family、相隔3天"
        ),
        "same applicant (ID number), one report names no respondent, same place 511503, same type land, "
        "12 days apart": (
            "同一申请人（身份证号）、其中一份报告未列被申请人、同一地点 南溪区 511503、同一纠纷类型 土地纠纷 land、相隔12天"
        ),
    }
    for english, chinese in said.items():
        assert reason_shown(english, NAMES) == f"{chinese} {english}"


def test_a_path_rule_names_its_path_and_counts_its_rungs_from_one():
    assert rule_shown("path:labour[1]") == "劳动争议路径第2级 labour path, rung 2"
    assert rule_shown("path:neighbourhood[0]") == "邻里纠纷路径第1级 neighbourhood path, rung 1"
    assert rule_shown("path:labour.on_failed") == "劳动争议路径最高级未成功 labour path, failed at the top"
    assert (rule_shown("specialty,load,grade"), rule_shown(None)) == ("specialty,load,grade", "")


def test_the_command_line_shows_names_and_the_json_keeps_the_codes(network, monkeypatch):
    from fengqiao.cli.main import console

    monkeypatch.setattr(console, "width", 400)  # one line a row, to read the timeline's reasons whole
    case_no, case_id = register(a_new_case(channel_ref="N-1", area_code="511502001001001", summary="邻居装修噪音扰民"))
    drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C01")])
    runner = CliRunner()

    shown = runner.invoke(app, ["case", case_no]).output
    listed = runner.invoke(app, ["cases"]).output
    as_json = json.loads(runner.invoke(app, ["case", case_no, "--json"]).output)

    head = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in shown.splitlines()[:8] if "  " in line}
    assert head["类型 type"] == "邻里纠纷 neighbourhood"
    assert head["属地 area"] == "朝阳社区第一网格 511502001001001"
    assert head["承办 org / mediator"] == "西郊街道人民调解委员会 S-XIJIAO / 郑明 M-S01"
    [escalated] = [line for line in shown.splitlines() if "升级 escalation" in line]
    cells = [cell.strip() for cell in escalated.split("│")]
    assert cells[6:9] == [
        "卫红 M-C01",
        "社区/村调解未成功，升级至街道/乡镇 failed at community, escalated to street",
        "邻里纠纷路径第2级 neighbourhood path, rung 2",
    ]
    assert "邻里纠纷 neighbourhood" in listed and "西郊街道人民调解委员会 S-XIJIAO" in listed
    assert {k: as_json[k] for k in ("dispute_type", "area_code", "org", "mediator")} == {
        "dispute_type": "neighbourhood",
        "area_code": "511502001001001",
        "org": "S-XIJIAO",
        "mediator": "M-S01",
    }
    [stored] = [t for t in as_json["timeline"] if t["stage"] == "escalation"]
    assert (stored["actor"], stored["rule"]) == ("M-C01", "path:neighbourhood[1]")  # the JSON keeps the codes


def test_the_case_page_and_the_alerts_show_names(api):
    from tests.factories import a_key

    case_no, case_id = register(a_new_case(channel_ref="N-2", area_code="511502001001001", summary="邻居装修噪音扰民"))
    drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C01")])
    key = a_key("coordinator")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303

    page = api.get(f"/dashboard/cases/{case_no}").text

    assert "<dd>朝阳社区第一网格 511502001001001</dd>" in page
    assert "<dd>西郊街道人民调解委员会 S-XIJIAO / 郑明 M-S01</dd>" in page
    assert (
        "<td>卫红 M-C01</td><td>邻里纠纷路径第2级 neighbourhood path, rung 2</td>"
        "<td>社区/村调解未成功，升级至街道/乡镇 failed at community, escalated to street</td>"
    ) in page
    assert "<td>西郊街道人民调解委员会 S-XIJIAO</td>" in page


def test_the_statistics_and_the_monthly_report_name_their_districts(api):
    from tests.factories import a_key

    register(a_new_case(channel_ref="N-3", area_code="511503001001"))
    key = a_key("coordinator")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303

    for page, chart in (("/dashboard/stats", "chart-area"), ("/dashboard/report", "report-area")):
        bars = api.get(page).text.split(f'id="{chart}"')[1].split("</figure>")[0]
        assert '<span class="label">南溪区 <small>511503</small></span>' in bars, page


def test_the_statistics_command_names_its_types_and_districts(network, monkeypatch):
    from fengqiao.cli.main import console

    monkeypatch.setattr(console, "width", 200)
    case_no, case_id = register(a_new_case(channel_ref="N-4", area_code="511503001001"))
    drive(case_no, case_id, [])  # triaged: a dispute type

    shown = CliRunner().invoke(app, ["stats"]).output

    rows = [" ".join(line.strip("│ ").split()) for line in shown.splitlines()]
    assert any(row.startswith("南溪区 511503 │ 1 │") for row in rows), shown
    assert any(row.startswith("邻里纠纷 neighbourhood │ 1 │") for row in rows), shown


def test_a_recusal_is_said_in_chinese_with_names_on_the_case_page_and_the_command_line(api, monkeypatch):
    from fengqiao.cli.main import console
    from tests.factories import a_key

    monkeypatch.setattr(console, "width", 400)
    parties = (Party("applicant", "刘德明", None, "13890123456"), Party("respondent", "宜宾顺达建筑劳务有限公司"))
    case_no, case_id = register(a_new_case(channel_ref="N-5", parties=parties))
    drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C01")])  # the street's M-S01 works for the respondent
    key = a_key("coordinator")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303

    page = api.get(f"/dashboard/cases/{case_no}").text
    shown = CliRunner().invoke(app, ["case", case_no]).output
    stored = json.loads(CliRunner().invoke(app, ["case", case_no, "--json"]).output)["timeline"]

    said = (
        "指派一级调解员王丽，第2次调解；回避：郑明为被申请人一方 assigned to mediator 王丽 M-S02 (first), "
        "attempt 2; stepped aside: 郑明 M-S01 belongs to the respondent"
    )
    assert f"<td>{said}</td>" in page
    [assigned] = [line for line in shown.splitlines() if "stepped aside" in line]
    assert said in assigned
    assert stored[-1]["reason"] == (
        "assigned to mediator M-S02 (first), attempt 2; stepped aside: M-S01 belongs to the respondent"
    )  # as stored


def test_why_a_report_was_held_reads_in_chinese_on_the_case_page_and_the_command_line(api, monkeypatch):
    from fengqiao.channels import adapt
    from fengqiao.cli.main import console
    from fengqiao.services.intake import receive
    from tests.factories import a_key

    def report(channel: Channel):  # type: ignore[no-untyped-def]
        line = (EXAMPLES / f"{channel}.jsonl").read_text(encoding="utf-8").splitlines()[0]
        return receive(adapt(channel, json.loads(line), record=f"{channel}:1"))

    monkeypatch.setattr(console, "width", 600)
    first = report(Channel.HOTLINE_12345).case.case_no
    held = report(Channel.GRID)
    key = a_key("coordinator")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303

    original = api.get(f"/dashboard/cases/{first}").text
    duplicate = api.get(f"/dashboard/cases/{held.case.case_no}").text
    shown = CliRunner().invoke(app, ["case", held.case.case_no]).output

    english = "same respondent (name), same place 511502001001, same type labour, 0 days apart"
    chinese = "同一被申请人（姓名）、同一地点 朝阳社区 511502001001、同一纠纷类型 劳动争议 labour、相隔0天"
    assert held.duplicate_reason == english  # stored as it was
    assert f"{held.case.case_no}</a> 疑似重复 suspected {chinese} {english}</li>" in original
    intake = (
        f"经网格登记；疑似与{first}重复：{chinese} received via grid ref WG-511502001001001-20261103-0012; "
        f"suspected duplicate of {first}: {english}"
    )
    assert f"<td>{intake}</td>" in duplicate
    [received] = [line for line in shown.splitlines() if "登记 intake" in line]
    assert intake in received

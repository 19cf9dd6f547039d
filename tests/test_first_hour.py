"""A newcomer's first hour (issue 15, the fresh-eye review's remainder), on both databases.

The dashboard links to Prefect's UI only where there is one; the intake row of a timeline has no
status before it; the next step, the panels and a what-if's endings read as names; reports held
as possible duplicates are flagged on the board.
"""

from __future__ import annotations

import re

import pytest

from fengqiao.config.settings import get_settings
from fengqiao.models.vocabulary import InputKind
from tests.drive import drive, register
from tests.factories import a_new_case
from tests.test_dashboard import hotline, sign_in, text_of

V1 = "/api/v1"
NO_UI = (
    "内置的 Prefect 没有网页界面，流程运行不能在此打开。要打开：另开终端运行 PREFECT_HOME=.fengqiao/prefect "
    "PREFECT_SERVER_ANALYTICS_ENABLED=false .venv/bin/prefect server start （见 README），再以 "
    "FENGQIAO_PREFECT_UI_URL=http://127.0.0.1:4200 启动 fengqiao serve ；使用 Prefect 服务器（设置 PREFECT_API_URL ）"
    "时链接自动出现。 The embedded Prefect has no UI, so flow runs cannot be opened from here. To open them, run "
    "that command in another terminal (README) and start fengqiao serve with FENGQIAO_PREFECT_UI_URL=http://127.0.0.1:4200 "
    "; with a Prefect server ( PREFECT_API_URL set) the links appear by themselves."
)


def no_ui_note(page: str) -> str | None:
    found = re.search(r'<p class="note" id="no-prefect-ui">(.*?)</p>', page, re.S)
    return text_of(found.group(1)) if found else None


def test_on_the_embedded_default_the_pages_say_there_is_no_prefect_ui_instead_of_a_dead_link(api):
    case_no, case_id = register(a_new_case(channel_ref="P-1"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    sign_in(api)

    board = api.get("/dashboard/").text
    case = api.get(f"/dashboard/cases/{case_no}").text

    assert "Prefect ↗" not in board and "Prefect ↗" not in case and "/runs/flow-run/" not in board + case
    assert no_ui_note(board) == NO_UI and no_ui_note(case) == NO_UI


def test_with_a_prefect_ui_configured_the_pages_link_each_flow_run(api, monkeypatch: pytest.MonkeyPatch):
    case_no, case_id = register(a_new_case(channel_ref="P-2"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    monkeypatch.setenv("FENGQIAO_PREFECT_UI_URL", "http://127.0.0.1:4200/")
    get_settings.cache_clear()
    sign_in(api)

    board = api.get("/dashboard/").text
    case = api.get(f"/dashboard/cases/{case_no}").text

    links = r'<a href="(http://127\.0\.0\.1:4200/runs/flow-run/[0-9a-f-]{36})" target="_blank" rel="noopener">Prefect ↗'
    assert len(re.findall(links, board)) == 1 and re.findall(links, case) == re.findall(links, board)
    assert no_ui_note(board) is None and no_ui_note(case) is None


def test_the_prefect_ui_is_a_servers_or_the_one_configured_never_the_embedded_one(monkeypatch: pytest.MonkeyPatch):
    from fengqiao.config.prefect_env import EMBEDDED_PORT
    from fengqiao.dashboard.site import prefect_ui_url

    monkeypatch.delenv("FENGQIAO_PREFECT_UI_URL", raising=False)
    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    get_settings.cache_clear()
    monkeypatch.setenv(EMBEDDED_PORT, "4321")
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4321/api")
    embedded = prefect_ui_url()
    monkeypatch.setenv("PREFECT_UI_URL", "http://10.0.0.5:4200")
    prefects_own = prefect_ui_url()
    monkeypatch.delenv("PREFECT_UI_URL")
    monkeypatch.delenv(EMBEDDED_PORT)
    monkeypatch.setenv("PREFECT_API_URL", "http://10.0.0.5:4200/api")
    server = prefect_ui_url()

    assert (embedded, prefects_own, server) == (None, "http://10.0.0.5:4200", "http://10.0.0.5:4200")


def test_the_case_page_shows_the_intake_row_from_nothing_and_the_next_step_in_words(api):
    case_no, case_id = register(a_new_case(channel_ref="T-1"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    sign_in(api)

    page = api.get(f"/dashboard/cases/{case_no}").text

    rows = re.findall(r'<tr data-seq="\d+">(?:\s*<td>[^<]*</td>){3}\s*<td>(.*?)</td>', page)
    assert [text_of(r) for r in rows] == [
        "— → 已受理 received",
        "已受理 → 已分流 triaged",
        "已分流 → 调解中 mediating",
    ]
    assert "未分类" not in page
    assert re.search(r'<dd id="next-step">([^<]+)</dd>', page).group(1) == "等待调解结果 waiting:outcome"


def test_the_board_flags_reports_held_as_possible_duplicates_and_counts_them(api):
    from tests.factories import a_key

    integrator = a_key("integrator")
    numbers = [
        api.post(f"{V1}/intake/hotline_12345", json=hotline(n), headers=integrator).json()["case_no"] for n in (1, 2, 3)
    ]
    sign_in(api)

    board = api.get("/dashboard/").text
    flagged = re.findall(r'data-case="(\w+)"[^>]*>\s*<td>.*?疑似重复 held: possible duplicate', board)

    assert 'id="held-total">2<' in board
    assert "疑似重复待定 2 件 held as possible duplicates: fengqiao duplicates" in text_of(board)
    assert sorted(flagged) == sorted(numbers[1:])  # the first report is the open case; the other two are held


def test_the_cli_timeline_starts_from_nothing_and_names_the_statuses(network):
    from tests.test_cli import run

    case_no, case_id = register(a_new_case(channel_ref="T-2"))
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C01")])[-1] == "waiting:outcome"

    code, out = run("case", case_no)

    assert code == 0
    assert "等待 waiting for     等待调解结果 waiting:outcome --attempt 2" in out
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("│ 1 "))
    row = [re.findall(r"│ ([^│]*?) *(?=│)", line) for line in lines[at : at + 2]]  # a cell may wrap once
    assert [" ".join(filter(None, cell)) for cell in zip(*row, strict=True)][2] == "— → 已受理 received"


STATUSES = (
    "received（已受理）, triaged（已分流）, mediating（调解中）, escalated（已升级）, resolved（已化解）, "
    "handed_off（已导入法治轨道）, closed（已结案）, withdrawn（已撤回）"
)
CHANNELS = (
    "hotline_12345（12345热线）, grid（网格上报）, walk_in（窗口来访）, police（警调对接）, court（诉调对接）, "
    "petition（访调对接）, online（网上申请）"
)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["cases", "--status", "foo"], f"--status 'foo' 不是可选值 is not one of: {STATUSES}"),
        (["cases", "--channel", "wechat"], f"--channel 'wechat' 不是可选值 is not one of: {CHANNELS}"),
        (["intake", "FILE", "-c", "fax"], f"--channel 'fax' 不是可选值 is not one of: {CHANNELS}"),
        (
            ["outcome", "FQ20260000001", "--result", "maybe"],
            "--result 'maybe' 不是可选值 is not one of: agreement（书面协议）, oral_agreement（口头协议）, "
            "failed（调解不成）, refused（拒绝调解）, withdrawn（已撤回）",
        ),
        (
            ["keys", "create", "x", "--role", "boss"],
            "--role 'boss' 不是可选值 is not one of: integrator（对接系统）, mediator（调解员）, coordinator（协调中心）, "
            "admin（管理员）, expert（专家）",
        ),
        (
            ["clock", "pause", "FQ20260000001", "--reason", "lunch"],
            "--reason 'lunch' 不是可选值 is not one of: appraisal（鉴定）, party_unavailable（当事人因故无法参加）, "
            "expert_opinion（等待专家意见）, force_majeure（不可抗力）",
        ),
        (
            ["follow-up", "FQ20260000001", "--honoured", "--satisfaction", "5", "--if-broken", "later"],
            "--if-broken 'later' 不是可选值 is not one of: reopen（重新调解）, hand_off（导入法治轨道）",
        ),
    ],
)
def test_an_unknown_value_of_an_enumerated_option_is_one_bilingual_line_listing_the_allowed(args, said, tmp_path):
    from typer.testing import CliRunner

    from fengqiao.cli.main import app

    (tmp_path / "records.jsonl").write_text("{}\n", encoding="utf-8")
    args = [str(tmp_path / "records.jsonl") if a == "FILE" else a for a in args]

    result = CliRunner().invoke(app, args)

    assert (result.exit_code, result.output) == (2, f"取值无效 invalid value: {said}\n")


def test_a_request_the_api_cannot_read_is_one_error_in_both_languages_naming_the_field(api):
    from tests.factories import a_key

    case_no, case_id = register(a_new_case(channel_ref="V-1"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    mediator = a_key("mediator", name="M-C01", areas=("511502",))
    centre = a_key("coordinator")

    no_result = api.post(f"{V1}/cases/{case_no}/outcome", json={"note": "x"}, headers=mediator)
    unknown = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "maybe"}, headers=mediator)
    limit = api.get(f"{V1}/cases", params={"limit": "many"}, headers=centre)
    attendees = api.post(
        f"{V1}/cases/{case_no}/sessions",
        json={
            "held_at": "2026-11-24T10:00:00+08:00",
            "place": "调解室",
            "attendees": "张三",
            "mediators": ["郑明"],
            "content": "x",
        },
        headers=mediator,
    )
    nowhere = api.get(f"{V1}/nowhere", headers=centre)

    assert [(a.status_code, a.json()["error"]) for a in (no_result, unknown, limit, attendees, nowhere)] == [
        (422, {"code": "invalid_input", "message": "result: 缺少必填字段 required field missing", "field": "result"}),
        (
            422,
            {
                "code": "invalid_input",
                "message": "result: 取值不在允许范围 Input should be 'agreement', 'oral_agreement', 'failed', "
                "'refused' or 'withdrawn'",
                "field": "result",
            },
        ),
        (
            422,
            {
                "code": "invalid_input",
                "message": "limit: 应为整数 Input should be a valid integer, unable to parse string as an integer",
                "field": "limit",
            },
        ),
        (
            422,
            {
                "code": "invalid_input",
                "message": "attendees: 应为列表 Input should be a valid list",
                "field": "attendees",
            },
        ),
        (404, {"code": "not_found", "message": "没有这个接口 no such operation", "field": None}),
    ]

"""`fengqiao config diff` and `show`: what an administrator sees before and after applying a change."""

from __future__ import annotations

import copy

from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.config.diff import Change, diff_documents
from fengqiao.config.network import SAMPLE_NETWORK, load_network_file


def proposed() -> tuple[dict, dict]:
    old = load_network_file()
    new = copy.deepcopy(old)
    new["paths"]["labour"]["steps"][0]["deadline_days"] = 10
    new["mediators"] = [m for m in new["mediators"] if m["code"] != "M-C09"]
    new["mediators"].append({**new["mediators"][0], "code": "M-C10", "name": "新调解员"})
    new["triage"]["duplicate_window_days"] = 45
    return old, new


def test_each_change_is_listed_by_section_and_entry():
    old, new = proposed()
    changes = diff_documents(old, new)

    assert [(c.section, c.key, c.kind) for c in changes] == [
        ("mediators", "M-C09", "removed"),
        ("mediators", "M-C10", "added"),
        ("paths", "labour", "changed"),
        ("triage", "duplicate_window_days", "changed"),
    ]
    assert changes[2] == Change(
        "paths",
        "labour",
        "changed",
        "1 社区/村 community 15d → 2 街道/乡镇 street 15d → 3 P-LABOUR 15d; 未成功 failed→仲裁 arbitration, "
        "拒绝 refused→仲裁 arbitration; 紧急案件自第3级 emergency starts at rung 3",
        "1 社区/村 community 10d → 2 街道/乡镇 street 15d → 3 P-LABOUR 15d; 未成功 failed→仲裁 arbitration, "
        "拒绝 refused→仲裁 arbitration; 紧急案件自第3级 emergency starts at rung 3",
    )
    assert (changes[3].before, changes[3].after) == ("30", "45")
    assert diff_documents(old, old) == []


def test_show_and_diff_on_the_command_line(network, tmp_path):
    runner = CliRunner()
    text = SAMPLE_NETWORK.read_text(encoding="utf-8").replace(
        "{level: community, deadline_days: 15}", "{level: community, deadline_days: 10}"
    )
    file = tmp_path / "proposed.yaml"
    file.write_text(text, encoding="utf-8")

    before = runner.invoke(app, ["config", "diff", str(file)])
    assert before.exit_code == 0 and "1 changes" in before.output and "community 10d" in before.output

    assert runner.invoke(app, ["config", "apply", str(file)]).output.strip() == "配置版本 configuration version 2"
    after = runner.invoke(app, ["config", "diff"])
    assert "version 1 → version 2: 1 changes" in after.output.replace("\n", " ")
    shown = runner.invoke(app, ["config", "show"])
    assert shown.exit_code == 0
    assert path_row(shown.output, "劳动争议 labour") == [
        "劳动争议 labour",
        "1 社区/村 community 10d → 2 街道/乡镇 street 15d → 3 市劳动争议人民调解委员会 P-LABOUR 15d; "
        "未成功 failed→仲裁 arbitration, 拒绝 refused→仲裁 arbitration; 紧急案件自第3级 emergency starts at rung 3",
    ]
    assert "2 ◀" in shown.output


def path_row(output: str, first: str) -> list[str]:
    """A row of the paths table as its cells, the lines rich wrapped it onto joined again."""
    lines = [[c.strip() for c in line.strip()[1:-1].split("│")] for line in output.splitlines() if "│" in line]
    start = next(i for i, cells in enumerate(lines) if cells[0] == first)
    row = lines[start]
    for cells in lines[start + 1 :]:
        if cells[0]:
            break
        row = [" ".join(filter(None, pair)) for pair in zip(row, cells, strict=True)]
    return row


def test_applying_an_earlier_document_again_makes_it_current(network, tmp_path):
    from fengqiao.db import configurations
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.services.intake import apply_configuration
    from fengqiao.services.runtime import engine

    changed = load_network_file()
    changed["paths"]["labour"]["steps"][0]["deadline_days"] = 10
    assert apply_configuration(changed, source="proposed") == 2
    assert apply_configuration(source=None) == 1  # the sample again: a revert, not a third version

    with UnitOfWork(engine()) as uow:
        assert configurations.latest_config_version(uow.conn) == 1
        assert [v["id"] for v in configurations.config_versions_list(uow.conn)] == [1, 2]

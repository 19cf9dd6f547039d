"""`fengqiao demo` as a user runs it: a fresh folder, embedded SQLite and Prefect, nothing configured."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def test_the_demo_takes_every_path_and_reports_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FENGQIAO_"))}

    result = subprocess.run(
        [str(BIN / "fengqiao"), "demo", "--cases", "9"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    counts = dict(re.findall(r"│ (\S+ [a-z_ ]+?)\s+│\s+(\d+) │", out))
    assert {k: counts[k] for k in ("已化解 resolved", "已导入法治轨道 handed_off", "已撤回 withdrawn")} == {
        "已化解 resolved": "5",
        "已导入法治轨道 handed_off": "2",
        "已撤回 withdrawn": "1",
    }
    assert re.search(r"│ 拒绝调解 refused → 已导入法治轨道 handed_off\s+│\s+1 │", out), (
        out
    )  # as the statistics count it
    assert {
        k: counts[k] for k in ("社区/村 community", "专业调委会 panel", "街道/乡镇 street", "未调解 not mediated")
    } == {
        "社区/村 community": "3",
        "专业调委会 panel": "3",
        "街道/乡镇 street": "2",
        "未调解 not mediated": "1",
    }
    assert {k: counts[k] for k in ("登记 intake", "指派 assignment", "专家意见 expert_opinion", "结案 closing")} == {
        "登记 intake": "9",
        "指派 assignment": "13",
        "专家意见 expert_opinion": "1",
        "结案 closing": "9",
    }
    assert "still open" not in out
    assert (tmp_path / ".fengqiao" / "fengqiao.db").exists() and (tmp_path / ".fengqiao" / "prefect").is_dir()
    with sqlite3.connect(tmp_path / ".fengqiao" / "fengqiao.db") as db:
        crashed = db.execute("SELECT subject, reason FROM alerts WHERE kind = 'run_crashed'").fetchall()
    assert crashed == []  # no run was declared dead: one waiting for the worker's thread is not

    shown = subprocess.run(
        [str(BIN / "fengqiao"), "case", "FQ20260000003", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0
    case = json.loads(shown.stdout)
    assert (case["status"], case["dispute_type"], case["channel"]) == ("closed", "traffic", "police")
    assert [(t["to_status"], t["stage"], t["org"]) for t in case["timeline"]] == [
        ("received", "intake", None),
        ("triaged", "triage", None),
        ("mediating", "assignment", "C-XIANFENG"),
        ("escalated", "escalation", "P-TRAFFIC"),
        ("escalated", "expert_opinion", "P-TRAFFIC"),
        ("mediating", "assignment", "P-TRAFFIC"),
        ("mediating", "session", "P-TRAFFIC"),  # the session record the demo files before the agreement
        ("resolved", "resolution", "P-TRAFFIC"),
        ("closed", "closing", "P-TRAFFIC"),
    ]
    assert (case["timeline"][4]["reason"], case["timeline"][4]["note"]) == (
        "expert opinion given",
        "rear vehicle 70%, front vehicle 30%",
    )
    assert case["parties"] == [
        {"role": "applicant", "name": "申***", "id_number": "", "phone": ""},
        {"role": "respondent", "name": "被****", "id_number": "", "phone": ""},
    ]


def test_a_demo_whose_cases_do_not_close_as_scripted_fails_naming_each(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "FENGQIAO_"))}

    result = subprocess.run(
        [str(BIN / "fengqiao"), "demo", "--cases", "2", "--timeout", "0.1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    missed = re.findall(
        r"not as scripted: (FQ\d+) \((\w+)\): 仍未结案 still open after --timeout 0.1 s, .*; scripted to close as (\S+ \w+)",
        result.stderr,
    )
    assert [(scenario, ends) for _, scenario, ends in missed] == [
        ("resolved_first_level", "已化解 resolved"),
        ("escalated_once", "已化解 resolved"),
    ]
    assert "Traceback" not in result.stderr

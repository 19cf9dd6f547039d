"""The demo's summary as people read it: committees by name with their codes, scenarios in Chinese first."""

from __future__ import annotations

import io

from rich.console import Console

from fengqiao.cli.demo import DemoCase, report
from fengqiao.cli.demo_scenarios import SCENARIOS
from tests.drive import drive, register


def test_the_summary_names_each_committee_that_mediated_and_each_scenario(network):
    played = [s for s in SCENARIOS if s.name in ("escalated_once", "failed_to_arbitration")]
    demo = []
    for n, scenario in enumerate(played, start=1):
        case_no, case_id = register(scenario.intake_record(channel_ref=f"R-{scenario.name}", n=n))
        assert drive(case_no, case_id, list(scenario.script))[-1] == "closed"
        demo.append(DemoCase(case_id, case_no, scenario))
    out = io.StringIO()

    result = report(demo, console=Console(file=out, width=140), timeout=60)

    assert result.not_as_scripted == []
    lines = out.getvalue().splitlines()
    assert lines[4:14] == [
        "│ FQ20260000001 │ 12345热线          │ 物业纠纷 property │ 升级一次后化解        │ 白沙社区调委会     │ 已化解 resolved    │ 已结案 closed │",
        "│               │ hotline_12345      │                   │ escalated_once        │ C-BAISHA           │                    │               │",
        "│               │                    │                   │                       │ → 白沙湾街道调委会 │                    │               │",
        "│               │                    │                   │                       │ S-BAISHAWAN        │                    │               │",
        "│ FQ20260000002 │ 访调对接 petition  │ 劳动争议 labour   │ 调解不成，导入仲裁    │ 龙潭村调委会       │ 已导入法治轨道     │ 已结案 closed │",
        "│               │                    │                   │ failed_to_arbitration │ C-LONGTAN          │ handed_off         │               │",
        "│               │                    │                   │                       │ → 罗龙镇调委会     │                    │               │",
        "│               │                    │                   │                       │ S-LUOLONG          │                    │               │",
        "│               │                    │                   │                       │ → 市劳动争议调委会 │                    │               │",
        "│               │                    │                   │                       │ P-LABOUR           │                    │               │",
    ]

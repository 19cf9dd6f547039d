"""What-if: stored cases replayed against a proposed configuration, with exact routes and counts."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, datetime, timedelta

from fengqiao.config.network import load_network_file, network_from_document
from fengqiao.models.clocks import CST
from fengqiao.models.vocabulary import InputKind, Risk
from fengqiao.models.whatif import Replayable, Route, compare, replay
from fengqiao.services.whatif import what_if
from tests.drive import drive, register
from tests.factories import a_new_case

SAMPLE = load_network_file()


def proposed() -> dict:
    doc = copy.deepcopy(SAMPLE)
    doc["paths"]["neighbourhood"]["steps"] = doc["paths"]["neighbourhood"]["steps"][:2]  # no district rung
    doc["paths"]["labour"]["steps"] = [{"panel": "P-LABOUR", "deadline_days": 15}]  # straight to the panel
    doc["paths"]["labour"]["emergency_start"] = 0
    return doc


def case(no: str, declared: str | None, answers: tuple[str, ...], summary: str = "纠纷") -> Replayable:
    return Replayable(no, 1, declared, summary, 1, Risk.NORMAL, answers)


CASES = [
    case("N1", "neighbourhood", ("failed", "failed", "agreement")),
    case("N2", "neighbourhood", ("agreement",)),
    case("L1", "labour", ("failed",)),
    case("M1", "medical", ("refused",)),
    case("U1", None, ("agreement",), summary="对方已起诉，法院已受理"),
]


def test_each_case_is_replayed_from_what_people_said():
    network, rules = network_from_document(SAMPLE)
    assert [replay(c, network, rules) for c in CASES] == [
        Route("district", "resolved"),
        Route("community", "resolved"),
        Route("street", "mediating"),  # no answer recorded at the street yet
        Route("P-MEDICAL", "handed_off:litigation"),
        Route("—", "handed_off:litigation"),  # not suitable for mediation
    ]


def test_the_report_counts_where_cases_end_before_and_after():
    report = compare(CASES, {1: network_from_document(SAMPLE)}, network_from_document(proposed()))

    assert report.cases == 5
    assert report.changed == [
        ("N1", Route("district", "resolved"), Route("street", "handed_off:litigation")),
        ("L1", Route("street", "mediating"), Route("P-LABOUR", "handed_off:arbitration")),
    ]
    assert report.rungs == (
        Counter({"district": 1, "community": 1, "street": 1, "P-MEDICAL": 1, "—": 1}),
        Counter({"street": 1, "community": 1, "P-LABOUR": 1, "P-MEDICAL": 1, "—": 1}),
    )
    assert report.results[1] == Counter({"handed_off:litigation": 3, "resolved": 1, "handed_off:arbitration": 1})


def test_what_if_reads_the_periods_stored_cases(network):
    start = datetime.now(UTC) - timedelta(minutes=1)
    no, cid = register(a_new_case(channel_ref="W-1", declared_type="neighbourhood"))
    drive(
        no,
        cid,
        [
            (InputKind.OUTCOME, "failed", "M-C01"),
            (InputKind.OUTCOME, "failed", "M-S01"),
            (InputKind.OUTCOME, "agreement", "M-D01"),
        ],
    )
    later = datetime.now(UTC) + timedelta(minutes=1)

    report = what_if(proposed(), since=start, until=later)

    assert report.changed == [(no, Route("district", "resolved"), Route("street", "handed_off:litigation"))]
    assert what_if(proposed(), since=later, until=later + timedelta(days=1)).cases == 0


def test_what_if_on_the_command_line(network, tmp_path):
    import yaml
    from typer.testing import CliRunner

    from fengqiao.cli.main import app

    no, cid = register(a_new_case(channel_ref="W-2", declared_type="labour"))
    drive(no, cid, [(InputKind.OUTCOME, "failed", "M-C01")])
    file = tmp_path / "proposed.yaml"
    file.write_text(yaml.safe_dump(proposed(), allow_unicode=True), encoding="utf-8")
    today = datetime.now(CST).date()  # the command's days are China time

    result = CliRunner().invoke(
        app, ["config", "what-if", str(file), "--from", f"{today}", "--to", f"{today + timedelta(days=1)}"]
    )

    assert result.exit_code == 0, result.output
    assert f"1 cases registered {today} – {today} (China time, both days included)" in " ".join(result.output.split())
    assert "1 cases registered" in result.output and "1 would take another route under proposed.yaml" in result.output
    assert (
        f"{no}" in result.output
        and "市劳动争议人民调解委员会 P-LABOUR: 导入法治轨道：仲裁 handed_off:arbitration" in result.output
    )

"""Each demo path end to end through the real case flow and a real database: the exact timeline."""

from __future__ import annotations

import pytest

from flows.demo_scenarios import SCENARIOS
from tests.drive import drive, register, timeline_of

N, F = None, "fengqiao"
ASSIGNED = "specialty,load,grade"

EXPECTED = {
    "resolved_first_level": (
        ["waiting:outcome", "closed"],
        [
            (1, N, "received", "intake", N, "channel:grid", N, "received via grid ref T-resolved_first_level"),
            (
                2,
                "received",
                "triaged",
                "triage",
                N,
                F,
                "default_type",
                "type neighbourhood, risk normal, starts at community",
            ),
            (
                3,
                "triaged",
                "mediating",
                "assignment",
                "C-ZHAOYANG",
                F,
                ASSIGNED,
                "assigned to mediator M-C01 (mediator), attempt 1",
            ),
            (4, "mediating", "resolved", "resolution", "C-ZHAOYANG", "M-C01", N, "agreement"),
            (5, "resolved", "closed", "closing", "C-ZHAOYANG", F, N, "agreement archived"),
        ],
    ),
    "escalated_once": (
        ["waiting:outcome", "waiting:outcome", "closed"],
        [
            (
                1,
                N,
                "received",
                "intake",
                N,
                "channel:hotline_12345",
                N,
                "received via hotline_12345 ref T-escalated_once",
            ),
            (
                2,
                "received",
                "triaged",
                "triage",
                N,
                F,
                "kw_property",
                "type property, risk normal, starts at community",
            ),
            (
                3,
                "triaged",
                "mediating",
                "assignment",
                "C-BAISHA",
                F,
                ASSIGNED,
                "assigned to mediator M-C04 (mediator), attempt 1",
            ),
            (
                4,
                "mediating",
                "escalated",
                "escalation",
                "S-BAISHAWAN",
                "M-C04",
                "path:property[1]",
                "failed at community, escalated to street",
            ),
            (
                5,
                "escalated",
                "mediating",
                "assignment",
                "S-BAISHAWAN",
                F,
                ASSIGNED,
                "assigned to mediator M-S03 (first), attempt 2",
            ),
            (6, "mediating", "resolved", "resolution", "S-BAISHAWAN", "M-S03", N, "oral_agreement"),
            (7, "resolved", "closed", "closing", "S-BAISHAWAN", F, N, "agreement archived"),
        ],
    ),
    "panel_with_expert": (
        ["waiting:outcome", "waiting:expert_opinion", "waiting:outcome", "closed"],
        [
            (1, N, "received", "intake", N, "channel:police", N, "received via police ref T-panel_with_expert"),
            (2, "received", "triaged", "triage", N, F, "kw_traffic", "type traffic, risk normal, starts at community"),
            (
                3,
                "triaged",
                "mediating",
                "assignment",
                "C-XIANFENG",
                F,
                ASSIGNED,
                "assigned to mediator M-C06 (mediator), attempt 1",
            ),
            (
                4,
                "mediating",
                "escalated",
                "escalation",
                "P-TRAFFIC",
                "M-C06",
                "path:traffic[1]",
                "failed at community, escalated to P-TRAFFIC",
            ),
            (
                5,
                "escalated",
                "escalated",
                "expert_opinion",
                "P-TRAFFIC",
                "E-05",
                N,
                "expert opinion: rear vehicle 70%, front vehicle 30%",
            ),
            (
                6,
                "escalated",
                "mediating",
                "assignment",
                "P-TRAFFIC",
                F,
                ASSIGNED,
                "assigned to mediator M-P05 (chief), attempt 2",
            ),
            (7, "mediating", "resolved", "resolution", "P-TRAFFIC", "M-P05", N, "agreement"),
            (8, "resolved", "closed", "closing", "P-TRAFFIC", F, N, "agreement archived"),
        ],
    ),
    "refused": (
        ["waiting:outcome", "waiting:handoff_result", "closed"],
        [
            (1, N, "received", "intake", N, "channel:walk_in", N, "received via walk_in ref T-refused"),
            (
                2,
                "received",
                "triaged",
                "triage",
                N,
                F,
                "declared_by_channel",
                "type family, risk normal, starts at community",
            ),
            (
                3,
                "triaged",
                "mediating",
                "assignment",
                "C-JINSHA",
                F,
                ASSIGNED,
                "assigned to mediator M-C03 (mediator), attempt 1",
            ),
            (
                4,
                "mediating",
                "handed_off",
                "handoff",
                "C-JINSHA",
                "M-C03",
                "voluntary:refused",
                "a party refused mediation, handed off to litigation",
            ),
            (
                5,
                "handed_off",
                "closed",
                "closing",
                "C-JINSHA",
                "court:CUIPING",
                N,
                "result from litigation: court accepted the claim",
            ),
        ],
    ),
    "failed_to_arbitration": (
        ["waiting:outcome"] * 3 + ["waiting:handoff_result", "closed"],
        [
            (1, N, "received", "intake", N, "channel:petition", N, "received via petition ref T-failed_to_arbitration"),
            (
                2,
                "received",
                "triaged",
                "triage",
                N,
                F,
                "declared_by_channel",
                "type labour, risk normal, starts at community",
            ),
            (
                3,
                "triaged",
                "mediating",
                "assignment",
                "C-LONGTAN",
                F,
                ASSIGNED,
                "assigned to mediator M-C08 (mediator), attempt 1",
            ),
            (
                4,
                "mediating",
                "escalated",
                "escalation",
                "S-LUOLONG",
                "M-C08",
                "path:labour[1]",
                "failed at community, escalated to street",
            ),
            (
                5,
                "escalated",
                "mediating",
                "assignment",
                "S-LUOLONG",
                F,
                ASSIGNED,
                "assigned to mediator M-S05 (first), attempt 2",
            ),
            (
                6,
                "mediating",
                "escalated",
                "escalation",
                "P-LABOUR",
                "M-S05",
                "path:labour[2]",
                "failed at street, escalated to P-LABOUR",
            ),
            (
                7,
                "escalated",
                "mediating",
                "assignment",
                "P-LABOUR",
                F,
                ASSIGNED,
                "assigned to mediator M-P01 (chief), attempt 3",
            ),
            (
                8,
                "mediating",
                "handed_off",
                "handoff",
                "P-LABOUR",
                "M-P01",
                "path:labour.on_failed",
                "failed at the top of the path, handed off to arbitration",
            ),
            (
                9,
                "handed_off",
                "closed",
                "closing",
                "P-LABOUR",
                "arb:CITY",
                N,
                "result from arbitration: arbitral award issued",
            ),
        ],
    ),
    "withdrawn": (
        ["waiting:outcome", "closed"],
        [
            (1, N, "received", "intake", N, "channel:online", N, "received via online ref T-withdrawn"),
            (
                2,
                "received",
                "triaged",
                "triage",
                N,
                F,
                "kw_contract",
                "type contract, risk normal, starts at community",
            ),
            (
                3,
                "triaged",
                "mediating",
                "assignment",
                "C-JIANGBEI",
                F,
                ASSIGNED,
                "assigned to mediator M-C05 (mediator), attempt 1",
            ),
            (4, "mediating", "withdrawn", "withdrawal", "C-JIANGBEI", "applicant", N, "withdrawn"),
            (5, "withdrawn", "closed", "closing", "C-JIANGBEI", F, N, "withdrawal archived"),
        ],
    ),
    "not_suitable": (
        ["waiting:handoff_result", "closed"],
        [
            (1, N, "received", "intake", N, "channel:court", N, "received via court ref T-not_suitable"),
            (
                2,
                "received",
                "triaged",
                "triage",
                N,
                F,
                "not_suitable:already_in_court",
                "不适宜调解 not suitable for mediation → litigation",
            ),
            (3, "triaged", "handed_off", "handoff", N, F, "not_suitable", "不适宜调解，导入诉讼 litigation"),
            (4, "handed_off", "closed", "closing", N, "court:CUIPING", N, "result from litigation: trial scheduled"),
        ],
    ),
    "emergency": (
        ["waiting:outcome", "closed"],
        [
            (1, N, "received", "intake", N, "channel:grid", N, "received via grid ref T-emergency"),
            (
                2,
                "received",
                "triaged",
                "triage",
                N,
                F,
                "kw_labour;emergency:people_involved>=10",
                "type labour, risk emergency, starts at P-LABOUR",
            ),
            (
                3,
                "triaged",
                "mediating",
                "assignment",
                "P-LABOUR",
                F,
                "specialty,grade,load",  # an emergency: the most senior specialist
                "assigned to mediator M-P01 (chief), attempt 1",
            ),
            (4, "mediating", "resolved", "resolution", "P-LABOUR", "M-P01", N, "agreement"),
            (5, "resolved", "closed", "closing", "P-LABOUR", F, N, "agreement archived"),
        ],
    ),
}


def test_every_scenario_has_an_expected_timeline():
    assert sorted(EXPECTED) == sorted(s.name for s in SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_path_end_to_end(prefect_server, network, scenario):
    case_no, case_id = register(scenario.intake_record(channel_ref=f"T-{scenario.name}", n=1))

    runs = drive(case_no, case_id, list(scenario.script))

    expected_runs, expected_timeline = EXPECTED[scenario.name]
    assert runs == expected_runs
    assert timeline_of(case_id) == expected_timeline

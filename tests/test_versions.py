"""Version pinning: a running case keeps its configuration until an administrator migrates it."""

from __future__ import annotations

import copy

import pytest

from fengqiao.cli.demo_papers import file_papers
from fengqiao.config.network import load_network_file
from fengqiao.flows.case import case_flow
from fengqiao.models.errors import CaseNotFound, InvalidInput, TransitionNotAllowed
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.human_input import record_input
from fengqiao.services.intake import apply_configuration
from fengqiao.services.reconfigure import migrate_case
from tests.drive import register, timeline_of
from tests.factories import a_new_case


def neighbourhood_without_the_street() -> dict:
    doc = copy.deepcopy(load_network_file())
    doc["paths"]["neighbourhood"]["steps"] = [
        {"level": "community", "deadline_days": 20},
        {"level": "district", "deadline_days": 30},
    ]
    return doc


def test_a_new_version_does_not_reroute_a_running_case(network):
    no, cid = register(a_new_case(channel_ref="V-1", declared_type="neighbourhood"))
    assert case_flow(cid) == "waiting:outcome"
    assert apply_configuration(neighbourhood_without_the_street(), source="v2") == 2

    record_input(no, InputKind.OUTCOME, "failed", actor="M-C01")
    case_flow(cid)

    escalated = timeline_of(cid)[3]
    assert (escalated[3], escalated[7]) == ("escalation", "failed at community, escalated to street")


def test_an_explicit_migration_is_a_recorded_transition_and_the_new_path_applies(network):
    no, cid = register(a_new_case(channel_ref="V-2", declared_type="neighbourhood"))
    case_flow(cid)
    apply_configuration(neighbourhood_without_the_street(), source="v2")

    after = migrate_case(no, 2, actor="admin-01", note="街道调委会改组")
    record_input(no, InputKind.OUTCOME, "failed", actor="M-C01")
    case_flow(cid)

    assert (after.config_version, after.path_step) == (2, 0)
    assert timeline_of(cid)[3:5] == [
        (
            4,
            "mediating",
            "mediating",
            "reconfiguration",
            "C-ZHAOYANG",
            "admin-01",
            "explicit_migration",
            "configuration version 1 → 2",
        ),
        (
            5,
            "mediating",
            "escalated",
            "escalation",
            "D-CUIPING",
            "M-C01",
            "path:neighbourhood[1]",
            "failed at community, escalated to district",
        ),
    ]


def test_the_command_line_names_the_version_and_the_rung_counted_from_1(network):
    from typer.testing import CliRunner

    from fengqiao.cli.main import app

    no, cid = register(a_new_case(channel_ref="V-5", declared_type="neighbourhood"))
    case_flow(cid)
    apply_configuration(neighbourhood_without_the_street(), source="v2")

    result = CliRunner().invoke(app, ["config", "migrate", no, "--to", "2", "--actor", "admin-01"])

    assert (result.exit_code, result.output) == (0, f"{no}: 配置版本 configuration version 2，第1级 at rung 1\n")


def test_a_migration_that_would_strand_the_case_is_refused(network):
    no, cid = register(a_new_case(channel_ref="V-3", declared_type="neighbourhood"))
    case_flow(cid)
    record_input(no, InputKind.OUTCOME, "failed", actor="M-C01")
    case_flow(cid)  # now at the street
    apply_configuration(neighbourhood_without_the_street(), source="v2")

    with pytest.raises(InvalidInput) as caught:
        migrate_case(no, 2, actor="admin-01")
    assert caught.value.message == (
        f"field version: 案件所在层级不在新版本的路径上 case {no} stands at street, which is not on the neighbourhood path of version 2 "
        "(community → district)"
    )
    with pytest.raises(CaseNotFound):
        migrate_case(no, 9, actor="admin-01")
    with pytest.raises(InvalidInput):
        migrate_case(no, 1, actor="admin-01")


def test_a_closed_case_is_not_migrated(network):
    no, cid = register(a_new_case(channel_ref="V-4", declared_type="neighbourhood"))
    case_flow(cid)
    file_papers(no, "agreement", actor="M-C01")  # what the case file needs before an agreement
    record_input(no, InputKind.OUTCOME, "agreement", actor="M-C01")
    case_flow(cid)
    apply_configuration(neighbourhood_without_the_street(), source="v2")
    with pytest.raises(TransitionNotAllowed):
        migrate_case(no, 2, actor="admin-01")

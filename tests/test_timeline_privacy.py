"""The timeline under the case's rules: what people wrote is a note apart from the reason, masked for
everyone unless a role that may unmasks it with a reason, and every read is in the access log.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from alembic import command
from rich.console import Console
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.cli.views import show_case
from fengqiao.db.engine import get_engine
from fengqiao.db.evidence import link_transition
from fengqiao.db.migrate import alembic_config, upgrade
from fengqiao.db.tables import transitions
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.human_input import record_input
from fengqiao.services.runtime import engine
from tests.drive import drive, register
from tests.factories import a_key, a_new_case

V1 = "/api/v1"
# the applicant of a_new_case() is 张三; his ID number and phone, in the spellings people use
NOTE = "张三称：身份证ID110101199003074514，手机+8613812345678，又称138-1234-5678，住址：翠屏区白沙社区7组"
MASKED_NOTE = "张*称：身份证ID110101********4514，手机+86138****5678，又称138-****-5678，住址：翠屏区***"
ESCALATED = "failed at community, escalated to street"
TIMELINE_FIELDS = ["transitions.reason", "transitions.note"]


def a_case_with_a_note() -> tuple[int, str]:
    """A case failed at the community with the note above, then mediated at the street."""
    case_no, case_id = register(a_new_case(channel_ref="NOTE-1"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    record_input(case_no, InputKind.OUTCOME, "failed", note=NOTE, actor="M-C01")
    assert case_flow(case_id) == "waiting:outcome"  # escalated to the street and assigned there
    return case_id, case_no


def access_rows(case_id: int) -> list[tuple]:
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            text("SELECT key_name, role, case_id, action, fields, reason FROM access_log ORDER BY id")
        ).all()
    return [(*r[:4], json.loads(r[4]) if isinstance(r[4], str) else r[4], r[5]) for r in rows]


def test_the_note_is_stored_apart_from_the_reason(api):
    case_id, _ = a_case_with_a_note()

    with UnitOfWork(engine()) as uow:
        stored = uow.conn.execute(
            text("SELECT reason, note FROM transitions WHERE case_id = :c AND stage = 'escalation'"), {"c": case_id}
        ).one()
    assert tuple(stored) == (ESCALATED, NOTE)


def test_an_integrator_sees_the_timeline_masked_and_each_read_is_logged(api):
    case_id, _ = a_case_with_a_note()
    desk = a_key("integrator", name="desk-2")

    timeline = api.get(f"{V1}/cases/{case_id}/timeline", headers=desk)
    refused = api.get(f"{V1}/cases/{case_id}/timeline", params={"unmask": True, "reason": "核实"}, headers=desk)

    assert timeline.status_code == 200
    [escalation] = [t for t in timeline.json() if t["stage"] == "escalation"]
    assert (escalation["reason"], escalation["note"]) == (ESCALATED, MASKED_NOTE)
    assert {t["note"] for t in timeline.json() if t["stage"] != "escalation"} == {""}
    assert (refused.status_code, refused.json()["error"]) == (
        403,
        {
            "code": "may_not_unmask",
            "message": "角色 integrator 不能查看完整个人信息 role integrator may not see personal data unmasked",
            "field": "unmask",
        },
    )
    assert access_rows(case_id) == [("desk-2", "integrator", case_id, "read_masked", TIMELINE_FIELDS, "view")]


def test_a_coordinator_unmasks_the_timeline_with_a_reason_and_the_unmasking_is_logged(api):
    case_id, case_no = a_case_with_a_note()
    centre = a_key("coordinator", name="centre-cuiping", areas=("511502",))

    masked = api.get(f"{V1}/cases/{case_no}/timeline", headers=centre).json()
    shown = api.get(f"{V1}/cases/{case_no}/timeline", params={"unmask": True, "reason": "核实调解记录"}, headers=centre)
    no_reason = api.get(f"{V1}/cases/{case_no}/timeline", params={"unmask": True, "reason": " "}, headers=centre)

    assert [t["note"] for t in masked if t["stage"] == "escalation"] == [MASKED_NOTE]
    assert shown.status_code == 200
    assert [t["note"] for t in shown.json() if t["stage"] == "escalation"] == [NOTE]
    assert (no_reason.status_code, no_reason.json()["error"]) == (
        422,
        {
            "code": "invalid_input",
            "message": "reason: 须说明查看完整个人信息的理由 say why personal data is unmasked",
            "field": "reason",
        },
    )
    assert access_rows(case_id) == [
        ("centre-cuiping", "coordinator", case_id, "read_masked", TIMELINE_FIELDS, "view"),
        ("centre-cuiping", "coordinator", case_id, "unmask", TIMELINE_FIELDS, "核实调解记录"),
    ]


def test_a_reason_written_before_notes_had_their_column_is_masked_too(api):
    case_id, _ = a_case_with_a_note()
    with UnitOfWork(engine()) as uow:  # as the code before migration 0008 wrote it: the note inside the reason
        seq = uow.conn.scalar(select(func.max(transitions.c.seq)).where(transitions.c.case_id == case_id)) + 1
        row = {
            "case_id": case_id,
            "seq": seq,
            "at": datetime(2026, 11, 30, 8, tzinfo=UTC),
            "from_status": "mediating",
            "to_status": "mediating",
            "stage": "clock",
            "actor": "M-S01",
            "reason": f"时限中止 clock paused: party_unavailable: {NOTE}",
            **dict.fromkeys(("note", "org_code", "rule", "flow_run_id")),
        }
        uow.conn.execute(insert(transitions).values(**link_transition(uow.conn, row)))
        uow.commit()

    timeline = api.get(f"{V1}/cases/{case_id}/timeline", headers=a_key("integrator", name="desk-3")).json()

    assert (timeline[-1]["reason"], timeline[-1]["note"]) == (
        f"时限中止 clock paused: party_unavailable: {MASKED_NOTE}",
        "",
    )


def test_the_dashboard_case_page_shows_the_note_masked_and_logs_the_timeline_read(api):
    case_id, case_no = a_case_with_a_note()
    key = a_key("coordinator", name="centre-page")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303

    page = api.get(f"/dashboard/cases/{case_no}").text

    assert f'<td class="note">{MASKED_NOTE}</td>' in page
    assert "张三" not in page and "13812345678" not in page and "白沙社区7组" not in page
    assert [(r[0], r[3], r[4]) for r in access_rows(case_id)] == [
        ("centre-page", "read_masked", ["parties.name", "parties.id_number", "parties.phone", "summary"]),
        ("centre-page", "read_masked", TIMELINE_FIELDS),
    ]


def test_the_command_line_shows_the_note_masked(api):
    _, case_no = a_case_with_a_note()
    wide = Console(width=400, file=io.StringIO())

    as_json = CliRunner().invoke(app, ["case", case_no, "--json"])
    show_case(wide, case_no)  # the table `fengqiao case` prints, on a console wide enough not to wrap the note

    assert as_json.exit_code == 0
    [escalation] = [t for t in json.loads(as_json.output)["timeline"] if t["stage"] == "escalation"]
    assert (escalation["reason"], escalation["note"]) == (ESCALATED, MASKED_NOTE)
    assert MASKED_NOTE in wide.file.getvalue() and "13812345678" not in wide.file.getvalue()  # type: ignore[attr-defined]


def test_migration_0008_adds_the_column_keeps_the_timeline_append_only_and_folds_notes_back_on_downgrade(database):
    engine_ = get_engine(database)
    with engine_.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO config_versions (id, created_at, source, sha256, document) "
                "VALUES (1, '2026-11-01 08:00:00+00', 'old', 'x', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO cases (id, case_no, channel, channel_ref, status, version, area_code, summary, "
                "people_involved, risk, path_step, attempt, config_version, flow_run_open, created_at, updated_at) "
                "VALUES (1, 'FQ20260000001', 'grid', 'G-1', 'mediating', 2, '511502001001', '漏水', 1, 'normal', 0, 1, "
                "1, false, '2026-11-01 08:00:00+00', '2026-11-01 08:00:00+00')"
            )
        )
        for seq, reason, note in ((1, "received via grid", None), (2, "withdrawn", "家住翠屏区白沙社区")):
            row = {
                "case_id": 1,
                "seq": seq,
                "at": datetime(2026, 11, 1, 8, tzinfo=UTC),
                "to_status": "received",
                "stage": "intake",
                "actor": "channel:grid",
                "reason": reason,
                "note": note,
                **dict.fromkeys(("from_status", "org_code", "rule", "flow_run_id")),
            }  # chained as the application writes it, for migration 0016's downgrade verifies every chain
            conn.execute(insert(transitions).values(**link_transition(conn, row, case_no="FQ20260000001")))

    command.downgrade(alembic_config(database), "0007")

    with engine_.connect() as conn:
        folded = conn.execute(text("SELECT reason FROM transitions ORDER BY seq")).scalars().all()
        with pytest.raises(DBAPIError, match="transitions are append-only"):
            conn.execute(text("UPDATE transitions SET reason = 'edited'"))
    assert folded == ["received via grid", "withdrawn: 家住翠屏区白沙社区"]

    upgrade(database)

    with engine_.connect() as conn:
        rows = conn.execute(text("SELECT reason, note FROM transitions ORDER BY seq")).all()
        with pytest.raises(DBAPIError, match="transitions are append-only"):
            conn.execute(text("UPDATE transitions SET note = 'edited'"))
    assert [tuple(r) for r in rows] == [("received via grid", None), ("withdrawn: 家住翠屏区白沙社区", None)]

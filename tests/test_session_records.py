"""Session records (调解笔录): recorded once per sitting, a timeline row each, masked and logged on read."""

from __future__ import annotations

from sqlalchemy import select

from fengqiao.db.tables import access_log
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.runtime import engine
from tests.drive import drive, register, timeline_of
from tests.factories import a_key, a_new_case
from tests.paperwork import error, mediating

V1 = "/api/v1"
SITTING = {
    "held_at": "2026-11-24T10:00:00+08:00",
    "place": "南岸街道人民调解委员会调解室",
    "attendees": ["张三（申请人）", "李四（被申请人）", "王五（证人）"],
    "mediators": ["陈调解", "刘调解"],
    "content": "张三称楼上漏水浸湿天花板，联系电话13812345678；李四同意承担维修费800元。",
}


def test_a_session_is_stored_once_shown_masked_and_a_timeline_row(api):
    case_no, case_id = mediating("SESSION-1")
    mediator = a_key("mediator", name="M-S01")

    first = api.post(f"{V1}/cases/{case_no}/sessions", json=SITTING, headers=mediator)
    again = api.post(f"{V1}/cases/{case_id}/sessions", json=SITTING, headers=mediator)
    second = api.post(
        f"{V1}/cases/{case_no}/sessions", json=SITTING | {"content": "第二次：双方确认方案。"}, headers=mediator
    )

    assert first.status_code == 200, first.text
    assert first.json() == {
        "case_id": case_id,
        "case_no": case_no,
        "number": 1,
        "attempt": 1,
        "held_at": "2026-11-24T02:00:00Z",
        "place": "南岸街道人民调解委员会调解室",
        "attendees": ["张*（申请人）", "李*（被申请人）", "王*****"],
        "mediators": ["陈调解", "刘调解"],
        "content": "张*称楼上漏水浸湿天花板，联系电话138****5678；李*同意承担维修费800元。",
        "actor": "M-S01",
        "masked": True,
    }
    assert again.json() == first.json()
    assert (second.json()["number"], second.json()["content"]) == (2, "第二次：双方确认方案。")
    sessions = [row for row in timeline_of(case_id) if row[3] == "session"]
    assert [(seq, f, t, actor, rule, why) for seq, f, t, _, _, actor, rule, why in sessions] == [
        (4, "mediating", "mediating", "M-S01", "session", "调解笔录 第1次 session 1 recorded, attempt 1"),
        (5, "mediating", "mediating", "M-S01", "session", "调解笔录 第2次 session 2 recorded, attempt 1"),
    ]


def test_sessions_are_read_masked_unmasked_with_a_reason_and_every_read_logged(api):
    case_no, case_id = mediating("SESSION-READ")
    api.post(f"{V1}/cases/{case_no}/sessions", json=SITTING, headers=a_key("mediator", name="M-S02"))
    coordinator = a_key("coordinator", name="C-S02")

    masked = api.get(f"{V1}/cases/{case_no}/sessions", headers=coordinator)
    whole = api.get(
        f"{V1}/cases/{case_no}/sessions", params={"unmask": True, "reason": "核对笔录"}, headers=coordinator
    )
    refused = api.get(f"{V1}/cases/{case_no}/sessions", params={"unmask": True}, headers=coordinator)

    assert [s["attendees"] for s in masked.json()] == [["张*（申请人）", "李*（被申请人）", "王*****"]]
    assert whole.json()[0]["attendees"] == SITTING["attendees"]
    assert whole.json()[0]["masked"] is False
    assert error(refused) == (
        422,
        {
            "code": "invalid_input",
            "message": "reason: 须说明查看完整个人信息的理由 say why personal data is unmasked",
            "field": "reason",
        },
    )
    with UnitOfWork(engine()) as uow:
        columns = (access_log.c.key_name, access_log.c.action, access_log.c.fields, access_log.c.reason)
        log = uow.conn.execute(select(*columns).where(access_log.c.case_id == case_id).order_by(access_log.c.id)).all()
    fields = ["session_records.place", "session_records.attendees", "session_records.content"]
    assert [(r.key_name, r.action, r.fields, r.reason) for r in log] == [
        ("C-S02", "read_masked", fields, "view"),
        ("C-S02", "unmask", fields, "核对笔录"),
    ]
    api.leaks.clear()  # the unmasked read above shows the phone number on purpose


def test_an_idempotency_key_gives_back_its_session_and_refuses_another(api):
    case_no, _ = mediating("SESSION-KEY")
    mediator = a_key("mediator", name="M-S03")
    keyed = mediator | {"Idempotency-Key": "sitting-1"}

    first = api.post(f"{V1}/cases/{case_no}/sessions", json=SITTING, headers=keyed)
    other = api.post(f"{V1}/cases/{case_no}/sessions", json=SITTING | {"place": "社区服务中心"}, headers=keyed)

    assert first.status_code == 200
    assert error(other) == (
        409,
        {
            "code": "input_conflict",
            "message": f"该 Idempotency-Key 已用于本案的另一份调解笔录 the Idempotency-Key was already used for a different session record on case {case_no} "
            "(session 1)",
            "field": "Idempotency-Key",
        },
    )


def test_a_session_outside_mediation_or_its_attempt_or_in_the_future_is_refused(api):
    waiting, waiting_id = mediating("SESSION-REFUSED")
    received, _ = register(a_new_case(channel_ref="SESSION-RECEIVED"))
    coordinator = a_key("coordinator")

    not_mediating = api.post(f"{V1}/cases/{received}/sessions", json=SITTING, headers=coordinator)
    wrong_attempt = api.post(f"{V1}/cases/{waiting}/sessions", json=SITTING | {"attempt": 2}, headers=coordinator)
    future = api.post(
        f"{V1}/cases/{waiting}/sessions", json=SITTING | {"held_at": "2099-01-01T10:00:00+08:00"}, headers=coordinator
    )
    naive = api.post(
        f"{V1}/cases/{waiting}/sessions", json=SITTING | {"held_at": "2026-11-24T10:00:00"}, headers=coordinator
    )
    nobody = api.post(f"{V1}/cases/{waiting}/sessions", json=SITTING | {"attendees": []}, headers=coordinator)

    assert error(not_mediating) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"案件不在调解中，不能记录调解笔录 case {received} is received, not in mediation: a session record belongs to a mediation attempt",
            "field": "case",
        },
    )
    assert error(wrong_attempt) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"调解轮次不符 case {waiting} is in mediation attempt 1, not attempt 2",
            "field": "attempt",
        },
    )
    assert error(future) == (
        422,
        {
            "code": "invalid_input",
            "message": f"record {waiting}, field held_at: 调解尚未举行，不能先记录笔录 a session cannot be recorded before it is held",
            "field": "held_at",
        },
    )
    assert [error(r)[0] for r in (naive, nobody)] == [422, 422]
    assert [error(r)[1]["field"] for r in (naive, nobody)] == ["held_at", "attendees"]
    assert [row[3] for row in timeline_of(waiting_id)] == ["intake", "triage", "assignment"]


def test_a_case_with_sessions_goes_on_to_its_outcome(api):
    case_no, case_id = mediating("SESSION-THEN-OUTCOME")
    api.post(f"{V1}/cases/{case_no}/sessions", json=SITTING, headers=a_key("mediator", name="M-S05"))

    assert drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-S05")]) == ["waiting:outcome", "closed"]
    assert [row[3] for row in timeline_of(case_id)] == [
        "intake",
        "triage",
        "assignment",
        "session",
        "session",  # drive() files the agreement's papers as the demo does: a second sitting's record
        "resolution",
        "closing",
    ]


def test_the_command_line_records_a_session_once_and_lists_it_masked(network):
    from typer.testing import CliRunner

    from fengqiao.cli.main import app

    case_no, _ = mediating("SESSION-CLI")
    args = ["session", case_no, "--held-at", "2026-11-24T10:00:00+08:00", "--place", "调解室"]
    args += ["--attendee", "张三（申请人）", "--attendee", "李四（被申请人）", "--mediator", "陈调解"]
    args += ["--content", "李四同意赔偿800元", "--actor", "M-C01"]
    runner = CliRunner()

    first, again = runner.invoke(app, args), runner.invoke(app, args)
    bad = runner.invoke(app, [*args[:2], "--held-at", "yesterday", *args[4:]])
    listed = runner.invoke(app, ["sessions", case_no])

    assert (first.exit_code, first.output) == (0, f"已记录 recorded: {case_no} 调解笔录 session #1, attempt 1\n")
    assert (again.exit_code, again.output) == (
        0,
        f"此前已记录 already recorded: {case_no} 调解笔录 session #1, attempt 1\n",
    )
    assert bad.exit_code == 2 and "an ISO 8601 time with its offset" in bad.output
    assert listed.exit_code == 0
    assert "张*（申请人）、李*（被申请人）" in listed.output and "李*同意赔偿800元" in listed.output
    assert "张三" not in listed.output and "2026-11-24 10:00" in listed.output

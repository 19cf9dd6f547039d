"""Integrators' mistakes answered plainly, and the test mode that keeps their trials out of real work.

An unknown channel lists the channels; a body in another encoding is told UTF-8 is required; a
type other than JSON is 415. A test key's cases run their course like any other but are counted
in no statistics, raise no alert, repeat no real case and owe no result back (结果同悉).
"""

from __future__ import annotations

import json
import re
from datetime import date

from alembic import command
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from fengqiao.channels import adapt
from fengqiao.cli.main import app
from fengqiao.db import outbox
from fengqiao.db.engine import get_engine
from fengqiao.db.migrate import alembic_config, upgrade
from fengqiao.db.tallies import fold, rebuild
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.run_labels import run_tags
from fengqiao.models.vocabulary import Channel, InputKind
from fengqiao.services.intake import receive
from fengqiao.services.keys import caller_for
from fengqiao.services.runtime import engine
from fengqiao.services.stats import Question, figures
from tests.drive import drive
from tests.factories import a_case, a_key, example_of
from tests.test_migrations import a_case as a_stored_case

V1 = "/api/v1"
CHANNELS = "hotline_12345, grid, walk_in, police, court, petition, online"
UTF8 = "请求体须为UTF-8编码 the body is not UTF-8: send JSON encoded as UTF-8 (GBK and other encodings are not read)"


def error(response) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    return response.status_code, response.json()["error"]


def registered(api) -> int:  # type: ignore[no-untyped-def]
    return int(api.get(f"{V1}/cases", headers=a_key("admin", name="count-admin")).json()["total"])


# --- mistakes ---------------------------------------------------------------------------------------
def test_an_unknown_channel_answers_404_listing_the_channels(api):
    status, body = error(api.post(f"{V1}/intake/wechat", json=example_of("online"), headers=a_key("integrator")))

    assert (status, body) == (
        404,
        {
            "code": "unknown_channel",
            "message": f"无此渠道 no channel 'wechat'; the channels are: {CHANNELS}",
            "field": "channel",
        },
    )


def test_a_gbk_body_is_told_that_utf8_is_required_and_registers_nothing(api):
    body = json.dumps(example_of("hotline_12345"), ensure_ascii=False).encode("gbk")

    answer = api.post(
        f"{V1}/intake/hotline_12345", content=body, headers=a_key("integrator") | {"Content-Type": "application/json"}
    )

    assert error(answer) == (422, {"code": "invalid_input", "message": UTF8, "field": "body"})
    assert registered(api) == 0


def test_a_body_typed_other_than_json_or_in_another_charset_is_415(api):
    body = json.dumps(example_of("hotline_12345"), ensure_ascii=False).encode()
    key = a_key("integrator")

    def sent_as(content_type: str) -> tuple[int, dict]:
        return error(api.post(f"{V1}/intake/hotline_12345", content=body, headers=key | {"Content-Type": content_type}))

    assert sent_as("application/x-www-form-urlencoded") == (
        415,
        {
            "code": "unsupported_media_type",
            "message": "请以JSON提交 send the body as Content-Type: application/json, not application/x-www-form-urlencoded",
            "field": "Content-Type",
        },
    )
    assert sent_as("text/plain; charset=utf-8")[1]["message"] == (
        "请以JSON提交 send the body as Content-Type: application/json, not text/plain"
    )
    assert sent_as("application/json; charset=GBK") == (
        415,
        {
            "code": "unsupported_media_type",
            "message": "请求体须为UTF-8编码 the body must be UTF-8, not charset=gbk",
            "field": "Content-Type",
        },
    )
    assert registered(api) == 0
    upload = api.post(  # a file's upload is a form: its type passes, and the route judges the parts
        f"{V1}/cases/1/documents", files={"file": ("x.pdf", b"%PDF-1.4")}, headers=key
    )
    assert error(upload)[0] == 403  # an integrator may not upload: refused by role, not by the body's type
    accepted = api.post(
        f"{V1}/intake/hotline_12345", content=body, headers=key | {"Content-Type": "application/json; charset=utf-8"}
    )
    assert accepted.status_code == 202


# --- test mode --------------------------------------------------------------------------------------
def hotline(n: int) -> dict:  # type: ignore[type-arg]
    """The shipped 12345 ticket, the n-th time: another ticket and caller, the same employer."""
    return example_of("hotline_12345") | {
        "ticket_id": f"YB12345-20261102-{n:05d}",
        "caller": {"name": f"来电人{n}", "phone": f"1380000{n:04d}"},
    }


def test_a_test_key_is_made_on_the_command_line_only_for_an_integrator_and_listed_as_test(network):
    runner = CliRunner()

    made = runner.invoke(app, ["keys", "create", "12345-trial", "--role", "integrator", "--area", "5115", "--test"])
    refused = runner.invoke(
        app, ["keys", "create", "centre-trial", "--role", "coordinator", "--area", "5115", "--test"]
    )
    listed = runner.invoke(app, ["keys", "list"])

    assert made.exit_code == 0
    assert made.output.startswith("key 1 (测试 test, 对接系统 integrator) for 12345-trial; store it now")
    assert (refused.exit_code, refused.output) == (
        2,
        "invalid_input: field --test: 测试密钥只发给对接系统，不发给协调中心 "
        "a test key sends test cases, which only an integrator does, not a coordinator\n",
    )
    assert "对接系统 integrator · 测试 test" in listed.output


def test_a_test_keys_reports_repeat_no_real_case_raise_no_alert_and_are_shown_as_test(api):
    real_key, trial_key = a_key("integrator", name="12345-platform"), test_key()
    admin = a_key("admin", name="city-admin")

    real = api.post(f"{V1}/intake/hotline_12345", json=hotline(1), headers=real_key).json()
    trial = [api.post(f"{V1}/intake/hotline_12345", json=hotline(n), headers=trial_key).json() for n in (2, 3)]

    # the same employer reported three times (real, three reports make an emergency and a cluster
    # alert: tests/test_dashboard.py): never a real case's duplicate, and nothing raised by them
    assert (real["duplicate_of"], trial[0]["duplicate_of"], trial[1]["duplicate_of"]) == (
        None,
        None,
        trial[0]["case_no"],  # a test case repeats test cases: the trial sees duplicate detection work
    )
    listed = {c["case_no"]: (c["test"], c["risk"]) for c in api.get(f"{V1}/cases", headers=admin).json()["items"]}
    assert listed == {
        real["case_no"]: (False, "normal"),
        trial[0]["case_no"]: (True, "normal"),
        trial[1]["case_no"]: (True, "normal"),
    }
    assert api.get(f"{V1}/cases/{trial[0]['case_id']}", headers=admin).json()["test"] is True
    signed_in = api.post("/dashboard/login", data={"key": key_of(admin)}, follow_redirects=False)
    assert signed_in.status_code == 303
    assert 'data-alert="' not in api.get("/dashboard/alerts").text
    page = api.get(f"/dashboard/cases/{trial[0]['case_no']}").text
    assert '<span class="tag test" id="test-case">测试案件 test case</span>' in page
    assert 'id="test-case"' not in api.get(f"/dashboard/cases/{real['case_no']}").text
    board = api.get("/dashboard/").text
    assert re.search(rf'{trial[0]["case_no"]}</a>[^<]*<span class="tag test">测试 test</span>', board)


def test_a_test_keys_tickets_are_its_own_a_real_ticket_id_is_never_taken(api):
    real_key, trial_key = a_key("integrator", name="12345-platform"), test_key()
    record = hotline(1)

    trial = api.post(f"{V1}/intake/hotline_12345", json=record, headers=trial_key).json()
    again = api.post(f"{V1}/intake/hotline_12345", json=record, headers=trial_key).json()
    real = api.post(f"{V1}/intake/hotline_12345", json=record, headers=real_key).json()
    long = api.post(f"{V1}/intake/hotline_12345", json=record | {"ticket_id": "Y" * 96}, headers=trial_key)

    assert (trial["created"], again["created"], again["case_no"]) == (True, False, trial["case_no"])
    assert (real["created"], real["duplicate_of"]) == (True, None)  # the ticket id is the real platform's
    assert error(long) == (
        422,
        {
            "code": "invalid_input",
            "message": "field ticket_id: 测试密钥的工单号内容过长，至多 95 个字符 a test key's ticket id is at most 95 characters",
            "field": "ticket_id",
        },
    )


def test_a_test_case_runs_its_course_but_owes_no_result_and_counts_in_no_figure(network, monkeypatch):
    monkeypatch.setenv("FENGQIAO_RESULT_WEBHOOKS", json.dumps({"hotline_12345": "http://127.0.0.1:9/never"}))
    real_key, trial_key = a_key("integrator", name="12345-platform"), test_key()
    cases = []
    for headers, n, employer in ((real_key, 1, "甲公司"), (trial_key, 2, "乙公司")):
        caller = caller_for(key_of(headers))
        assert caller is not None
        record = adapt(Channel.HOTLINE_12345, hotline(n) | {"respondent": {"name": employer}}, record="t")
        case = receive(record, key_id=caller.key_id, caller=caller).case
        assert drive(case.case_no, case.id, [(InputKind.OUTCOME, "agreement", "M-C01")])[-1] == "closed"
        cases.append(case)
    real, trial = cases

    with UnitOfWork(engine()) as uow:
        owed = [n["body"]["case_no"] for n in outbox.notices(uow.conn)]
        counters = text("SELECT sum(cases) FROM case_tallies WHERE dimension = 'all'")
        fold(uow.conn)  # the appended counters into case_tallies
        kept = uow.conn.execute(counters).scalar_one()
        rebuild(uow.conn)  # counting again from the cases table leaves the test case out too
        recounted = uow.conn.execute(counters).scalar_one()
        uow.commit()
    counted = figures(Question(), today=date(2026, 12, 2))

    assert (real.test, trial.test) == (False, True)
    assert owed == [real.case_no]
    assert (kept, recounted) == (1, 1)
    assert (counted["closed"], counted["by_outcome"], counted["by_channel"]) == (
        1,
        {"resolved": 1},
        {"hotline_12345": 1},
    )
    assert [m["cases"] for m in counted["by_month"]] == [1]


def test_a_test_cases_flow_run_is_tagged_test_in_prefect():
    known = {"neighbourhood"}

    assert run_tags(a_case(test=True, dispute_type="neighbourhood"), known) == [
        "channel:grid",
        "area:511502001001001",
        "type:neighbourhood",
        "test",
    ]
    assert "test" not in run_tags(a_case(dispute_type="neighbourhood"), known)


def key_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_key() -> dict[str, str]:
    """A test key made as an operator makes it, on the command line."""
    made = CliRunner().invoke(
        app, ["keys", "create", "12345-trial", "--role", "integrator", "--area", "5115", "--test"]
    )
    assert made.exit_code == 0, made.output
    return {"Authorization": f"Bearer {made.output.splitlines()[-1].strip()}"}


test_key.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def test_migration_0014_marks_existing_keys_and_cases_real_and_drops_the_marks_on_downgrade(database):
    command.downgrade(alembic_config(database), "0013")
    engine_ = get_engine(database)
    with engine_.begin() as conn:
        a_stored_case(conn)
        conn.execute(
            text(
                "INSERT INTO api_keys (name, role, areas, orgs, prefix, sha256, created_at) "
                "VALUES ('12345-platform', 'integrator', '[\"5115\"]', '[]', 'abcd1234', 'x', '2026-11-01 08:00:00+00')"
            )
        )

    upgrade(database)

    with engine_.connect() as conn:
        assert conn.execute(text("SELECT case_no, test FROM cases")).one() == ("FQ20260000001", False)
        assert conn.execute(text("SELECT name, test FROM api_keys")).one() == ("12345-platform", False)
    command.downgrade(alembic_config(database), "0013")
    with engine_.connect() as conn:
        columns = {t: {c["name"] for c in inspect(conn).get_columns(t)} for t in ("cases", "api_keys")}
    assert ("test" in columns["cases"], "test" in columns["api_keys"]) == (False, False)
    assert {"case_no", "parked_at"} <= columns["cases"] and {"name", "revoked_at"} <= columns["api_keys"]

"""Input the columns or the parsers cannot hold is a 4xx naming the field, and no error puts a record in a log.

Found from outside (issue 12, items 1, 8 and 14): a name whose NFKC form overflows the match key,
an amount or a date out of range, JSON nested too deep, case ids that are digits to `isdigit()`
only, months of year 0, NUL in a form; each was a 500 whose traceback, printed by uvicorn,
carried the applicant's name, ID number and phone. Base payloads: the shipped examples/.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from fengqiao.api.content import NOT_UTF8
from fengqiao.api.serving import server_config
from fengqiao.cli.main import app as cli
from fengqiao.config.settings import Settings, get_settings
from fengqiao.dashboard.app import create_site
from fengqiao.db.tables import cases, parties
from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine
from tests.drive import register
from tests.factories import a_key, a_new_case, example_of
from tests.processes import free_port

V1 = "/api/v1"
LONG_NAME = "ﷺ" * 20  # 20 characters; NFKC makes each one 18, 15 once spaces are dropped: a key of 300
NAME_ERROR = "姓名规范化后超过200字 the name is longer than 200 characters once normalised (NFKC)"
AMOUNT_ERROR = "金额过大 the amount must be under 10^12 yuan (at most 999999999999.99)"
DATE_ERROR = "日期应在1900至2199年之间 the date must be in the years 1900–2199"
NOT_JSON = {"code": "invalid_input", "message": "请求体不是有效的JSON the body is not JSON", "field": "body"}
# The walk-in example's applicant: none of this may reach a log, whatever fails.
APPLICANT = ("周建华", "511502196002150044", "13800002222")


def error(response: httpx.Response) -> tuple[int, dict]:
    return response.status_code, response.json()["error"]


def case_count() -> int:
    with UnitOfWork(engine()) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(cases)).scalar_one())


def sign_in(api, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    key = headers["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303


# --- item 1 and 8: what the columns cannot hold ----------------------------------------------------
@pytest.mark.parametrize(
    ("channel", "where", "field"),
    [
        ("walk_in", ("applicant",), "applicant.name"),
        ("walk_in", ("respondent",), "respondent.name"),
        ("hotline_12345", ("caller",), "caller.name"),
        ("police", ("parties", 1), "parties.1.name"),
        ("grid", ("parties", 0), "parties.0.name"),
        ("online", ("applicant",), "applicant.name"),
    ],
)
def test_a_party_name_longer_than_its_match_key_once_normalised_is_refused_by_name(api, channel, where, field):
    record = example_of(channel)
    person = record
    for step in where:
        person = person[step]
    person["name"] = LONG_NAME

    answer = api.post(f"{V1}/intake/{channel}", json=record, headers=a_key("integrator"))

    assert error(answer) == (
        422,
        {"code": "invalid_input", "message": f"record {channel} request, field {field}: {NAME_ERROR}", "field": field},
    )
    assert case_count() == 0


def test_a_name_whose_normalised_key_fits_is_registered_with_that_key(api):
    record = example_of("walk_in")
    record["respondent"]["name"] = "ﷺ" * 13  # a key of 195

    assert api.post(f"{V1}/intake/walk_in", json=record, headers=a_key("integrator")).status_code == 202
    with UnitOfWork(engine()) as uow:
        keys = uow.conn.execute(select(parties.c.match_key).where(parties.c.role == "respondent")).scalars().all()
    assert [len(k) for k in keys] == [195]


@pytest.mark.parametrize("amount", [1e12, 999_999_999_999.996, 1e300])
def test_an_amount_a_numeric_14_2_cannot_hold_is_refused_by_name(api, amount):
    integrator = a_key("integrator")
    for channel in ("walk_in", "police"):
        record = example_of(channel) | {"amount": amount}

        answer = api.post(f"{V1}/intake/{channel}", json=record, headers=integrator)

        message = f"record {channel} request, field amount: {AMOUNT_ERROR}"
        assert error(answer) == (422, {"code": "invalid_input", "message": message, "field": "amount"})
    assert case_count() == 0


def test_the_largest_amount_the_column_holds_is_registered(api):
    record = example_of("walk_in") | {"amount": 999_999_999_999.99}

    assert api.post(f"{V1}/intake/walk_in", json=record, headers=a_key("integrator")).status_code == 202
    with UnitOfWork(engine()) as uow:
        assert float(uow.conn.execute(select(cases.c.amount)).scalar_one()) == 999_999_999_999.99


@pytest.mark.parametrize(
    ("channel", "field", "value"),
    [
        ("hotline_12345", "reply_due", "0001-01-01T00:00:00+08:00"),  # in UTC: year 0
        ("hotline_12345", "reply_due", "9999-12-31T23:59:59-08:00"),  # in UTC: year 10000
        ("hotline_12345", "dispatched_at", "1899-12-31T23:59:59+08:00"),
        ("walk_in", "registered_at", "0001-01-01T00:00:00"),
        ("grid", "reported_at", "2200-01-01T00:00:00+08:00"),
        ("online", "submitted_at", "9999-12-31T00:00:00+08:00"),
        ("police", "feedback_due", "9999-12-31"),
        ("court", "referred_on", "0001-01-01"),
    ],
)
def test_a_date_near_year_1_or_9999_is_refused_by_name(api, channel, field, value):
    record = example_of(channel) | {field: value}

    answer = api.post(f"{V1}/intake/{channel}", json=record, headers=a_key("integrator"))

    message = f"record {channel} request, field {field}: {DATE_ERROR}"
    assert error(answer) == (422, {"code": "invalid_input", "message": message, "field": field})
    assert case_count() == 0


def test_the_command_line_rejects_each_such_record_with_its_one_line_reason(network, tmp_path):
    long_name, big, old = example_of("walk_in"), example_of("walk_in"), example_of("walk_in")
    long_name["applicant"]["name"] = LONG_NAME
    big |= {"form_no": "F-2", "amount": 1e12}
    old |= {"form_no": "F-3", "registered_at": "0001-01-01T00:00:00+08:00"}
    file = tmp_path / "walk_in.jsonl"
    file.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (long_name, big, old)) + "\n", "utf-8")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "台账编号,排查日期,区划代码,申请人,简要情况,排查人\n"
        f"T-1,2026-11-01,511502001001,{LONG_NAME},邻里纠纷,张三\n"
        "T-2,9999-12-31,511502001001,李四,邻里纠纷,张三\n",
        "utf-8",
    )

    result = CliRunner().invoke(cli, ["intake", str(file), "--channel", "walk_in", "--no-start-flows"])
    from_ledger = CliRunner().invoke(cli, ["intake", str(ledger), "--channel", "grid", "--no-start-flows"])

    assert result.exit_code == from_ledger.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("rejected")] == [
        f"rejected 拒收 record walk_in.jsonl:1, field applicant.name: {NAME_ERROR}",
        f"rejected 拒收 record walk_in.jsonl:2, field amount: {AMOUNT_ERROR}",
        f"rejected 拒收 record walk_in.jsonl:3, field registered_at: {DATE_ERROR}",
    ]
    assert [line for line in from_ledger.output.splitlines() if line.startswith("rejected")] == [
        f"rejected 拒收 record ledger.csv:2, field applicant: {NAME_ERROR}",
        f"rejected 拒收 record ledger.csv:3, field screened_on: {DATE_ERROR}",
    ]
    assert case_count() == 0


# --- item 8: what the parsers cannot take --------------------------------------------------------
def test_json_nested_ten_thousand_deep_is_not_json(api):
    deep = b"[" * 10_000 + b"]" * 10_000
    centre = a_key("coordinator") | {"content-type": "application/json"}

    on_intake = api.post(f"{V1}/intake/grid", content=deep, headers=a_key("integrator"))
    on_outcome = api.post(f"{V1}/cases/1/outcome", content=deep, headers=centre)
    deep_object = api.post(f"{V1}/cases/1/outcome", content=b'{"a":' * 10_000 + b"1" + b"}" * 10_000, headers=centre)

    assert [error(a) for a in (on_intake, on_outcome, deep_object)] == [(422, NOT_JSON)] * 3


@pytest.mark.parametrize("ref", ["99999999999999999999", "9223372036854775808", "²", "٢", "２"])
def test_a_case_id_that_is_no_bigint_or_not_ascii_digits_is_no_case(api, ref):
    register(a_new_case(channel_ref="R-1"))
    register(a_new_case(channel_ref="R-2", area_code="511503001001"))  # case 2: what `int("٢")` read
    centre = a_key("coordinator")
    sign_in(api, centre)

    read = api.get(f"{V1}/cases/{ref}", headers=centre)
    timeline = api.get(f"{V1}/cases/{ref}/timeline", headers=centre)
    outcome = api.post(f"{V1}/cases/{ref}/outcome", json={"result": "agreement"}, headers=centre)
    page = api.get(f"/dashboard/cases/{ref}")

    no_case = {"code": "case_not_found", "message": f"没有案件 no case {ref!r}", "field": "case"}
    assert [error(a) for a in (read, timeline, outcome)] == [(404, no_case)] * 3
    assert page.status_code == 404


@pytest.mark.parametrize("month", ["0000-01", "٢٠٢٦-01", "2026-1", "2200-01"])
def test_a_month_outside_the_calendar_we_keep_is_refused_by_name(api, month):
    centre = a_key("coordinator")
    sign_in(api, centre)

    answers = [
        ("from", api.get(f"{V1}/stats", params={"from": month}, headers=centre)),
        ("to", api.get(f"{V1}/stats", params={"to": month}, headers=centre)),
        ("month", api.get(f"{V1}/subsidies", params={"month": month}, headers=centre)),
        ("month", api.get(f"{V1}/screenings", params={"month": month}, headers=centre)),
    ]
    pages = {field: api.get("/dashboard/stats", params={field: month}) for field in ("since", "until")}
    reports = [api.get(f"/dashboard/{p}", params={"month": month}) for p in ("report", "report.pdf", "screenings")]

    why = "不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10"
    for field, answer in answers:
        message = f"field {field}: {month!r} {why}"
        assert error(answer) == (422, {"code": "invalid_input", "message": message, "field": field})
    for page in pages.values():  # the statistics page says so above its form
        assert page.status_code == 200 and escape(f"{month!r} {why}") in page.text
    for report in reports:  # the report's page and PDF, the screenings: the dashboard's error page, naming the field
        assert report.status_code == 422 and f'<p id="invalid">{escape(f"field month: {month!r} {why}")}</p>' in (
            report.text
        )


@pytest.mark.parametrize("month", ["0000-01", "٢٠٢٦-01", "2026-01\n"])
def test_the_command_line_refuses_such_a_month_with_usage_exit_2(network, month):
    report = CliRunner().invoke(cli, ["report", "--month", month])
    stats = CliRunner().invoke(cli, ["stats", "--from", month])

    assert (report.exit_code, stats.exit_code) == (2, 2)
    expected = "field {field}: {text!r} 不是月份 is not a month: write YYYY-MM, 1900-01 to 2199-12, e.g. 2026-10"
    assert " ".join(report.output.split()) == "invalid_input: " + expected.format(field="--month", text=month)
    assert " ".join(stats.output.split()) == "invalid_input: " + expected.format(field="--from", text=month)


def test_a_nul_in_a_dashboard_form_is_refused_at_the_door(api):
    sign_in(api, a_key("coordinator"))
    form = {"content-type": "application/x-www-form-urlencoded"}

    acknowledgement = api.post("/dashboard/alerts/1/acknowledge", content=b"note=a%00b", headers=form)
    key = api.post(
        "/dashboard/login",
        content=b"key=fq_x%00",
        headers=form | {"Content-Type": "Application/X-WWW-Form-Urlencoded; charset=utf-8"},
    )

    in_body = {"code": "invalid_input", "message": "the body contains a NUL character (\\u0000)", "field": "body"}
    assert [error(a) for a in (acknowledgement, key)] == [(422, in_body)] * 2


# --- item 14: the contract ---------------------------------------------------------------------
def test_a_method_not_allowed_says_which_are(api):
    centre = a_key("coordinator")

    on_stats = api.delete(f"{V1}/stats", headers=centre)
    on_case = api.put(f"{V1}/cases/1", headers=centre)
    on_outcome = api.get(f"{V1}/cases/1/outcome", headers=centre)

    not_allowed = {"code": "method_not_allowed", "message": "此接口不接受该方法 method not allowed here", "field": None}
    assert [error(a) for a in (on_stats, on_case, on_outcome)] == [(405, not_allowed)] * 3
    assert [set(a.headers["allow"].split(", ")) for a in (on_stats, on_case, on_outcome)] == [
        {"GET"},
        {"GET"},
        {"POST"},
    ]


@pytest.mark.parametrize("body", [b"{not json", b'{"result": "\xff"}', b"\xff\xfe", b'{"result": "resolved"'])
def test_a_body_that_is_not_json_is_422_naming_the_body_on_every_operation(api, body):
    centre = a_key("coordinator") | {"content-type": "application/json"}

    answers = [
        api.post(f"{V1}/cases/1/outcome", content=body, headers=centre),
        api.post(f"{V1}/cases/1/follow-up", content=body, headers=centre),
        api.put(f"{V1}/escalation-paths", content=body, headers=a_key("admin") | {"content-type": "application/json"}),
        api.post(f"{V1}/intake/walk_in", content=body, headers=a_key("integrator")),
    ]

    not_utf8 = {"code": "invalid_input", "message": NOT_UTF8, "field": "body"}  # bytes that are not UTF-8 say so
    assert [error(a) for a in answers] == [(422, not_utf8 if b"\xff" in body else NOT_JSON)] * 4


def test_a_follow_up_on_a_case_never_triaged_is_a_conflict(api):
    case_no, case_id = register(a_new_case())

    answer = api.post(
        f"{V1}/cases/{case_id}/follow-up", json={"honoured": True, "satisfaction": 5}, headers=a_key("coordinator")
    )

    message = f"案件 {case_no} 没有待回访的调解协议 case {case_no} has no agreement awaiting a follow-up visit"
    assert error(answer) == (409, {"code": "not_waiting_for_input", "message": message, "field": "case"})


def test_a_literal_backslash_u0000_text_is_accepted_and_only_a_real_nul_is_refused(api):
    integrator = a_key("integrator")
    text = "日志里写着 \\u0000 与 \\\\u0000"  # the characters \u0000 and \\u0000, no NUL
    literal = example_of("grid") | {"description": text}
    escaped_after_backslash = json.dumps(example_of("grid") | {"report_id": "G-2", "description": "a\\"})
    escaped_after_backslash = escaped_after_backslash.replace('a\\\\"', 'a\\\\\\u0000"')  # a, backslash, NUL

    accepted = api.post(f"{V1}/intake/grid", content=json.dumps(literal), headers=integrator)
    refused = api.post(f"{V1}/intake/grid", content=escaped_after_backslash, headers=integrator)

    assert accepted.status_code == 202
    assert error(refused)[0] == 422 and error(refused)[1]["field"] == "body"
    with UnitOfWork(engine()) as uow:
        summary = uow.conn.execute(select(cases.c.summary)).scalar_one()
    assert summary.startswith(text + "；")


# --- item 1: no exception puts a record into any log -------------------------------------------
def leaks(text: str) -> list[str]:
    return [value for value in APPLICANT if value in text]


def failing_site():  # type: ignore[no-untyped-def]
    """The real site plus one operation that fails in the database with the applicant as parameters:
    a bug anywhere looks like this (a foreign key to no case, on both databases)."""
    site = create_site(get_settings())

    @site.post("/api/v1/test-only/failing-insert")
    def failing_insert() -> None:
        name, id_number, phone = APPLICANT
        with UnitOfWork(engine()) as uow:
            row = dict(case_id=10**9, role="applicant", name=name, id_number=id_number, phone=phone, match_key=name)
            uow.conn.execute(insert(parties), row)

    return site


def test_a_database_error_carries_no_parameters(network):
    name, id_number, phone = APPLICANT
    with pytest.raises(Exception) as failed, UnitOfWork(engine()) as uow:
        row = dict(case_id=10**9, role="applicant", name=name, id_number=id_number, phone=phone, match_key=name)
        uow.conn.execute(insert(parties), row)

    assert type(failed.value).__name__ == "IntegrityError"
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(failed.value)
    assert leaks(str(failed.value)) == []


def test_a_bug_is_answered_500_and_logged_by_type_only_never_reraised(network, caplog):
    log_file = Path(get_settings().log_file or "")
    offset = log_file.stat().st_size if log_file.exists() else 0
    caplog.set_level(logging.DEBUG)

    with TestClient(failing_site(), raise_server_exceptions=True) as client:  # a re-raised exception fails here
        answer = client.post("/api/v1/test-only/failing-insert", headers=a_key("admin"))

    assert error(answer) == (
        500,
        {"code": "internal_error", "message": "an internal error; it has been logged", "field": None},
    )
    with log_file.open("rb") as f:
        f.seek(offset)
        written = f.read().decode()
    lines = [json.loads(line) for line in written.splitlines() if '"api.unhandled"' in line]
    assert [(x["path"], x["error"]) for x in lines] == [("/api/v1/test-only/failing-insert", "IntegrityError")]
    assert leaks(written) == [] and leaks(caplog.text) == []


@contextmanager
def real_server(app: object, **settings: object) -> Iterator[int]:
    """uvicorn as `fengqiao serve` configures it, in a thread, on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(server_config(app, Settings(**settings), host="127.0.0.1", port=port))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_the_real_server_logs_no_record_when_a_request_fails(network, capfd):
    with real_server(failing_site()) as port:
        answer = httpx.post(f"http://127.0.0.1:{port}/api/v1/test-only/failing-insert", headers=a_key("admin"))

    assert answer.status_code == 500
    assert leaks(capfd.readouterr().err) == []


def test_the_servers_log_withholds_exception_text_even_from_an_app_that_raises(capfd):
    async def raising(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            raise RuntimeError(f"[parameters: {APPLICANT}]")

    with real_server(raising, api_keep_alive_seconds=1) as port:
        answer = httpx.get(f"http://127.0.0.1:{port}/anything?name={APPLICANT[0]}")

    assert answer.status_code == 500
    err = capfd.readouterr().err
    assert "Exception in ASGI application (RuntimeError; details withheld)" in err
    assert leaks(err) == [] and "Traceback" not in err


# --- item 10: slow clients ---------------------------------------------------------------------
def seconds_until_closed(port: int, trickle: bytes | None, every: float = 0.3, limit: float = 15) -> float:
    """Connect, send `trickle` every `every` seconds (or nothing), and time how long until the server closes."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(every)
        if trickle is not None:
            s.sendall(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n")
        while time.monotonic() - started < limit:
            try:
                if s.recv(1024) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                if trickle is not None:
                    try:
                        s.sendall(trickle)
                    except OSError:
                        return time.monotonic() - started
            except OSError:
                return time.monotonic() - started
    return limit


def test_a_slow_client_is_cut_off_at_the_request_deadline(network):
    with real_server(create_site(get_settings()), api_request_seconds=1.5, api_keep_alive_seconds=1) as port:
        trickling = seconds_until_closed(port, b"X-Slow: 1\r\n")
        silent = seconds_until_closed(port, None)
        whole = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json")

    assert 1.4 < trickling < 4 and 1.4 < silent < 4
    assert whole.status_code == 200

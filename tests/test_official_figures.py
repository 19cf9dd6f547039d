"""The official figures (统计口径): a published petition campaign's known set, counted in both definitions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from fengqiao.config.network import load_network_file, parse_network_document
from fengqiao.db import cases as case_store
from fengqiao.db.tables import config_applications
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.clocks import CST
from fengqiao.models.errors import ConfigurationError
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import Channel, HandoffTarget, Stage, Status
from fengqiao.services.intake import apply_configuration
from fengqiao.services.runtime import engine
from fengqiao.services.stats import Question, figures
from tests.drive import kept_and_recounted
from tests.factories import a_new_case

REGISTERED = datetime(2026, 9, 1, 9, 0, tzinfo=CST)
TODAY = date(2026, 11, 23)

# The campaign: 503 received; 460 mediated (an attempt began); of those 307 agreements (250
# written, 57 oral), 91 handed to the legal track (60 to litigation, 31 to arbitration), 30
# withdrawn, 32 still mediating; of the 43 never mediated, 20 withdrawn and 23 still waiting.
PLAN = (
    [("agreement", None)] * 250
    + [("oral_agreement", None)] * 57
    + [("failed", HandoffTarget.LITIGATION)] * 60
    + [("failed", HandoffTarget.ARBITRATION)] * 31
    + [("withdrawn", None)] * 30
    + [("mediating", None)] * 32
    + [("withdrawn_unmediated", None)] * 20
    + [("waiting", None)] * 23
)
PEOPLE = {0: 12, 1: 12, 250: 12, 300: 12, 400: 30, 480: 12, 502: 12, 10: 5, 260: 5, 495: 5}  # the rest: 2


def _move(conn, case, status: Status, stage: Stage, reason: str, minutes: int, **changes):  # type: ignore[no-untyped-def]
    after = replace(case, status=status, version=case.version + 1, **changes)
    at = REGISTERED + timedelta(days=1, minutes=minutes)
    record = Transition(after.version, at, case.status, status, stage, "test", reason, org=after.org_code)
    case_store.save_move(conn, case, after, record, flow_run_id=None)
    return after


def _campaign() -> None:
    """The campaign's cases as the pipeline's steps store them (petition referrals, September 2026)."""
    with UnitOfWork(engine()) as uow:
        conn = uow.conn
        news = [
            (a_new_case(channel=Channel.PETITION, channel_ref=f"P-{n}", people_involved=PEOPLE.get(n, 2)), None)
            for n in range(len(PLAN))
        ]
        added = case_store.add_cases(conn, news, config_version=1, at=REGISTERED)
        for n, ((case, _), (what, target)) in enumerate(zip(added, PLAN, strict=True)):
            if what == "waiting":
                continue
            if what == "withdrawn_unmediated":
                _move(conn, case, Status.WITHDRAWN, Stage.WITHDRAWAL, "withdrawn", 1)
                continue
            case = _move(
                conn,
                case,
                Status.MEDIATING,
                Stage.ASSIGNMENT,
                "assigned",
                1,
                dispute_type="neighbourhood",
                org_code="C-ZHAOYANG",
                mediator=("M-C01", "M-C02")[n % 2],
                attempt=1,
            )
            if what in ("agreement", "oral_agreement"):
                case = _move(conn, case, Status.RESOLVED, Stage.RESOLUTION, what, 2)
                if what == "oral_agreement":  # an agreement's kind is kept when the case closes
                    _move(conn, case, Status.CLOSED, Stage.CLOSING, "agreement archived", 3)
            elif what == "failed":
                _move(conn, case, Status.HANDED_OFF, Stage.HANDOFF, "failed", 2, handoff_target=target)
            elif what == "withdrawn":
                _move(conn, case, Status.WITHDRAWN, Stage.WITHDRAWAL, "withdrawn", 2)
        uow.commit()


def _official(found: dict) -> dict:
    names = ("received", "mediated", "agreements", "success_rate", "handed_off", "withdrawn", "open")
    return {k: found[k] for k in (*names, "parties_involved", "group_disputes")}


CAMPAIGN = {
    "received": 503,
    "mediated": 460,
    "agreements": {"total": 307, "written": 250, "oral": 57},
    "handed_off": {"total": 91, "by_target": {"arbitration": 31, "litigation": 60}},
    "withdrawn": 50,
    "open": 55,
    "parties_involved": 493 * 2 + 6 * 12 + 30 + 3 * 5,
}


def test_the_campaign_gives_the_published_figures_in_the_default_definition_and_in_success_over_received(network):
    _campaign()
    kept, recounted = kept_and_recounted()
    assert kept == recounted  # the counters kept with each move equal a count from scratch

    default = figures(Question("2026-09", "2026-09"), today=TODAY)
    document = load_network_file()
    document["statistics"] = {"success_rate": "received", "group_dispute_people": 12}
    received_version = apply_configuration(document, source="statistics-received")
    applied_later = figures(Question("2026-09", "2026-09"), today=TODAY)
    with UnitOfWork(engine()) as uow:  # as if it had been applied before September: in force that month
        uow.conn.execute(
            insert(config_applications).values(version_id=received_version, applied_at=REGISTERED - timedelta(days=40))
        )
        uow.commit()
    over_received = figures(Question("2026-09", "2026-09"), today=TODAY)

    # 调解成功 ÷ 调解 = 307 ÷ 460, as the bureau published; the old rule (÷ 398 concluded) gave 77 %
    assert _official(default) == CAMPAIGN | {"success_rate": 0.6674, "group_disputes": 10}
    assert default["definitions"]["success_rate"] == {
        "label": "调解成功率 success rate",
        "definition": "调解成功 ÷ 调解 agreements ÷ mediated",
    }
    assert default["definitions"]["group_disputes"]["definition"] == (
        "涉及5人以上的纠纷件数（人数同涉及当事人人数：每案不少于登记的当事人数） disputes involving 5 or more people "
        "(people counted as in parties involved: a case at least the parties recorded on it)"
    )
    # a configuration applied after September leaves September's figures as published
    assert _official(applied_later) == _official(default)
    # 调解成功 ÷ 受理 = 307 ÷ 503; a group dispute is now 12 people or more
    assert _official(over_received) == CAMPAIGN | {"success_rate": 0.6103, "group_disputes": 7}
    assert over_received["definitions"]["success_rate"]["definition"] == "调解成功 ÷ 受理 agreements ÷ received"
    figures_shown = {k for k in default if k != "definitions"} - {"screening", "roster", "compared"}
    assert sorted(default["definitions"]) == sorted(
        figures_shown
        | {f"screening.{k}" for k in default["screening"]}
        | {f"roster.{k}" for k in default["roster"]}
        | {"year_to_date", "previous_period", "same_period_last_year"}
    )  # every figure carries its definition, the comparisons too
    assert (default["closed"], default["by_outcome"]) == (
        57,
        {"handed_off": 91, "open": 55, "resolved": 307, "withdrawn": 50},
    )


def test_a_case_reopened_after_its_agreement_is_no_longer_counted_as_an_agreement(network):
    with UnitOfWork(engine()) as uow:
        [(case, _)] = case_store.add_cases(
            uow.conn, [(a_new_case(channel_ref="R-1"), None)], config_version=1, at=REGISTERED
        )
        case = _move(
            uow.conn, case, Status.MEDIATING, Stage.ASSIGNMENT, "assigned", 1, org_code="C-ZHAOYANG", attempt=1
        )
        case = _move(uow.conn, case, Status.RESOLVED, Stage.RESOLUTION, "oral_agreement", 2)
        case = _move(uow.conn, case, Status.CLOSED, Stage.CLOSING, "agreement archived", 3)
        uow.commit()
    resolved = figures(Question(), today=TODAY)
    with UnitOfWork(engine()) as uow:
        _move(uow.conn, case, Status.TRIAGED, Stage.FOLLOW_UP, "not honoured", 4, mediator=None)
        uow.commit()
    reopened = figures(Question(), today=TODAY)

    assert (resolved["agreements"], resolved["success_rate"]) == ({"total": 1, "written": 0, "oral": 1}, 1.0)
    assert (reopened["agreements"], reopened["mediated"], reopened["open"], reopened["success_rate"]) == (
        {"total": 0, "written": 0, "oral": 0},
        1,
        1,
        0.0,
    )


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "success_rate: resolved",
            "statistics.success_rate: 取值不在允许范围 Input should be 'mediated' or 'received'",
        ),
        (
            "group_dispute_people: 1",
            "statistics.group_dispute_people: 数值过小 Input should be greater than or equal to 2",
        ),
    ],
)
def test_a_definition_the_bureau_does_not_use_is_refused_with_its_line(written: str, message: str):
    from fengqiao.config.network import SAMPLE_NETWORK

    sample = SAMPLE_NETWORK.read_text(encoding="utf-8")
    shipped = {"success_rate": "success_rate: mediated", "group_dispute_people": "group_dispute_people: 5"}
    text = sample.replace(shipped[written.split(":")[0]], written)
    line = text[: text.index(written)].count("\n") + 1
    with pytest.raises(ConfigurationError) as refused:
        parse_network_document(text, "net.yaml")
    assert refused.value.message == f"net.yaml:{line}: {message}"


def test_stats_json_and_the_api_carry_each_figure_with_its_definition(api):
    from tests.factories import a_key
    from tests.test_cli import run

    with UnitOfWork(engine()) as uow:
        [(case, _)] = case_store.add_cases(
            uow.conn, [(a_new_case(channel_ref="J-1", people_involved=7), None)], config_version=1, at=REGISTERED
        )
        case = _move(
            uow.conn, case, Status.MEDIATING, Stage.ASSIGNMENT, "assigned", 1, org_code="C-ZHAOYANG", attempt=1
        )
        _move(uow.conn, case, Status.RESOLVED, Stage.RESOLUTION, "agreement", 2)
        uow.commit()

    code, out = run("stats", "--json")
    served = api.get("/api/v1/stats", headers=a_key("coordinator")).json()
    table_code, table = run("stats")

    expected = {
        "received": 1,
        "mediated": 1,
        "agreements": {"total": 1, "written": 1, "oral": 0},
        "success_rate": 1.0,
        "handed_off": {"total": 0, "by_target": {}},
        "withdrawn": 0,
        "open": 0,
        "parties_involved": 7,
        "group_disputes": 1,
    }
    assert code == 0 and {k: json.loads(out)[k] for k in expected} == expected
    assert {k: served[k] for k in expected} == expected
    assert served["definitions"] == json.loads(out)["definitions"]
    assert served["definitions"]["mediated"] == {
        "label": "调解 mediated",
        "definition": "至少开始一次调解的件数；当事人在首次调解时拒绝调解的，已记录该次调解笔录的计入（调解已开始），"
        "未记录的不计入 cases in which at least one mediation attempt began; an attempt a party refused "
        "(拒绝调解) began if a session of it was recorded (调解笔录), and did not if none was",
    }
    assert table_code == 0 and "调解成功率 success rate 100.0%" in table and "统计口径 definitions" in table


def test_migration_0012_reads_each_agreement_kind_off_the_timeline_and_counts_it(database):
    from alembic import command
    from sqlalchemy import text

    from fengqiao.db.engine import get_engine
    from fengqiao.db.migrate import alembic_config
    from tests.test_migrations import a_case

    command.downgrade(alembic_config(database), "0011")
    engine = get_engine(database)
    with engine.begin() as conn:
        a_case(conn)
        conn.execute(text("UPDATE cases SET status = 'closed', outcome = 'resolved', attempt = 2, people_involved = 6"))
        for seq, stage, reason in ((1, "intake", "received"), (2, "resolution", "oral_agreement")):
            conn.execute(
                text(
                    "INSERT INTO transitions (case_id, seq, at, to_status, stage, actor, reason) "
                    "VALUES (1, :seq, '2026-11-01 08:00:00+00', 'resolved', :stage, 'M-C01', :reason)"
                ),
                {"seq": seq, "stage": stage, "reason": reason},
            )

    command.upgrade(alembic_config(database), "0012")
    with engine.connect() as conn:
        agreement = conn.execute(text("SELECT agreement FROM cases")).scalar_one()
        counted = conn.execute(
            text("SELECT mediated, written, oral, parties FROM case_tallies WHERE dimension = 'all'")
        ).one()
        people = conn.execute(text("SELECT value, cases FROM case_tallies WHERE dimension = 'people'")).one()
    command.downgrade(alembic_config(database), "0011")
    with engine.connect() as conn:
        left = conn.execute(text("SELECT * FROM case_tallies")).keys()

    assert (agreement, tuple(counted), tuple(people)) == ("oral", (1, 0, 1, 6), ("6", 1))
    assert "oral" not in left and "parties" not in left


def test_roster_figures_count_committees_by_kind_and_mediators_full_and_part_time_in_the_region(api):
    from tests.factories import a_key
    from tests.test_cli import run
    from tests.test_dashboard import sign_in

    document = load_network_file()
    for org in document["organisations"]:
        if org["code"] == "C-JINSHA":  # a factory's committee at a community's level
            org["committee_kind"] = "enterprise"
    apply_configuration(document, source="roster")
    sign_in(api)

    cuiping = api.get("/api/v1/stats", params={"region": "511502"}, headers=a_key("coordinator", name="r")).json()
    city = json.loads(run("stats", "--json")[1])
    page = api.get("/dashboard/stats", params={"region": "511502"}).text

    # 翠屏: 3 communities and 1 enterprise's committee, 2 streets, the district; its 11 mediators, 2 part-time
    assert cuiping["roster"] == {
        "committees": {"village": 3, "township": 2, "enterprise": 1, "sector": 0, "other": 1, "total": 7},
        "mediators": {"total": 11, "full_time": 9, "part_time": 2},
    }
    # the city adds 南溪 and the three panels, which serve everywhere
    assert city["roster"]["committees"] == {
        "village": 7,
        "township": 4,
        "enterprise": 1,
        "sector": 3,
        "other": 2,
        "total": 17,
    }
    assert "村/居 3 · 乡镇/街道 2 · 企事业 1 · 行业/专业 0 · 其他 1" in page
    assert cuiping["definitions"]["roster.mediators"]["label"] == "人民调解员 mediators"


def test_a_key_of_organisations_gets_the_roster_of_its_organisations(api):
    from tests.factories import a_key

    apply_configuration(load_network_file(), source="roster")
    traffic = a_key("coordinator", name="traffic", areas=(), orgs=("P-TRAFFIC",))
    nanxi_and_xijiao = a_key("coordinator", name="nanxi-xijiao", areas=("511503",), orgs=("S-XIJIAO",))
    nanxi = a_key("coordinator", name="nanxi", areas=("511503",))

    def rostered(key):  # type: ignore[no-untyped-def]
        return api.get("/api/v1/stats", headers=key).json()["roster"]

    # the city's traffic panel and its two full-time mediators, as the figures count the cases it holds
    assert rostered(traffic) == {
        "committees": {"village": 0, "township": 0, "enterprise": 0, "sector": 1, "other": 0, "total": 1},
        "mediators": {"total": 2, "full_time": 2, "part_time": 0},
    }
    # 南溪 (its district, two streets, four communities) and 西郊 with its two mediators
    assert rostered(nanxi)["committees"]["total"] == 7
    assert rostered(nanxi_and_xijiao)["committees"] == {
        "village": 4, "township": 3, "enterprise": 0, "sector": 0, "other": 1, "total": 8,
    }  # fmt: skip
    assert rostered(nanxi_and_xijiao)["mediators"]["total"] == rostered(nanxi)["mediators"]["total"] + 2

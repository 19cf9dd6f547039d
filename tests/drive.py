"""Driving a case as people would: run its flow, answer each wait from a script, run it again."""

from __future__ import annotations

from fengqiao.cli.demo_papers import answer
from fengqiao.db import queries, tallies
from fengqiao.db.uow import UnitOfWork
from fengqiao.flows.case import case_flow
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.intake import register_case
from fengqiao.services.runtime import engine

Script = list[tuple[InputKind, str, str]]


def drive(case_no: str, case_id: int, script: Script) -> list[str]:
    """Run the flow directly until it closes; each time it waits, record the next scripted input
    (an agreement after the papers the network requires, as the demo files them)."""
    results = []
    script = list(script)
    for _ in range(len(script) + 1):
        results.append(case_flow(case_id))
        if results[-1] == "closed" or not script:
            break
        kind, value, actor = script.pop(0)
        answer(case_no, kind, value, actor=actor)
    return results


def timeline_of(case_id: int) -> list[tuple]:
    with UnitOfWork(engine()) as uow:
        return [
            (t.seq, t.from_status, t.to_status, t.stage, t.org, t.actor, t.rule, t.reason)
            for t in queries.timeline(uow.conn, case_id)
        ]


def register(new, *, sent_by: int | None = None) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """Register a record; sent_by: the id of the API key that sent it (None: as from the command line)."""
    if sent_by is None:
        case, _ = register_case(new)
    else:
        from fengqiao.channels.common import ChannelRecord
        from fengqiao.services.intake import receive

        case = receive(ChannelRecord(new), key_id=sent_by).case
    return case.case_no, case.id


def registered_month(case_no: str) -> str:
    """The China-time month a case was registered in: what the statistics count it under."""
    from fengqiao.db import cases as case_store
    from fengqiao.models.clocks import CST

    with UnitOfWork(engine()) as uow:
        created = case_store.find_case(uow.conn, case_no).created_at
    assert created is not None
    return created.astimezone(CST).strftime("%Y-%m")


def kept_and_recounted() -> tuple[list[dict], list[dict]]:
    """The statistics' counters as kept with each move, and as counted again from scratch (the rebuild
    is committed): a test asserts the two are equal."""

    def counters() -> list[dict]:
        with UnitOfWork(engine()) as uow:
            rows = tallies.summed(uow.conn, tallies.Scope(), "month", "area", "org_code")
        nonzero = (r for r in rows if any(v for v in r.values() if isinstance(v, int)))
        return sorted(nonzero, key=lambda r: sorted(r.items()))

    kept = counters()
    with UnitOfWork(engine()) as uow:
        tallies.rebuild(uow.conn)
        uow.commit()
    return kept, counters()

"""Intake: register a channel's record as a case, once, before any flow run exists.

Registration is synchronous on purpose: the caller (a channel, the API) needs the case number
back, and the database must hold the case before Prefect is told anything about it. The same
record again from the same sender (same ticket id or Idempotency-Key) gives the same case, a
different one is refused, and a ticket id another key sent is refused without a word about its
case; a report of a dispute already open is registered as a suspected duplicate of it, held
without a flow.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fengqiao.channels.common import ChannelRecord
from fengqiao.config.network import load_network_file
from fengqiao.db import cases as case_store
from fengqiao.db import configurations, flow_runs, reports, wakeups
from fengqiao.db import screenings as screening_store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.case import REF_CHARS, TEST_REF, Case, NewCase
from fengqiao.models.duplicates import Match, raise_risk_for_reports
from fengqiao.models.errors import ConcurrencyConflict, ConfigurationError, FengqiaoError, InvalidInput
from fengqiao.models.intake_plan import (
    Add,
    InBatch,
    Known,
    KnownTicket,
    Planned,
    Record,
    Refused,
    Replay,
    SameAs,
    UsedKey,
    as_reports,
    plan_intake,
)
from fengqiao.models.network import Network
from fengqiao.models.transitions import Transition
from fengqiao.models.triage import TriageRules
from fengqiao.services.alerts import alerts_on_intake
from fengqiao.services.announce import announce
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine, now
from fengqiao.services.steps import record_move


@dataclass(frozen=True)
class Receipt:
    """What intake answers: the case, whether this call created it, and the open case it repeats."""

    case: Case
    created: bool
    duplicate_of: str | None = None
    duplicate_reason: str | None = None

    @property
    def starts_a_run(self) -> bool:
        """The one rule for a case's first flow run: a new case gets it now; a suspected duplicate
        waits for the supervisor's decision, a repeated record already has its case's run."""
        return self.created and self.duplicate_of is None


def apply_configuration(document: dict[str, Any] | None = None, *, source: str | None = None) -> int:
    """Store a network document as a configuration version (the shipped sample by default)."""
    if document is None:
        path = Path(source) if source else None
        document = load_network_file(path)
        source = str(path or "sample_network.yaml")
    with UnitOfWork(engine()) as uow:
        version = configurations.store_config_version(uow.conn, document, source=source or "api", at=now())
        uow.commit()
    return version


def payload_digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def register_case(new: NewCase, *, record: str | None = None) -> tuple[Case, bool]:
    """(the case, whether this call created it), for callers that hold a NewCase already."""
    receipt = receive(ChannelRecord(new), record=record)
    return receipt.case, receipt.created


def receive(
    rec: ChannelRecord,
    *,
    idempotency_key: str | None = None,
    record: str | None = None,
    key_id: int | None = None,
    caller: Caller | None = None,
) -> Receipt:
    """Register one channel record in one transaction; a rejected record writes nothing.

    record names the input in errors (a file and line); by default the channel's ticket id.
    key_id: the API key that sent it (kept on the intake record: an integrator answers for what it sent).
    caller: that key's jurisdiction, which decides what a used ticket id may tell it (_same_ticket).
    """
    name = record or rec.new.channel_ref or "(no channel ref)"
    [answer] = receive_many([Incoming(name, rec, idempotency_key, key_id, caller)])
    if isinstance(answer, FengqiaoError):
        raise answer
    return answer


@dataclass(frozen=True)
class Incoming:
    name: str  # how errors name it: file:line, or the ticket id
    record: ChannelRecord
    idempotency_key: str | None = None
    key_id: int | None = None  # the API key that sent it; None from the command line
    caller: Caller | None = None  # that key's jurisdiction (None: the command line, which sees every case)


def receive_many(batch: Sequence[Incoming], *, screening: int | None = None) -> list[Receipt | FengqiaoError]:
    """Register records of one channel in one transaction: an answer (or the record's error) for each.

    A bad record is answered with its error and writes nothing; the others are registered. If a
    racing request registers one of the same tickets first, the batch is retried, and then
    record by record, so each record still gets exactly one case. screening: the session whose
    ledger the records are (矛盾纠纷排查); the cases they register are linked to it in the same
    transaction, within the disputes it found (else nothing is written).
    """
    for attempt in range(3):
        try:
            with UnitOfWork(engine()) as uow:
                added, shared = _receive_batch(uow.conn, batch)
                if screening is not None:
                    new = [(case.id, screened_on(batch[p].record)) for p, (case, _) in added.items()]
                    screening_store.link_cases(uow.conn, screening, new)
                if any(duplicate_of is None for _, duplicate_of in added.values()):  # Receipt.starts_a_run
                    wakeups.announce(uow, wakeups.NEW_CASES)  # a worker starts their runs (runs/sweep.py)
                answers, moves = shared()  # last: what other registrations wait for is held the shortest
                uow.commit()
            break
        except ConcurrencyConflict:
            if len(batch) > 1:
                return [a for item in batch for a in receive_many([item], screening=screening)]
            if attempt == 2:
                raise
    for case, move in moves:  # each transition gets its event and log line, as in the flow
        announce(case, move, flow_run_id=None)
    return answers


def screened_on(record: ChannelRecord) -> date | None:
    """The ledger's 排查日期 of a record (channels.ledger keeps it in the payload), kept on its screening link."""
    day = record.payload.get("screened_on")
    return date.fromisoformat(day) if isinstance(day, str) else None


Shared = Callable[[], tuple[list[Receipt | FengqiaoError], list[tuple[Case, Transition]]]]


def _receive_batch(conn: Connection, batch: Sequence[Incoming]) -> tuple[dict[int, tuple[Case, Match | None]], Shared]:
    """Read what the plan needs, plan the batch (models/intake_plan.py), carry the plan out.

    Gives the cases added (by the position of their record, with the open case each repeats) and
    the rest of the plan, which other registrations may wait on (the cluster's alert), for the caller
    to do just before its commit: it gives the answers and the moves to announce after the commit."""
    at = now()
    version = configurations.latest_config_version(conn)
    if version is None:
        raise ConfigurationError(
            "尚未应用调解网络配置 no network configuration applied yet: "
            "run `fengqiao config apply` (the sample network) or `fengqiao demo`"
        )
    network, rules = configuration(conn, version)
    records = [_as_record(item) for item in batch]
    plan = plan_intake(records, _known(conn, records, network, rules, at), network, rules, at=at)
    adds = {p: step for p, step in enumerate(plan) if isinstance(step, Add)}
    added, matches = _add_cases(conn, adds, version, at)
    reports.add_intake_records(
        conn,
        [
            dict(
                case_id=case.id,
                channel=records[p].new.channel,
                idempotency_key=batch[p].idempotency_key,
                key_id=batch[p].key_id,
                payload=batch[p].record.payload,
                payload_sha256=records[p].digest,
                reply_due=batch[p].record.reply_due,
                received_at=at,
            )
            for p, (case, _) in added.items()
        ],
    )
    # The counters are appended (no shared row); the cluster's alert, whose row concurrent registrations
    # in a community take turns on until their commit, comes last but for an emergency raised by a
    # repeated report, as ever (their order when listed).
    parties = {case.id: len(adds[p].new.parties) for p, (case, _) in added.items()}  # as add_cases wrote them
    case_store.count_new(conn, [case for case, _ in added.values()], at=at, parties=parties)

    def shared() -> tuple[list[Receipt | FengqiaoError], list[tuple[Case, Transition]]]:
        alerts_on_intake(conn, (case for case, _ in added.values()), at=at)
        moves = list(added.values()) + _raise_risks(conn, matches.values(), rules, at)
        return [_answer(conn, p, step, added, matches) for p, step in enumerate(plan)], moves

    return {p: (case, matches[p]) for p, (case, _) in added.items()}, shared


def _as_record(item: Incoming) -> Record:
    rec = item.record
    new = rec.new
    if item.caller and item.caller.test:
        if new.channel_ref and len(TEST_REF + new.channel_ref) > REF_CHARS:
            longest = REF_CHARS - len(TEST_REF)
            field = next((k for k, v in rec.payload.items() if v == new.channel_ref), "channel_ref")  # ticket_id…
            raise InvalidInput(
                f"测试密钥的工单号内容过长，至多 {longest} 个字符 "
                f"a test key's ticket id is at most {longest} characters",
                field=field,
            )
        new = new.from_test_key()
    return Record(
        item.name,
        new,
        payload_digest(rec.payload),
        item.idempotency_key,
        item.key_id,
        item.caller,
        rec.payload,
        rec.area_field,
    )


def _known(conn: Connection, records: Sequence[Record], network: Network, rules: TriageRules, at: datetime) -> Known:
    """What the plan needs from the database: the keys and tickets already used, the open cases alike."""
    channel = records[0].new.channel
    assert all(r.new.channel == channel for r in records), "one channel per batch"
    keys = reports.by_idempotency_keys(conn, channel, (r.idempotency_key for r in records if r.idempotency_key))
    cases = {case_id: case_store.get_case(conn, case_id) for case_id, _ in keys.values()}
    tickets = case_store.find_by_channel_refs(conn, channel, (r.new.channel_ref for r in records if r.new.channel_ref))
    senders = reports.senders_of(conn, (case.id for case in tickets.values()))
    since = at - timedelta(days=rules.duplicates.window_days)
    people = (p for r in records for p in r.new.parties)
    test = records[0].new.test  # one sender per batch: a test case repeats only test cases, a real one real ones
    assert all(r.new.test == test for r in records), "one sender per batch"
    return Known(
        keys={key: UsedKey(case_id, cases[case_id].case_no, digest) for key, (case_id, digest) in keys.items()},
        tickets={ref: KnownTicket(case, *senders.get(case.id, (None, ""))) for ref, case in tickets.items()},
        open_cases=as_reports(rules, network, reports.open_reports(conn, since=since, people=people, test=test)),
    )


def _add_cases(
    conn: Connection, adds: dict[int, Add], version: int, at: datetime
) -> tuple[dict[int, tuple[Case, Transition]], dict[int, Match | None]]:
    """Cases first, then the reports that repeat a case of this same batch, once it has an id.

    Both answers by the position of the record that adds the case, in order: its case and first move,
    and the open case it repeats.
    """
    matches: dict[int, Match | None] = {}
    later: list[int] = []
    for p, a in adds.items():
        if isinstance(a.duplicate_of, InBatch):
            later.append(p)
        else:
            matches[p] = a.duplicate_of
    added = dict(zip(matches, _add(conn, adds, matches, version, at), strict=True))
    for p in later:
        dup = adds[p].duplicate_of
        assert isinstance(dup, InBatch)
        target, _ = added[dup.position]
        matches[p] = Match(target.id, target.case_no, dup.reason)
    added.update(zip(later, _add(conn, adds, {p: matches[p] for p in later}, version, at), strict=True))
    return dict(sorted(added.items())), matches


def _add(
    conn: Connection, adds: dict[int, Add], matches: dict[int, Match | None], version: int, at: datetime
) -> list[tuple[Case, Transition]]:
    new = [(adds[p].new, m) for p, m in matches.items()]
    return case_store.add_cases(conn, new, config_version=version, at=at, count=False)  # counted last


def _raise_risks(
    conn: Connection, matches: Iterable[Match | None], rules: TriageRules, at: datetime
) -> list[tuple[Case, Transition]]:
    """An open case reported again often enough becomes an emergency."""
    moves = []
    for case_id in sorted({m.case_id for m in matches if m}):
        original = case_store.get_case(conn, case_id)
        raised = raise_risk_for_reports(original, reports.count_reports(conn, case_id), rules.duplicates, at=at)
        if raised:
            record_move(conn, original, *raised, flow_run_id=None)
            moves.append(raised)
    return moves


def _answer(
    conn: Connection,
    position: int,
    step: Planned,
    added: dict[int, tuple[Case, Transition]],
    matches: dict[int, Match | None],
) -> Receipt | FengqiaoError:
    if isinstance(step, Refused):
        return step.error
    if isinstance(step, Replay):
        return _replayed(conn, case_store.get_case(conn, step.case_id))
    first = step.position if isinstance(step, SameAs) else position
    dup, created = matches[first], first == position
    return Receipt(added[first][0], created, dup.case_no if dup else None, dup.reason if dup and created else None)


def _replayed(conn: Connection, case: Case) -> Receipt:
    original = case_store.get_case(conn, case.duplicate_of).case_no if case.duplicate_of else None
    return Receipt(case, False, original, None)


def flow_run_of(case_id: int) -> str | None:
    """The run recorded for a case: what a repeated record is answered with."""
    with UnitOfWork(engine()) as uow:
        return flow_runs.case_flow_run(uow.conn, case_id)[0]

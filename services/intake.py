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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fengqiao.channels.common import ChannelRecord
from fengqiao.config.network import load_network_file
from fengqiao.db import reports
from fengqiao.db import repository as repo
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.case import Case, NewCase
from fengqiao.models.duplicates import Match, Report, find_duplicate, raise_risk_for_reports
from fengqiao.models.errors import ConcurrencyConflict, ConfigurationError, FengqiaoError, InputConflict, InvalidInput
from fengqiao.models.transitions import Transition
from fengqiao.models.triage import TriageRules, classify
from fengqiao.models.vocabulary import LABELS_ZH
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


def apply_configuration(document: dict[str, Any] | None = None, *, source: str | None = None) -> int:
    """Store a network document as a configuration version (the shipped sample by default)."""
    if document is None:
        path = Path(source) if source else None
        document = load_network_file(path)
        source = str(path or "sample_network.yaml")
    with UnitOfWork(engine()) as uow:
        version = repo.store_config_version(uow.conn, document, source=source or "api", at=now())
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


def receive_many(batch: Sequence[Incoming]) -> list[Receipt | FengqiaoError]:
    """Register records of one channel in one transaction: an answer (or the record's error) for each.

    A bad record is answered with its error and writes nothing; the others are registered. If a
    racing request registers one of the same tickets first, the batch is retried, and then
    record by record, so each record still gets exactly one case.
    """
    for attempt in range(3):
        try:
            with UnitOfWork(engine()) as uow:
                answers, moves = _receive_batch(uow.conn, batch)
                uow.commit()
            break
        except ConcurrencyConflict:
            if len(batch) > 1:
                return [a for item in batch for a in receive_many([item])]
            if attempt == 2:
                raise
    for case, move in moves:  # each transition gets its event and log line, as in the flow
        announce(case, move, flow_run_id=None)
    return answers


def _receive_batch(
    conn: Connection, batch: Sequence[Incoming]
) -> tuple[list[Receipt | FengqiaoError], list[tuple[Case, Transition]]]:
    at = now()
    version = repo.latest_config_version(conn)
    if version is None:
        raise ConfigurationError(
            "no network configuration applied yet: run `fengqiao config apply` (the sample network) or `fengqiao demo`"
        )
    network, rules = configuration(conn, version)
    channel = batch[0].record.new.channel
    assert all(i.record.new.channel == channel for i in batch), "one channel per batch"
    keys = reports.by_idempotency_keys(conn, channel, (i.idempotency_key for i in batch if i.idempotency_key))
    known = repo.find_by_channel_refs(
        conn, channel, (i.record.new.channel_ref for i in batch if i.record.new.channel_ref)
    )
    senders = reports.senders_of(conn, (case.id for case in known.values()))
    window = timedelta(days=rules.duplicates.window_days)
    open_cases = _as_reports(
        rules, reports.open_reports(conn, since=at - window, people=(p for i in batch for p in i.record.new.parties))
    )
    answers: list[Receipt | FengqiaoError | int] = []  # an int: the index of the case this batch creates
    to_add: list[tuple[NewCase, Match | None]] = []
    digests: list[str] = []
    key_in_batch: dict[str, int] = {}
    ref_in_batch: dict[str, int] = {}
    first_of: dict[int, int] = {}  # a case this batch creates → the position of the record that made it
    for position, item in enumerate(batch):
        new, digest = item.record.new, payload_digest(item.record.payload)
        try:
            if not network.knows_area(new.area_code):
                message = f"区划代码{new.area_code}不在调解网络中 area code {new.area_code} is not in the network"
                raise InvalidInput(message, record=item.name, field=item.record.area_field)
            if level := network.unserved_level(new.area_code, new.channel):
                message = (
                    f"区划代码{new.area_code}没有{LABELS_ZH[level]}级调解组织 "
                    f"no {level} organisation of the network serves area {new.area_code}"
                )
                raise InvalidInput(message, record=item.name, field=item.record.area_field)
            key = item.idempotency_key
            if key and key in keys:
                case_id, first_digest = keys[key]
                if first_digest != digest:
                    first_no = repo.get_case(conn, case_id).case_no
                    message = f"Idempotency-Key {key} was already used for a different record (case {first_no})"
                    raise InputConflict(message, field="Idempotency-Key")
                answers.append(_replayed(conn, repo.get_case(conn, case_id)))
                continue
            if key and key in key_in_batch:
                answers.append(key_in_batch[key])
                continue
            if new.channel_ref and new.channel_ref in known:
                case = known[new.channel_ref]
                _same_ticket(item, case, *senders.get(case.id, (None, "")), digest=digest)
                answers.append(_replayed(conn, case))
                continue
            if new.channel_ref and new.channel_ref in ref_in_batch:
                first = ref_in_batch[new.channel_ref]
                if digests[first] != digest:
                    message = (
                        f"工单号{new.channel_ref}在本批中对应两条不同的记录 ticket id {new.channel_ref} is used by a "
                        f"different record earlier in this batch (record {batch[first_of[first]].name})"
                    )
                    raise _ticket_conflict(item, message)
                answers.append(first)
                continue
        except FengqiaoError as exc:
            answers.append(exc)
            continue
        match = _duplicate_of(new, rules, at, open_cases)
        index = len(to_add)
        to_add.append((new, match))
        digests.append(digest)
        answers.append(index)
        first_of[index] = position
        if key:
            key_in_batch[key] = index
        if new.channel_ref:
            ref_in_batch[new.channel_ref] = index
        if match is None:  # later records of this batch may repeat it
            open_cases.append(Report(-1 - index, f"#{index}", new.area_code, _type_of(rules, new), at, new.parties))
    added = _add_cases(conn, to_add, version, at)
    alerts_on_intake(conn, (case for case, _ in added), at=at)
    reports.add_intake_records(
        conn,
        [
            dict(
                case_id=case.id,
                channel=channel,
                idempotency_key=batch[first_of[i]].idempotency_key,
                key_id=batch[first_of[i]].key_id,
                payload=batch[first_of[i]].record.payload,
                payload_sha256=digests[i],
                reply_due=batch[first_of[i]].record.reply_due,
                received_at=at,
            )
            for i, (case, _) in enumerate(added)
        ],
    )
    moves = list(added)
    originals = {dup.case_id for _, dup in to_add if dup}
    for case_id in sorted(originals):
        original = repo.get_case(conn, case_id)
        raised = raise_risk_for_reports(original, reports.count_reports(conn, case_id), rules.duplicates, at=at)
        if raised:
            record_move(conn, original, *raised, flow_run_id=None)
            moves.append(raised)
    final: list[Receipt | FengqiaoError] = []
    for position, answer in enumerate(answers):
        if not isinstance(answer, int):
            final.append(answer)
            continue
        case, _ = added[answer]
        dup = to_add[answer][1]
        created = first_of[answer] == position
        final.append(Receipt(case, created, dup.case_no if dup else None, dup.reason if dup and created else None))
    return final, moves


def _add_cases(
    conn: Connection, to_add: list[tuple[NewCase, Match | None]], version: int, at: datetime
) -> list[tuple[Case, Transition]]:
    """Cases first, then the reports that repeat a case of this same batch, once it has an id."""
    later = [i for i, (_, m) in enumerate(to_add) if m and m.case_id < 0]
    first = [i for i in range(len(to_add)) if i not in set(later)]
    added = dict(
        zip(first, repo.add_cases(conn, [to_add[i] for i in first], config_version=version, at=at), strict=True)
    )
    for i in later:
        new, match = to_add[i]
        assert match is not None
        target = added[-1 - match.case_id][0]
        to_add[i] = (new, replace(match, case_id=target.id, case_no=target.case_no))
    rest = repo.add_cases(conn, [to_add[i] for i in later], config_version=version, at=at)
    added.update(zip(later, rest, strict=True))
    return [added[i] for i in range(len(to_add))]


def _same_ticket(item: Incoming, case: Case, sent_by: int | None, first_digest: str, *, digest: str) -> None:
    """A ticket id already registered: the same record answers with its case, a different one is
    refused naming it; both only to the key that sent it or a key that may see the case. Any other
    key (another jurisdiction's integrator) learns nothing about the case: not its number, status
    or run. The command line (no key) acts for the whole database.
    """
    ref = case.channel_ref
    sees = item.caller is None or item.caller.covers(case.area_code, case.org_code)
    if item.key_id is not None and sent_by != item.key_id and not sees:
        message = (
            f"工单号{ref}已由其他接入方登记 ticket id {ref} of channel {case.channel} was registered by another sender"
        )
        raise _ticket_conflict(item, message)
    if first_digest != digest:
        message = (
            f"工单号{ref}已用于另一条记录（案件{case.case_no}） ticket id {ref} was already used for a different "
            f"record (case {case.case_no})"
        )
        raise _ticket_conflict(item, message)


def _ticket_conflict(item: Incoming, message: str) -> InputConflict:
    """Named by the record and by the payload's field that carried the ticket id (ticket_id, report_id…)."""
    rec = item.record
    field = next((k for k, v in rec.payload.items() if v == rec.new.channel_ref), "channel_ref")
    return InputConflict(f"record {item.name}, field {field}: {message}", field=field)


def _replayed(conn: Connection, case: Case) -> Receipt:
    original = repo.get_case(conn, case.duplicate_of).case_no if case.duplicate_of else None
    return Receipt(case, False, original, None)


def _type_of(rules: TriageRules, new: NewCase) -> str:
    return classify(rules, new.declared_type, new.summary)[0]


def _as_reports(rules: TriageRules, rows: list[dict[str, Any]]) -> list[Report]:
    return [
        Report(
            r["id"],
            r["case_no"],
            r["area_code"],
            r["dispute_type"] or classify(rules, r["declared_type"], r["summary"])[0],
            r["created_at"],
            tuple(r["parties"]),
        )
        for r in rows
    ]


def _duplicate_of(new: NewCase, rules: TriageRules, at: datetime, open_cases: list[Report]) -> Match | None:
    if len(new.area_code) < rules.duplicates.same_place_digits or not new.parties:
        return None
    return find_duplicate(new.parties, new.area_code, _type_of(rules, new), at, open_cases, rules.duplicates)

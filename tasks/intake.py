"""Intake: register a channel's record as a case, once, before any flow run exists.

Registration is synchronous on purpose: the caller (a channel, the API) needs the case number
back, and the database must hold the case before Prefect is told anything about it. The same
record again (same ticket id or Idempotency-Key) gives the same case; a report of a dispute
already open is registered as a suspected duplicate of it, held without a flow.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from channels.common import ChannelRecord
from config.network import load_network_file
from db import reports
from db import repository as repo
from db.uow import Connection, UnitOfWork
from models.case import Case, NewCase
from models.duplicates import Match, Report, find_duplicate, raise_risk_for_reports
from models.errors import ConcurrencyConflict, ConfigurationError, InputConflict, InvalidInput
from models.network import Network
from models.transitions import Transition
from models.triage import TriageRules, classify
from tasks.context import configuration, engine
from tasks.notify import announce
from tasks.steps import now


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


def receive(rec: ChannelRecord, *, idempotency_key: str | None = None, record: str | None = None) -> Receipt:
    """Register one channel record in one transaction; a rejected record writes nothing.

    record names the input in errors (a file and line); by default the channel's ticket id.
    """
    name = record or rec.new.channel_ref or "(no channel ref)"
    digest = payload_digest(rec.payload)
    for attempt in range(3):  # a racing request with the same key or ticket wins; we answer with its case
        try:
            with UnitOfWork(engine()) as uow:
                receipt, moves = _receive(uow.conn, rec, digest, idempotency_key, name)
                uow.commit()
            break
        except ConcurrencyConflict:
            if attempt == 2:
                raise
    for case, move in moves:  # each transition gets its event and log line, as in the flow
        announce(case, move, flow_run_id=None)
    return receipt


def _receive(
    conn: Connection, rec: ChannelRecord, digest: str, key: str | None, name: str
) -> tuple[Receipt, list[tuple[Case, Transition]]]:
    new, at = rec.new, now()
    version = repo.latest_config_version(conn)
    if version is None:
        raise ConfigurationError(
            "no network configuration applied yet: run `fengqiao config apply` (the sample network) or `fengqiao demo`"
        )
    network, rules = configuration(conn, version)
    if not network.knows_area(new.area_code):
        raise InvalidInput(
            f"区划代码{new.area_code}不在调解网络中 area code {new.area_code} is not in the network",
            record=name,
            field=rec.area_field,
        )
    if key and (prior := reports.by_idempotency_key(conn, new.channel, key)):
        case_id, prior_digest = prior
        if prior_digest != digest:
            first = repo.get_case(conn, case_id).case_no
            message = f"Idempotency-Key {key} was already used for a different record (case {first})"
            raise InputConflict(message, field="Idempotency-Key")
        return _replayed(conn, repo.get_case(conn, case_id)), []
    if new.channel_ref and (existing := repo.find_by_channel_ref(conn, new.channel, new.channel_ref)):
        return _replayed(conn, existing), []
    match = _duplicate_of(conn, new, network, rules, at)
    case, first = repo.add_case(conn, new, config_version=version, at=at, duplicate=match)
    reports.add_intake_record(
        conn,
        case_id=case.id,
        channel=new.channel,
        idempotency_key=key,
        payload=rec.payload,
        payload_sha256=digest,
        reply_due=rec.reply_due,
        at=at,
    )
    moves = [(case, first)]
    if match:
        original = repo.get_case(conn, match.case_id)
        raised = raise_risk_for_reports(original, reports.count_reports(conn, original.id), rules.duplicates, at=at)
        if raised:
            repo.save_move(conn, original, *raised, flow_run_id=None)
            moves.append(raised)
    return Receipt(case, True, match.case_no if match else None, match.reason if match else None), moves


def _replayed(conn: Connection, case: Case) -> Receipt:
    original = repo.get_case(conn, case.duplicate_of).case_no if case.duplicate_of else None
    return Receipt(case, False, original, None)


def _duplicate_of(conn: Connection, new: NewCase, network: Network, rules: TriageRules, at) -> Match | None:  # type: ignore[no-untyped-def]
    dup = rules.duplicates
    if len(new.area_code) < dup.same_place_digits or not new.parties:
        return None
    dispute_type = classify(rules, new.declared_type, new.summary)[0]
    candidates = [
        Report(
            r["id"],
            r["case_no"],
            r["area_code"],
            r["dispute_type"] or classify(rules, r["declared_type"], r["summary"])[0],
            r["created_at"],
            tuple(r["parties"]),
        )
        for r in reports.open_reports(
            conn,
            area_prefix=new.area_code[: dup.same_place_digits],
            since=at - timedelta(days=dup.window_days),
            people=new.parties,
        )
    ]
    return find_duplicate(new.parties, new.area_code, dispute_type, at, candidates, dup)

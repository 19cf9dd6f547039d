"""What intake does with a batch of one channel's records, decided from what the database knows.

No I/O: services/intake.py reads what is already registered (the Idempotency-Keys used, the ticket
ids known, the open cases the records may repeat), asks plan_intake, and carries the plan out.
For each record the plan says one of: refused (the error to answer with), the same record again
(answer with the case it made), the same as an earlier record of this batch, or a case to add
(with the open case it is suspected to repeat, if any).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fengqiao.models.access import Caller
from fengqiao.models.case import Case, NewCase
from fengqiao.models.duplicates import Match, Report, find_duplicate
from fengqiao.models.errors import FengqiaoError, InputConflict, InvalidInput
from fengqiao.models.network import Network
from fengqiao.models.triage import TriageRules, dispute_type_of
from fengqiao.models.vocabulary import LABELS_ZH


@dataclass(frozen=True)
class Record:
    """One record of the batch as intake decides about it."""

    name: str  # how errors name it: file:line, or the ticket id
    new: NewCase
    digest: str  # the payload's hash: the same record again has the same one
    idempotency_key: str | None = None
    key_id: int | None = None  # the API key that sent it; None from the command line
    caller: Caller | None = None  # that key's jurisdiction (None: the command line, which sees every case)
    payload: Mapping[str, Any] = field(default_factory=dict)  # names the field that carried the ticket id
    area_field: str = "area_code"  # the payload's field that gave the area code


@dataclass(frozen=True)
class UsedKey:
    """An Idempotency-Key already used: the case its record made and that record's hash."""

    case_id: int
    case_no: str
    digest: str


@dataclass(frozen=True)
class KnownTicket:
    """A ticket id already registered: its case, the key that sent it (None: the command line), its hash."""

    case: Case
    sent_by: int | None
    digest: str


@dataclass(frozen=True)
class Known:
    """What the database holds that the batch's records may repeat."""

    keys: Mapping[str, UsedKey] = field(default_factory=dict)
    tickets: Mapping[str, KnownTicket] = field(default_factory=dict)
    open_cases: Sequence[Report] = ()  # for duplicate matching (并单)


@dataclass(frozen=True)
class Refused:
    error: FengqiaoError


@dataclass(frozen=True)
class Replay:
    """The same record again: answered with the case it made, nothing written."""

    case_id: int


@dataclass(frozen=True)
class SameAs:
    """The same record as an earlier one of this batch, which adds the case."""

    position: int


@dataclass(frozen=True)
class InBatch:
    """A suspected duplicate of a case this batch adds: the record at `position` adds it."""

    position: int
    reason: str


@dataclass(frozen=True)
class Add:
    new: NewCase
    duplicate_of: Match | InBatch | None = None  # an open case in the database, or one this batch adds


Planned = Refused | Replay | SameAs | Add


def plan_intake(
    records: Sequence[Record], known: Known, network: Network, rules: TriageRules, *, at: datetime
) -> list[Planned]:
    """One decision per record, in order; a later record may repeat an earlier one (same key, same ticket)."""
    plan: list[Planned] = []
    open_cases = list(known.open_cases)
    first_with: dict[str, int] = {}  # "key:…" / "ref:…" → the position of the record that adds its case
    for position, rec in enumerate(records):
        try:
            repeated = _repeat(rec, records, known, network, first_with)
        except FengqiaoError as exc:
            plan.append(Refused(exc))
            continue
        if repeated is not None:
            plan.append(repeated)
            continue
        added = _added(rec, rules, network, at, open_cases)
        plan.append(added)
        first_with.update({name: position for name in _names(rec)})
        if added.duplicate_of is None:  # later records of this batch may repeat it
            open_cases.append(_as_report(position, rec.new, rules, network, at))
    return plan


def _names(rec: Record) -> list[str]:
    key, ref = rec.idempotency_key, rec.new.channel_ref
    return ([f"key:{key}"] if key else []) + ([f"ref:{ref}"] if ref else [])


def _repeat(
    rec: Record, records: Sequence[Record], known: Known, network: Network, first_with: Mapping[str, int]
) -> Replay | SameAs | None:
    """The case a record repeats (a used key, a known ticket), None for a new one; raises its error."""
    _check_area(rec, network)
    key, ref = rec.idempotency_key, rec.new.channel_ref
    if key and key in known.keys:
        used = known.keys[key]
        if used.digest != rec.digest:
            message = (
                "该 Idempotency-Key 已用于另一条记录 "
                f"Idempotency-Key {key} was already used for a different record (case {used.case_no})"
            )
            raise InputConflict(message, field="Idempotency-Key")
        return Replay(used.case_id)
    if key and f"key:{key}" in first_with:
        return SameAs(first_with[f"key:{key}"])
    if ref and ref in known.tickets:
        ticket = known.tickets[ref]
        _same_ticket(rec, ticket)
        return Replay(ticket.case.id)
    if ref and f"ref:{ref}" in first_with:
        first = first_with[f"ref:{ref}"]
        if records[first].digest != rec.digest:
            message = (
                f"工单号{ref}在本批中对应两条不同的记录 ticket id {ref} is used by a "
                f"different record earlier in this batch (record {records[first].name})"
            )
            raise _ticket_conflict(rec, message)
        return SameAs(first)
    return None


def _check_area(rec: Record, network: Network) -> None:
    new = rec.new
    if not network.knows_area(new.area_code):
        message = f"区划代码{new.area_code}不在调解网络中 area code {new.area_code} is not in the network"
        raise InvalidInput(message, record=rec.name, field=rec.area_field)
    if level := network.unserved_level(new.area_code, new.channel):
        message = (
            f"区划代码{new.area_code}没有{LABELS_ZH[level]}级调解组织 "
            f"no {level} organisation of the network serves area {new.area_code}"
        )
        raise InvalidInput(message, record=rec.name, field=rec.area_field)


def _same_ticket(rec: Record, ticket: KnownTicket) -> None:
    """A ticket id already registered: the same record answers with its case, a different one is
    refused naming it; both only to the key that sent it or a key that may see the case. Any other
    key (another jurisdiction's integrator) learns nothing about the case: not its number, status
    or run. The command line (no key) acts for the whole database.
    """
    case = ticket.case
    ref = case.channel_ref
    sees = rec.caller is None or rec.caller.covers(case.area_code, case.org_code)
    if rec.key_id is not None and ticket.sent_by != rec.key_id and not sees:
        message = (
            f"工单号{ref}已由其他接入方登记 ticket id {ref} of channel {case.channel} was registered by another sender"
        )
        raise _ticket_conflict(rec, message)
    if ticket.digest != rec.digest:
        message = (
            f"工单号{ref}已用于另一条记录（案件{case.case_no}） ticket id {ref} was already used for a different "
            f"record (case {case.case_no})"
        )
        raise _ticket_conflict(rec, message)


def _ticket_conflict(rec: Record, message: str) -> InputConflict:
    """Named by the record and by the payload's field that carried the ticket id (ticket_id, report_id…)."""
    field = next((k for k, v in rec.payload.items() if v == rec.new.channel_ref), "channel_ref")
    return InputConflict(f"record {rec.name}, field {field}: {message}", field=field)


def _added(rec: Record, rules: TriageRules, network: Network, at: datetime, open_cases: Sequence[Report]) -> Add:
    new = rec.new
    if len(new.area_code) < rules.duplicates.same_place_digits or not new.parties:
        return Add(new)
    kind = _type_of(rules, network, new)
    match = find_duplicate(new.parties, new.area_code, kind, at, open_cases, rules.duplicates)
    if match is not None and match.case_id < 0:  # an earlier record of this batch
        return Add(new, InBatch(-1 - match.case_id, match.reason))
    return Add(new, match)


def _as_report(position: int, new: NewCase, rules: TriageRules, network: Network, at: datetime) -> Report:
    """A case this batch adds, as the later records' duplicate matching sees it (a negative id)."""
    return Report(-1 - position, f"#{position}", new.area_code, _type_of(rules, network, new), at, new.parties)


def _type_of(rules: TriageRules, network: Network, new: NewCase) -> str:
    """The type triage will store (models.triage.dispute_type_of): a known code, never free text."""
    return dispute_type_of(rules, network.paths.keys(), new.declared_type, new.summary)[0]


def as_reports(rules: TriageRules, network: Network, rows: Sequence[Mapping[str, Any]]) -> list[Report]:
    """Open cases as duplicate matching sees them: one not yet triaged by the type triage will give it."""
    return [
        Report(
            r["id"],
            r["case_no"],
            r["area_code"],
            r["dispute_type"] or dispute_type_of(rules, network.paths.keys(), r["declared_type"], r["summary"])[0],
            r["created_at"],
            tuple(r["parties"]),
        )
        for r in rows
    ]

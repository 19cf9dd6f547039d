"""Recording a mediation session (调解笔录) and reading a case's sessions under the case's rules.

A record is stored with its timeline row in one transaction; the same record sent again, by its
text or its Idempotency-Key, gets the stored one back. Reading masks the people's names, places
and what was said unless unmasked, and every read by a key writes its access-log row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC

from fengqiao.db import cases as case_store
from fengqiao.db import session_records as session_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.case import Case
from fengqiao.models.privacy import mask_name, mask_text
from fengqiao.models.session_records import SessionRecord, checked_session, same_key_answer, session_move
from fengqiao.services.announce import announce
from fengqiao.services.case_reads import log_read, party_names, visible_in
from fengqiao.services.runtime import engine, now
from fengqiao.services.steps import record_move

SESSION_FIELDS = ["session_records.place", "session_records.attendees", "session_records.content"]


@dataclass(frozen=True)
class SessionRecorded:
    case: Case
    record: SessionRecord
    created: bool  # False: the same record was already stored
    names: tuple[str, ...]  # the parties' names, to mask the record with

    @property
    def masked(self) -> SessionRecord:
        return masked_session(self.record, self.names)


def record_session(ref: str, record: SessionRecord, *, idempotency_key: str | None = None) -> SessionRecorded:
    """Store the session and its timeline row; the stored one back if this record was sent before.

    record.attempt is the attempt the mediator says it belongs to (the case's current one).
    idempotency_key: as stored ("{key_id}:{key}" or "cli:{key}").
    """
    if record.held_at.tzinfo is not None:  # stored and answered in UTC, as every instant
        record = replace(record, held_at=record.held_at.astimezone(UTC))
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        names = party_names(uow.conn, case.id)
        keyed = session_store.session_by(uow.conn, case.id, key=idempotency_key) if idempotency_key else None
        if first := same_key_answer(case, keyed, record):
            return SessionRecorded(case, first, False, names)
        if same := session_store.session_by(uow.conn, case.id, fingerprint=record.fingerprint):
            return SessionRecorded(case, same, False, names)
        at = now()
        numbered = replace(checked_session(case, record, now=at), number=session_store.next_number(uow.conn, case.id))
        session_store.add_session(uow.conn, case.id, numbered, at=at, key=idempotency_key)
        after, move = session_move(case, numbered, at=at)
        record_move(uow.conn, case, after, move, flow_run_id=None)
        uow.commit()
    announce(after, move, flow_run_id=None)
    return SessionRecorded(after, numbered, True, names)


def masked_session(record: SessionRecord, names: tuple[str, ...]) -> SessionRecord:
    """As a reader without unmasking sees it: people's names, the place and the text masked."""
    return replace(
        record,
        place=mask_text(record.place, names),
        attendees=tuple(
            mask_text(a, names) if any(n and n in a for n in names) else mask_name(a) for a in record.attendees
        ),
        content=mask_text(record.content, names),
    )


def read_sessions(
    ref: str, caller: Caller | None = None, *, unmask: bool = False, reason: str | None = None
) -> tuple[Case, list[SessionRecord]]:
    """The case's sessions in order, masked unless unmasked; a key's read is access-logged."""
    with UnitOfWork(engine()) as uow:
        case = visible_in(uow.conn, caller, ref)
        found = session_store.sessions_of(uow.conn, case.id)
        names = party_names(uow.conn, case.id)
        log_read(uow.conn, caller, case.id, SESSION_FIELDS, unmask, reason)
        uow.commit()
    return case, found if unmask else [masked_session(s, names) for s in found]

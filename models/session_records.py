"""Session records (调解笔录): what each mediation session of an attempt was, as the mediator wrote it.

A case in mediation may have several sessions; each is recorded once. The same record sent twice
(a lost response, a double click) is recognised by its fingerprint, the digest of what it says,
and given back rather than stored again; a record sent again under the same Idempotency-Key but
saying something else is a conflict. Each stored record is a timeline row (stage `session`) that
leaves the status as it is: the record's text stays in its own table, masked when it is read.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from fengqiao.models.case import Case
from fengqiao.models.errors import InputConflict, InvalidInput, NotWaitingForInput
from fengqiao.models.text import NOTE_CHARS, recorded_text
from fengqiao.models.transitions import Moved, transition
from fengqiao.models.vocabulary import Stage, Status

LINE_CHARS = 200  # a place, a person's name and role
MAX_PEOPLE = 20
SESSION_CHARS = 5 * NOTE_CHARS  # what was said and proposed over a sitting


@dataclass(frozen=True)
class SessionRecord:
    """One sitting: when and where, who came, who mediated, and what was said and proposed."""

    attempt: int
    held_at: datetime
    place: str
    attendees: tuple[str, ...]
    mediators: tuple[str, ...]
    content: str
    actor: str = "unknown"
    number: int = 0  # the n-th session recorded on the case, from 1; 0 until stored

    @property
    def fingerprint(self) -> str:
        """What the record says (not who sent it or its number): the same record twice is one."""
        said = [
            self.attempt,
            self.held_at.astimezone(UTC).isoformat(),
            self.place,
            list(self.attendees),
            list(self.mediators),
        ]
        canonical = json.dumps([*said, self.content], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def checked_session(case: Case, record: SessionRecord, *, now: datetime) -> SessionRecord:
    """The record, if it may be stored on the case now; else the error naming the field."""
    where = case.case_no
    if record.held_at.tzinfo is None:
        raise InvalidInput(
            "须写明时区 give the time with its offset, e.g. 2026-11-24T10:00:00+08:00", record=where, field="held_at"
        )
    if record.held_at > now:
        raise InvalidInput(
            "调解尚未举行，不能先记录笔录 a session cannot be recorded before it is held", record=where, field="held_at"
        )
    recorded_text(record.place, field="place", max_chars=LINE_CHARS, multiline=False, required=True)
    recorded_text(record.content, field="content", max_chars=SESSION_CHARS, multiline=True, required=True)
    for field, people in (("attendees", record.attendees), ("mediators", record.mediators)):
        if not people:
            raise InvalidInput("须至少写明一人 name at least one person", record=where, field=field)
        if len(people) > MAX_PEOPLE:
            said = f"{len(people)} 人，最多 {MAX_PEOPLE} 人 {len(people)} people, at most {MAX_PEOPLE}"
            raise InvalidInput(said, record=where, field=field)
        for person in people:
            recorded_text(person, field=field, max_chars=LINE_CHARS, multiline=False, required=True)
    if case.status is not Status.MEDIATING:
        raise NotWaitingForInput(
            "案件不在调解中，不能记录调解笔录 "
            f"case {case.case_no} is {case.status}, not in mediation: a session record belongs to a mediation attempt",
            field="case",
        )
    if record.attempt != case.attempt:
        raise NotWaitingForInput(
            f"调解轮次不符 case {case.case_no} is in mediation attempt {case.attempt}, not attempt {record.attempt}",
            field="attempt",
        )
    return record


def same_key_answer(case: Case, first: SessionRecord | None, record: SessionRecord) -> SessionRecord | None:
    """The record first stored under this Idempotency-Key if it says the same; None if the key is new."""
    if first is None:
        return None
    if first.fingerprint == record.fingerprint:
        return first
    raise InputConflict(
        "该 Idempotency-Key 已用于本案的另一份调解笔录 "
        f"the Idempotency-Key was already used for a different session record on case {case.case_no} "
        f"(session {first.number})",
        field="Idempotency-Key",
    )


def session_move(case: Case, record: SessionRecord, *, at: datetime) -> Moved:
    """The timeline row of a stored session: the status stays, the sentence says which sitting."""
    why = f"调解笔录 第{record.number}次 session {record.number} recorded, attempt {record.attempt}"
    return transition(case, case.status, stage=Stage.SESSION, actor=record.actor, reason=why, rule="session", at=at)


def attendee_names(sessions: tuple[SessionRecord, ...] | list[SessionRecord]) -> tuple[str, ...]:
    """The people the sessions' attendees lines name, each line's part before its role in brackets
    (王五（证人） → 王五; a line without one is the name): what a masked copy hides beside the parties."""
    return tuple(name for s in sessions for a in s.attendees if (name := re.split(r"[（(]", a, maxsplit=1)[0].strip()))

"""The case aggregate and next_step(): what a case needs next, decided from its stored state alone.

Because the decision depends only on what is stored, a flow that re-runs, retries or resumes
after a crash asks again and continues exactly where the case stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from fengqiao.models.vocabulary import (
    OPEN_STATUSES,
    Channel,
    HandoffTarget,
    InputKind,
    Risk,
    Status,
)

if TYPE_CHECKING:  # named in signatures only: a case (and the command line's choices) needs no network
    from fengqiao.models.network import EscalationPath


class DuplicateState(StrEnum):
    SUSPECTED = "suspected"  # linked at intake; held, no flow, until a supervisor decides
    CONFIRMED = "confirmed"  # merged into the open case
    SPLIT = "split"  # a dispute of its own after all


@dataclass(frozen=True)
class Case:
    id: int
    case_no: str
    status: Status
    version: int
    channel: Channel
    area_code: str
    summary: str = ""
    channel_ref: str | None = None
    declared_type: str | None = None
    dispute_type: str | None = None
    people_involved: int = 1
    risk: Risk = Risk.NORMAL
    path_step: int = -1  # index into the escalation path; -1 before assignment
    attempt: int = 0  # mediation attempts begun
    org_code: str | None = None
    mediator: str | None = None
    expert: str | None = None
    opinion_step: int | None = None  # the path step whose expert opinion is recorded
    handoff_target: HandoffTarget | None = None
    config_version: int = 1
    created_at: datetime | None = None
    duplicate_of: int | None = None  # the open case this report is suspected or confirmed to repeat
    duplicate_state: DuplicateState | None = None
    test: bool = False  # registered by a test key: runs its course, counted nowhere, no result back


@dataclass(frozen=True)
class HumanInput:
    """A person's input, stored once per (case, kind, round) before anyone acknowledges it."""

    kind: InputKind
    round: int
    value: str
    note: str = ""
    actor: str = "unknown"


class StepKind(StrEnum):
    TRIAGE = "triage"
    HAND_OFF_UNSUITABLE = "hand_off_unsuitable"
    ASSIGN = "assign"
    APPLY_OUTCOME = "apply_outcome"
    APPLY_EXIT = "apply_exit"
    RECORD_OPINION = "record_opinion"
    CLOSE = "close"
    WAIT = "wait"
    HELD = "held"  # a suspected duplicate: nothing runs until a supervisor confirms or splits it
    DONE = "done"


@dataclass(frozen=True)
class Wait:
    kind: InputKind
    round: int


@dataclass(frozen=True)
class Step:
    kind: StepKind
    wait: Wait | None = None

    @property
    def label(self) -> str:
        """How the step is shown to people (GET /cases/{id} next_step): `waiting:<input>` or the step's kind."""
        return f"waiting:{self.wait.kind}" if self.kind is StepKind.WAIT and self.wait else str(self.kind)


Inputs = Mapping[tuple[InputKind, int], HumanInput]

EXIT_ROUND = 1  # a case can be left only once
HANDOFF_ROUND = 1


def pending_wait(case: Case, path: EscalationPath | None) -> Wait | None:
    """The human input the case is waiting for, if its status makes it wait."""
    if case.status is Status.MEDIATING:
        return Wait(InputKind.OUTCOME, case.attempt)
    if case.status is Status.ESCALATED and path is not None and needs_opinion(case, path):
        return Wait(InputKind.EXPERT_OPINION, case.attempt + 1)
    if case.status is Status.HANDED_OFF:
        return Wait(InputKind.HANDOFF_RESULT, HANDOFF_ROUND)
    return None


def needs_opinion(case: Case, path: EscalationPath) -> bool:
    step = path.steps[case.path_step]
    return step.expert_pool is not None and case.opinion_step != case.path_step


def next_step(case: Case, inputs: Inputs, path: EscalationPath | None) -> Step:
    if case.status in OPEN_STATUSES and (InputKind.EXIT, EXIT_ROUND) in inputs:
        return Step(StepKind.APPLY_EXIT)
    match case.status:
        case Status.RECEIVED if case.duplicate_state is DuplicateState.SUSPECTED:
            return Step(StepKind.HELD)
        case Status.RECEIVED:
            return Step(StepKind.TRIAGE)
        case Status.TRIAGED:
            return Step(StepKind.HAND_OFF_UNSUITABLE if case.handoff_target else StepKind.ASSIGN)
        case Status.RESOLVED | Status.WITHDRAWN:
            return Step(StepKind.CLOSE)
        case Status.CLOSED:
            return Step(StepKind.DONE)
    wait = pending_wait(case, path)
    if wait is None:  # escalated, no opinion needed (or already recorded)
        return Step(StepKind.ASSIGN)
    if (wait.kind, wait.round) not in inputs:
        return Step(StepKind.WAIT, wait)
    return Step(
        {
            InputKind.OUTCOME: StepKind.APPLY_OUTCOME,
            InputKind.EXPERT_OPINION: StepKind.RECORD_OPINION,
            InputKind.HANDOFF_RESULT: StepKind.CLOSE,
        }[wait.kind],
        wait,
    )


@dataclass(frozen=True)
class Party:
    role: str  # applicant | respondent
    name: str
    id_number: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class NewCase:
    """What every channel's record becomes: the one intake record the pipeline takes."""

    channel: Channel
    area_code: str
    summary: str
    channel_ref: str | None = None
    declared_type: str | None = None
    people_involved: int = 1
    amount: float | None = None
    parties: tuple[Party, ...] = ()
    test: bool = False  # sent with a test key (models.access.Caller.test)

    def from_test_key(self) -> NewCase:
        """The record as a test key's: marked test, its ticket id in the test keys' own namespace
        (`test:` before it), so a trial neither takes nor meets a real ticket id."""
        return replace(self, test=True, channel_ref=f"{TEST_REF}{self.channel_ref}" if self.channel_ref else None)


TEST_REF = "test:"
REF_CHARS = 100  # cases.channel_ref holds a ticket id of at most this many characters

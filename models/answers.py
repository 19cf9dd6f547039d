"""Which round a person's answer is for, and what an answer sent again gets: decided here, once.

An answer (an outcome, an expert opinion, a handoff result, a follow-up visit) may name the round
it answers, its `attempt`, as `waiting_for` shows it. A caller that lost the response and sends
the answer again after the case moved on must not have it counted for the next round:

- naming the round the case waits for: stored there (the same answer again is the same answer;
  a different one conflicts with what is stored);
- naming any other round: the answer stored for it, if it is the same answer; otherwise refused,
  naming the round the case waits for now;
- naming none: the round the case waits for, as before; if it waits for no such input, the same
  answer stored earlier (the latest) is given back.

A refusal or withdrawal ends the case at whatever round it is in; it is stored once per case.

An answer may also come with an Idempotency-Key, looked at before anything else: the answer
first recorded with that key is given back if this is the same answer (kind, value, note and,
if named, round), whatever round the case waits for now; a different answer is a conflict.
"""

from __future__ import annotations

from fengqiao.models.case import EXIT_ROUND, Case, HumanInput, Inputs, Wait, pending_wait
from fengqiao.models.errors import InputConflict, InvalidInput, NotWaitingForInput
from fengqiao.models.network import EscalationPath
from fengqiao.models.vocabulary import OPEN_STATUSES, VOLUNTARY_EXITS, InputKind, Outcome, Status


def waiting_for(case: Case, path: EscalationPath | None, inputs: Inputs, *, agreed: bool) -> Wait | None:
    """The answer the case waits for now: an input its flow waits for, or, once it is closed with
    an agreement (agreed), the follow-up visit of the attempt that reached it, until it is reported."""
    wait = pending_wait(case, path)
    if wait is None and case.status is Status.CLOSED and agreed and (InputKind.FOLLOW_UP, case.attempt) not in inputs:
        return Wait(InputKind.FOLLOW_UP, case.attempt)
    return wait


def stored_kind(kind: InputKind, value: str) -> InputKind:
    """Refusal and withdrawal are stored apart from an attempt's outcome: they can come at any time."""
    if kind is InputKind.OUTCOME and value in VOLUNTARY_EXITS:
        return InputKind.EXIT
    return kind


def keyed_answer(
    case: Case, first: HumanInput | None, kind: InputKind, value: str, note: str = "", *, attempt: int | None = None
) -> HumanInput | None:
    """The answer first recorded with this answer's Idempotency-Key (first), if it is the same
    answer; None if the key is new; a conflict naming the case if the key recorded another answer."""
    if first is None:
        return None
    same = (first.kind, first.value, first.note) == (stored_kind(kind, value), value, note)
    if same and attempt in (None, first.round):
        return first
    raise InputConflict(
        "该 Idempotency-Key 已用于本案的另一答复 "
        f"the Idempotency-Key was already used for a different answer on case {case.case_no} "
        f"({first.kind} attempt {first.round})",
        field="Idempotency-Key",
    )


def answer_round(
    case: Case,
    current: Wait | None,
    inputs: Inputs,
    kind: InputKind,
    value: str,
    note: str = "",
    *,
    attempt: int | None = None,
    not_waiting: str | None = None,
) -> HumanInput | int:
    """The round to store this answer at, or the answer stored before to give back instead.

    current: what the case waits for (waiting_for). not_waiting: the refusal's message when the
    answer names no round and the case waits for no such input.
    """
    _check_value(case, kind, value)
    kind = stored_kind(kind, value)
    if kind is InputKind.EXIT:
        if case.status in OPEN_STATUSES:
            return EXIT_ROUND
        return _same(inputs, kind, value, note) or _refuse(
            f"case {case.case_no} is {case.status}, no longer open", "result"
        )
    if attempt is None:
        if current is not None and current.kind is kind:
            return current.round
        return _same(inputs, kind, value, note) or _refuse(
            not_waiting or f"case {case.case_no} is {case.status} and not waiting for {kind}", "result"
        )
    if attempt < 1:
        raise InvalidInput("数值过小 must be 1 or more", record=case.case_no, field="attempt")
    if current is not None and (current.kind, current.round) == (kind, attempt):
        return attempt
    first = inputs.get((kind, attempt))
    if first is not None and (first.value, first.note) == (value, note):
        return first
    now = f"waits for {current.kind} attempt {current.round}" if current else f"is {case.status} and waits for no input"
    return _refuse(f"案件不在等待此答复 case {case.case_no} {now}, not for {kind} attempt {attempt}", "attempt")


def _check_value(case: Case, kind: InputKind, value: str) -> None:
    if kind is InputKind.OUTCOME:
        try:
            Outcome(value)
        except ValueError:
            raise InvalidInput(
                f"取值不在允许范围 unknown outcome {value!r}; expected one of {', '.join(Outcome)}",
                record=case.case_no,
                field="result",
            ) from None
    if not value.strip():
        raise InvalidInput("不能为空 must not be empty", record=case.case_no, field="result")


def _same(inputs: Inputs, kind: InputKind, value: str, note: str) -> HumanInput | None:
    same = [i for i in inputs.values() if i.kind is kind and (i.value, i.note) == (value, note)]
    return max(same, key=lambda i: i.round) if same else None


def _refuse(message: str, field: str) -> HumanInput:
    raise NotWaitingForInput(message, field=field)

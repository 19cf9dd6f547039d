"""The completeness gate at closing (卷宗齐全): what a case's file must hold before it resolves.

Which papers each agreement requires is administrators' data (the network YAML's `case_file`
section, checked on load): for a written agreement usually a session record and the signed copy,
for an oral one a session record and the oral agreement's register (Art. 30). A case whose file
lacks one cannot resolve, and so cannot close as resolved: the refusal names every missing paper.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from fengqiao.models.errors import NotWaitingForInput, TransitionNotAllowed
from fengqiao.models.vocabulary import Status

REQUIREMENTS = {  # what may be required, as people call it
    "session_record": "调解笔录 a session record of the attempt",
    "signed_copy": "签字盖章的调解协议书 the signed copy of the agreement",
    "oral_agreement": "口头调解协议登记 the oral agreement's terms, recorded with it",
}


class IncompleteCaseFile(TransitionNotAllowed):
    code = "incomplete_case_file"


@dataclass(frozen=True)
class FileHolds:
    """What the case's file holds for the attempt an agreement ends."""

    sessions: int
    signed_copy: bool
    oral_agreement: bool


def missing(required: Sequence[str], holds: FileHolds) -> list[str]:
    have = {
        "session_record": holds.sessions > 0,
        "signed_copy": holds.signed_copy,
        "oral_agreement": holds.oral_agreement,
    }
    return [r for r in required if not have[r]]


def check_complete(
    rules: Mapping[str, Sequence[str]], case_no: str, outcome: str, attempt: int, holds: FileHolds
) -> None:
    """Refuse (409 incomplete_case_file) an agreement whose file lacks what the network requires for it."""
    lacking = missing(rules.get(outcome, ()), holds)
    if lacking:
        named = "; ".join(f"{r}: {REQUIREMENTS[r]}" for r in lacking)
        raise IncompleteCaseFile(
            f"卷宗不全 case {case_no} cannot close as resolved ({outcome}, attempt {attempt}): missing {named}",
            field="case_file",
        )


def signed_copy_attempt(case_no: str, status: Status, current: int, asked: int | None, agreed: Collection[int]) -> int:
    """The attempt a signed copy of the agreement belongs to: the one under way (before its agreement is
    recorded, as the gate asks) or one that ended in an agreement (a copy signed or scanned again).
    Any other is refused, since a stored paper is never deleted: a case a party refused, an attempt
    that failed or never was, has no agreement to sign."""
    attempt = current if asked is None else asked
    if (status is Status.MEDIATING and attempt == current >= 1) or attempt in agreed:
        return attempt
    raise NotWaitingForInput(
        f"没有可签署的调解协议 case {case_no} has no agreement of attempt {attempt} to sign: it is {status} in "
        f"attempt {current}, and a signed copy belongs to the attempt under way or to one that reached an agreement",
        field="attempt",
    )

"""Duplicate detection across channels (并单): the same dispute reported twice is one case.

A report matches an open case when the two share a respondent (or the applicant, where only one
side names a respondent), arose in the same place (the same street, by default), are of the same
dispute type, and came within the window. The reason says which of these matched, and never
carries the parties' names or numbers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fengqiao.models.case import Case, DuplicateState, Party
from fengqiao.models.errors import NotWaitingForInput
from fengqiao.models.transitions import SYSTEM, Moved, transition
from fengqiao.models.vocabulary import Risk, Stage, Status


@dataclass(frozen=True)
class DuplicateRules:
    window_days: int = 30
    same_place_digits: int = 9  # area codes agreeing to the street (9 digits) are one place
    emergency_reports: int = 3  # this many reports of one dispute make it an emergency


@dataclass(frozen=True)
class Report:
    """An open case as duplicate detection sees it."""

    case_id: int
    case_no: str
    area_code: str
    dispute_type: str
    created_at: datetime
    parties: tuple[Party, ...]


@dataclass(frozen=True)
class Match:
    case_id: int
    case_no: str
    reason: str


def name_key(text: str) -> str:
    """A name as compared: full-width folded, spaces dropped, case ignored (stored, indexed)."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _same_person(a: Party, b: Party, *, by_name: bool) -> str | None:
    if a.id_number and b.id_number:
        return "ID number" if a.id_number == b.id_number else None  # different IDs: different people
    if a.phone and a.phone == b.phone:
        return "phone"
    if by_name and name_key(a.name) == name_key(b.name):
        return "name"
    return None


def _people(parties: Iterable[Party], role: str) -> list[Party]:
    return [p for p in parties if p.role == role]


def same_parties(new: tuple[Party, ...], old: tuple[Party, ...]) -> str | None:
    """Why two reports concern the same parties, or None.

    A respondent may be matched by name (an employer, a developer); an applicant only by ID number
    or phone, since two neighbours may share a common name.
    """
    new_r, old_r = _people(new, "respondent"), _people(old, "respondent")
    respondent = next((how for a in new_r for b in old_r if (how := _same_person(a, b, by_name=True))), None)
    applicant = next(
        (
            how
            for a in _people(new, "applicant")
            for b in _people(old, "applicant")
            if (how := _same_person(a, b, by_name=False))
        ),
        None,
    )
    if respondent and applicant:
        return f"same applicant ({applicant}) and respondent ({respondent})"
    if respondent:
        return f"same respondent ({respondent})"
    if applicant and not (new_r and old_r):
        return f"same applicant ({applicant}), one report names no respondent"
    return None


def same_place(a: str, b: str, digits: int) -> bool:
    """Both codes name the same area down to `digits` (9: the same street, 12: the same community)."""
    return min(len(a), len(b)) >= digits and a[:digits] == b[:digits]


def common_area(a: str, b: str) -> str:
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return a[:n]


def find_duplicate(
    parties: tuple[Party, ...],
    area_code: str,
    dispute_type: str,
    at: datetime,
    open_cases: Iterable[Report],
    rules: DuplicateRules,
) -> Match | None:
    """The earliest open case this report duplicates, with why; None for a new dispute."""
    in_time = [
        (c, days)
        for c in open_cases
        if c.dispute_type == dispute_type
        and 0 <= (days := (at - c.created_at).total_seconds() / 86400) <= rules.window_days
        and same_place(area_code, c.area_code, rules.same_place_digits)
    ]
    for case, days in sorted(in_time, key=lambda cd: (cd[0].created_at, cd[0].case_id)):
        who = same_parties(parties, case.parties)
        if who:
            place = common_area(area_code, case.area_code)
            return Match(
                case.case_id,
                case.case_no,
                f"{who}, same place {place}, same type {dispute_type}, {int(days)} days apart",
            )
    return None


# The moves duplicate detection makes; each is a recorded transition like any other.


def raise_risk_for_reports(case: Case, reports: int, rules: DuplicateRules, *, at: datetime) -> Moved | None:
    """The open case made an emergency once the same dispute has been reported often enough."""
    if reports < rules.emergency_reports or case.risk is Risk.EMERGENCY:
        return None
    return transition(
        case,
        case.status,
        stage=Stage.DUPLICATE,
        actor=SYSTEM,
        reason=f"同一纠纷第{reports}次反映 reported {reports} times: risk raised to emergency",
        rule=f"emergency:repeated_reports>={rules.emergency_reports}",
        at=at,
        risk=Risk.EMERGENCY,
    )


def _check_suspected(case: Case) -> None:
    if case.status is not Status.RECEIVED or case.duplicate_state is not DuplicateState.SUSPECTED:
        raise NotWaitingForInput(
            f"案件 {case.case_no} 不是待决定的疑似重复 "
            f"case {case.case_no} is not a suspected duplicate awaiting a decision",
            field="case",
        )


def confirm_duplicate(case: Case, original: str, *, actor: str, note: str, at: datetime) -> Moved:
    _check_suspected(case)
    return transition(
        case,
        Status.CLOSED,
        stage=Stage.DUPLICATE,
        actor=actor,
        reason=f"并单 merged into {original}",
        note=note,
        at=at,
        duplicate_state=DuplicateState.CONFIRMED,
    )


def split_duplicate(case: Case, original: str, *, actor: str, note: str, at: datetime) -> Moved:
    _check_suspected(case)
    return transition(
        case,
        Status.RECEIVED,
        stage=Stage.DUPLICATE,
        actor=actor,
        reason=f"分立 split from {original}, a dispute of its own",
        note=note,
        at=at,
        duplicate_state=DuplicateState.SPLIT,
    )

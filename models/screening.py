"""Screening sessions (矛盾纠纷排查): a committee's regular sweep of its area for disputes, itself reported.

The justice bureau's monthly figures count the sweeps (排查次数), the disputes they found
(排查发现纠纷) and the disputes they headed off before they became cases (预防纠纷). A session
records who swept where and when, how many disputes were found and prevented, and which
registered cases came from it (e.g. the rows of the screening ledger imported from it): a found
dispute may be settled on the spot and never registered, so the linked cases are at most the
disputes found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fengqiao.models.errors import InvalidInput
from fengqiao.models.text import recorded_text

LINE_CHARS = 200
NOTE_CHARS = 2000
MAX_FOUND = 100_000  # a sweep's count, far above any real one: a typo of a few zeros is refused
AREA_PATTERN = r"^\d{6}(\d{3}){0,3}$"


@dataclass(frozen=True)
class Screening:
    held_on: date  # the China-time day of the sweep
    area_code: str  # the area swept: a district down to a grid
    place: str  # where: villages, buildings, a market…
    screened_by: str  # who swept: a committee's mediators, grid workers
    disputes_found: int
    disputes_prevented: int
    org_code: str | None = None  # the committee that held it, if one of the network's
    note: str = ""
    cases: tuple[str, ...] = ()  # case numbers registered from what it found
    actor: str = "unknown"
    id: int = 0  # 0 until stored


def checked_screening(s: Screening, *, today: date, known_area: bool) -> Screening:
    """The session, if it may be stored; else InvalidInput naming the field."""
    if not re.fullmatch(AREA_PATTERN, s.area_code):
        raise InvalidInput(
            f"{s.area_code!r} 不是6、9、12或15位的区划代码 is not an area code of 6, 9, 12 or 15 digits",
            field="area_code",
        )
    if not known_area:
        raise InvalidInput(
            f"调解网络中没有组织服务区划代码{s.area_code} no organisation of the network serves area {s.area_code}",
            field="area_code",
        )
    if s.held_on > today:
        raise InvalidInput(f"排查日期不能晚于今天 {s.held_on} is after today ({today}, China time)", field="held_on")
    recorded_text(s.place, field="place", max_chars=LINE_CHARS, multiline=False, required=True)
    recorded_text(s.screened_by, field="screened_by", max_chars=LINE_CHARS, multiline=False, required=True)
    recorded_text(s.note, field="note", max_chars=NOTE_CHARS, multiline=True)
    for field, n in (("disputes_found", s.disputes_found), ("disputes_prevented", s.disputes_prevented)):
        if not 0 <= n <= MAX_FOUND:
            too = "数值过小" if n < 0 else "数值过大"
            raise InvalidInput(f"{too} {n} is not a count from 0 to {MAX_FOUND}", field=field)
    if len(set(s.cases)) != len(s.cases):
        raise InvalidInput("同一案件关联了两次 a case is linked twice", field="cases")
    if len(s.cases) > s.disputes_found:
        raise InvalidInput(
            f"排查发现纠纷 {s.disputes_found} 件，少于关联案件 {len(s.cases)} 件: "
            f"{len(s.cases)} cases linked but only {s.disputes_found} disputes found",
            field="disputes_found",
        )
    return s


@dataclass(frozen=True)
class ScreeningFigures:
    sessions: int = 0  # 排查次数
    disputes_found: int = 0  # 排查发现纠纷
    disputes_prevented: int = 0  # 预防纠纷
    cases_registered: int = 0  # linked cases, counted by their registration month and area (as 受理)


SCREENING_DEFINITIONS = {
    "sessions": {
        "label": "排查次数 screening sessions",
        "definition": "按排查日期统计的排查次数 sessions held in the period",
    },
    "disputes_found": {
        "label": "排查发现纠纷 disputes found",
        "definition": "排查中发现的纠纷件数（含当场化解未登记的） disputes the sessions found, registered or not",
    },
    "disputes_prevented": {
        "label": "预防纠纷 disputes prevented",
        "definition": "排查中预防、未形成纠纷的件数 disputes headed off before they arose",
    },
    "cases_registered": {
        "label": "登记为案件 registered as cases",
        "definition": "排查发现并登记、与排查关联的案件数，按案件登记月份与发生地计（同受理） found disputes "
        "registered as cases and linked, counted in the month each was registered and where it arose, as 受理",
    },
}

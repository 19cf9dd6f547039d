"""What the API takes and answers, as pydantic models (the OpenAPI schema is generated from these).

Bodies people send forbid unknown fields, so a field a caller may not write (status, mediator,
org_code) is refused by name rather than silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from fengqiao.models.aftercare import IfBroken
from fengqiao.models.text import NOTE_CHARS, RESULT_CHARS, unprintable_at
from fengqiao.models.vocabulary import Channel, HandoffTarget, Outcome, Risk, Stage, Status


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _printable(multiline: bool) -> AfterValidator:
    """Text people record on a case: printable characters only, line breaks in a note (models.text)."""

    def check(text: str) -> str:
        if bad := unprintable_at(text, multiline=multiline):
            raise PydanticCustomError(
                "unprintable", "character {n} (U+{cp}) is not printable text", {"n": bad[0], "cp": f"{bad[1]:04X}"}
            )
        return text

    return AfterValidator(check)


NoteText = Annotated[str, _printable(multiline=True)]
LineText = Annotated[str, _printable(multiline=False)]


class IntakeAccepted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": 42,
                    "case_no": "FQ20260000042",
                    "status": "received",
                    "flow_run_id": None,
                    "duplicate_of": None,
                    "created": True,
                }
            ]
        }
    )
    case_id: int
    case_no: str = Field(examples=["FQ20260000042"])
    status: Status
    flow_run_id: str | None = Field(
        description="the case's Prefect flow run; none on a new case (a worker starts it moments later) and "
        "while held as a duplicate"
    )
    duplicate_of: str | None = Field(
        default=None, description="the open case this report repeats (并单); the report is held for a supervisor"
    )
    created: bool = Field(description="false when this answers a repeated submission")


class PartyOut(BaseModel):
    role: str = Field(examples=["applicant"])
    name: str = Field(examples=["张**"])
    id_number: str = Field(examples=["511503********0052"])
    phone: str = Field(examples=["138****5678"])


class CaseOut(BaseModel):
    case_id: int
    case_no: str
    status: Status
    channel: Channel
    dispute_type: str | None
    area_code: str
    org_code: str | None
    mediator_code: str | None
    risk: Risk
    created_at: datetime
    updated_at: datetime
    flow_run_id: str | None
    test: bool = Field(
        default=False,
        description="测试案件 sent with a test key: it runs its course but is left out of statistics, "
        "alerts and results back",
    )


class ParkedOut(BaseModel):
    """A case set aside after failed runs in a row: no run starts until it is retried."""

    model_config = ConfigDict(from_attributes=True)  # read straight from models.parking.Parked

    at: datetime
    failures: int = Field(examples=[3])
    error: str = Field(examples=["ConfigurationError: no community organisation serves area 511502"])


class WaitingFor(BaseModel):
    """What an answer names to be counted: a retry of it after the case moved on is never counted again."""

    input: str = Field(examples=["outcome"], description="outcome, expert_opinion, handoff_result or follow_up")
    attempt: int = Field(examples=[1], description="the round: send it as the answer's `attempt`")


class FlowRunOut(BaseModel):
    """One of the case's Prefect flow runs, in the order they were recorded."""

    model_config = ConfigDict(from_attributes=True)  # read straight from db.flow_runs.CaseRun

    flow_run_id: str
    recorded_at: datetime
    replaced_by: str | None = Field(description="the run that took the case over; null: not replaced")
    replaced_at: datetime | None
    ended_as: str | None = Field(
        examples=["Failed"], description="the Prefect state this run was in when it was replaced"
    )
    ended_message: str | None = Field(description="that state's message, as Prefect had it")


class CaseDetail(CaseOut):
    summary: str = Field(description="masked unless unmasked with a reason")
    people_involved: int
    path_step: int
    attempt: int
    handoff_target: HandoffTarget | None
    config_version: int
    duplicate_of: int | None
    next_step: str = Field(examples=["waiting:outcome"])
    waiting_for: WaitingFor | None = Field(description="the answer the case waits for, and its round; null: none")
    parties: list[PartyOut]
    masked: bool
    parked: ParkedOut | None = Field(default=None, description="set aside after failed runs; null when not")
    runs: list[FlowRunOut] = Field(
        default=[],
        description="every flow run recorded for the case, oldest first; one that ended without finishing "
        "the case (Failed, Cancelled) was replaced by the next, and says why",
    )


class CasePage(BaseModel):
    items: list[CaseOut]
    limit: int
    offset: int
    total: int


class TimelineEntry(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "seq": 3,
                    "at": "2026-11-23T09:00:05Z",
                    "from_status": "triaged",
                    "to_status": "mediating",
                    "stage": "assignment",
                    "actor": "fengqiao",
                    "reason": "assigned to mediator M-C01 (mediator), attempt 1",
                    "org": "C-ZHAOYANG",
                    "rule": "specialty,load,grade",
                    "note": "",
                }
            ]
        }
    )
    seq: int
    at: datetime
    from_status: Status | None
    to_status: Status
    stage: Stage
    actor: str
    reason: str = Field(description="what happened and by which rule; masked unless unmasked with a reason")
    org: str | None
    rule: str | None
    note: str = Field(
        default="",
        description="what a person wrote (a mediator's note, an expert opinion, a result); masked unless unmasked",
    )


Attempt = Annotated[
    int | None,
    Field(
        ge=1,
        le=1000,
        description="the round answered (`waiting_for.attempt`); a round that has passed gets its first answer "
        "back if this is the same answer, else 409 not_waiting_for_input. Without it: the round the case waits for",
    ),
]


class OutcomeIn(_In):
    result: Outcome
    attempt: Attempt = None
    note: NoteText = Field(default="", max_length=NOTE_CHARS, description="what was agreed, or why it failed")
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"result": "agreement", "note": "赔偿维修费800元，当场履行"}]},
    )


class HandoffResultIn(_In):
    result: LineText = Field(min_length=1, max_length=RESULT_CHARS, examples=["法院已立案受理"])
    attempt: Attempt = None


class FollowUpIn(_In):
    honoured: bool = Field(description="is the agreement being honoured")
    satisfaction: int = Field(ge=1, le=5, description="the parties' satisfaction, 1–5")
    if_broken: IfBroken = Field(default=IfBroken.REOPEN, description="what happens when it is not honoured")
    attempt: Attempt = None


class InputRecorded(BaseModel):
    """The same answer for the first submission and every repetition of it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": 42,
                    "case_no": "FQ20260000042",
                    "kind": "outcome",
                    "round": 1,
                    "value": "agreement",
                    "note": "赔偿维修费800元",
                    "actor": "M-C01",
                }
            ]
        }
    )

    case_id: int
    case_no: str
    kind: str
    round: int
    value: str
    note: str
    actor: str


class FollowUpRecorded(BaseModel):
    case_id: int
    case_no: str
    status: Status


class MonthFigures(BaseModel):
    month: str = Field(description="YYYY-MM, China time")
    cases: int = Field(description="registered that month")
    closed: int = Field(description="of those, closed now")
    resolved: int = Field(description="of those, resolved by mediation")


class Agreements(BaseModel):
    total: int = Field(description="调解成功 written plus oral agreements")
    written: int = Field(description="书面协议")
    oral: int = Field(description="口头协议")


class HandedOff(BaseModel):
    total: int = Field(description="导入法治轨道 handed to the legal track")
    by_target: dict[str, int] = Field(description="litigation, arbitration, administrative_review, …")


class Definition(BaseModel):
    label: str = Field(description="the figure's name, Chinese and English")
    definition: str = Field(description="how it is counted, as the applied configuration's statistics section says")


class Screened(BaseModel):
    sessions: int = Field(description="排查次数 screening sessions held in the period")
    disputes_found: int = Field(description="排查发现纠纷")
    disputes_prevented: int = Field(description="预防纠纷")
    cases_registered: int = Field(
        description="cases registered in the period (as 受理 counts them) from a screening session's findings"
    )


class Roster(BaseModel):
    committees: dict[str, int] = Field(description="调委会 by kind (village, township, enterprise, …) and total")
    mediators: dict[str, int] = Field(description="调解员 total, full_time, part_time")


class Compared(BaseModel):
    from_: str = Field(alias="from", description="first month, YYYY-MM")
    to: str = Field(description="last month, YYYY-MM")
    received: int
    mediated: int
    agreements: int
    success_rate: float | None
    handed_off: int
    refused: int
    agreement_amount: str
    change: dict[str, float | None] | None = Field(
        default=None, description="relative change of each figure (success_rate: in points); null from zero"
    )

    model_config = {"populate_by_name": True}


class Comparisons(BaseModel):
    year_to_date: Compared = Field(description="本年累计: January to the period's last month")
    previous_period: Compared = Field(description="环比: as many months just before")
    same_period_last_year: Compared = Field(description="同比: the same months a year earlier")


class Stats(BaseModel):
    received: int = Field(description="受理 cases registered in the period")
    mediated: int = Field(description="调解 cases in which at least one mediation attempt began")
    agreements: Agreements
    success_rate: float | None = Field(description="调解成功率, by the definition in `definitions`")
    handed_off: HandedOff
    refused: int = Field(description="拒绝调解 cases a party's refusal of mediation ended (not in handed_off)")
    withdrawn: int
    open: int
    parties_involved: int = Field(description="涉及当事人人数 people involved, summed")
    agreement_amount: str = Field(description="协议涉及金额 yuan in the agreements' terms, two decimals")
    as_of: str = Field(description="时点 the day the roster, overdue and due soon are as of: the period's end")
    compared: Comparisons | None = Field(description="本年累计, 环比, 同比 of a period with `from` and `to`; else null")
    group_disputes: int = Field(description="群体性纠纷 disputes involving many people (see `definitions`)")
    judicial_confirmation_applied: int = Field(
        description="申请司法确认 cases whose parties applied to a court to confirm their agreement"
    )
    definitions: dict[str, Definition] = Field(description="each official figure's definition 统计口径")
    screening: Screened
    roster: Roster = Field(description="组织队伍 the applied network's committees and mediators in the region")
    closed: int
    overdue: int = Field(description="超期 mediating cases past their due day at the end of as_of (the period's end)")
    due_soon: int = Field(description="临期 mediating cases due within three days of as_of (the period's end)")
    by_status: dict[str, int]
    by_type: dict[str, int]
    by_channel: dict[str, int]
    by_level: dict[str, int] = Field(description="化解层级 agreements by the level of the organisation reaching them")
    by_outcome: dict[str, int] = Field(description="open, resolved, handed_off, refused, withdrawn")
    by_area: dict[str, int] = Field(description="by district (six-digit area code)")
    lowest_level_share: float | None = Field(description="of the resolved, the share resolved at community or grid")
    average_days_to_close: float | None = Field(description="calendar days from registration to closing")
    by_month: list[MonthFigures]


class ConfigVersion(BaseModel):
    version: int
    applied_at: datetime
    source: str
    document: dict[str, Any]


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    prefect: str

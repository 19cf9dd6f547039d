"""The generic intake record every channel can send (JSON lines); errors name record and field."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.case import NewCase, Party
from models.errors import InvalidInput
from models.vocabulary import Channel


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(pattern="^(applicant|respondent)$")
    name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, max_length=30)
    phone: str | None = Field(default=None, max_length=30)


class IntakeRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel_ref: str | None = Field(default=None, max_length=100, description="the channel's own ticket id")
    area_code: str = Field(description="where the dispute arose (属地): 6, 9, 12 or 15 digits")
    summary: str = Field(min_length=1, max_length=5000)
    dispute_type: str | None = Field(default=None, max_length=40)
    people_involved: int = Field(default=1, ge=1, le=100000)
    amount: float | None = Field(default=None, ge=0)
    parties: list[PartyIn] = Field(default_factory=list)

    @field_validator("area_code")
    @classmethod
    def _area_code(cls, value: str) -> str:
        if not (value.isascii() and value.isdigit() and len(value) in (6, 9, 12, 15)):
            raise ValueError("区划代码应为6、9、12或15位数字 area code must be 6, 9, 12 or 15 digits")
        return value


def parse_record(channel: Channel, data: object, *, record: str) -> NewCase:
    """Validate one record; the first error is reported with the record's name and the field."""
    try:
        r = IntakeRecord.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(record)"
        raise InvalidInput(err["msg"].removeprefix("Value error, "), record=record, field=field) from None
    return NewCase(
        channel=channel,
        area_code=r.area_code,
        summary=r.summary,
        channel_ref=r.channel_ref,
        declared_type=r.dispute_type,
        people_involved=r.people_involved,
        amount=r.amount,
        parties=tuple(Party(p.role, p.name, p.id_number, p.phone) for p in r.parties),
    )

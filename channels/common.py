"""What every channel adapter shares: checked field types, bilingual errors, the adapted record.

An adapter validates the channel's own payload with a pydantic model of that payload, then maps
it to the one NewCase the pipeline takes. The original payload travels with it, for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fengqiao.models.case import NewCase, Party
from fengqiao.models.duplicates import name_key
from fengqiao.models.errors import InvalidInput
from fengqiao.models.identity import check_id_number, normalise_phone
from fengqiao.models.invalid import why


def _area_code(value: str) -> str:
    if not (value.isascii() and value.isdigit() and len(value) in (6, 9, 12, 15)):
        raise ValueError("区划代码应为6、9、12或15位数字 area code must be 6, 9, 12 or 15 digits")
    return value


NAME_KEY_CHARS = 200  # parties.match_key: the name as duplicate detection compares it (NFKC, casefolded)
AMOUNT_MAX = 999_999_999_999.99  # cases.amount is NUMERIC(14, 2)
YEARS = (1900, 2199)  # a date outside these is a typo; outside years 1–9999 it could not even be stored in UTC


def _comparable_name(value: str) -> str:
    if len(name_key(value)) > NAME_KEY_CHARS:
        raise ValueError(
            f"姓名规范化后超过{NAME_KEY_CHARS}字 "
            f"the name is longer than {NAME_KEY_CHARS} characters once normalised (NFKC)"
        )
    return value


def _amount(value: float) -> float:
    if round(value, 2) > AMOUNT_MAX:  # stored rounded to fen: 999999999999.995 would become 10^12
        raise ValueError(f"金额过大 the amount must be under 10^12 yuan (at most {AMOUNT_MAX:.2f})")
    return value


def _in_years(value: datetime | date) -> datetime | date:
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"日期应在{YEARS[0]}至{YEARS[1]}年之间 the date must be in the years {YEARS[0]}–{YEARS[1]}")
    return value


IdNumber = Annotated[str, AfterValidator(check_id_number)]
Phone = Annotated[str, AfterValidator(normalise_phone)]
AreaCode = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_area_code)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PartyName = Annotated[Name, AfterValidator(_comparable_name)]  # a party's name: stored with its match key
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
DisputeType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
PeopleInvolved = Annotated[int, Field(ge=1, le=100000)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_amount)]  # yuan
Moment = Annotated[datetime, AfterValidator(_in_years)]
Day = Annotated[date, AfterValidator(_in_years)]


class Native(BaseModel):
    """A channel's own payload: unknown fields are refused, so a renamed field is not silently lost."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Person(Native):
    name: PartyName
    id_number: IdNumber | None = None
    phone: Phone | None = None


class RoledPerson(Person):
    role: Literal["applicant", "respondent"]


class DocumentRef(Native):
    """An attachment or referral document, stored elsewhere; only its reference travels."""

    title: Annotated[str, StringConstraints(max_length=200)] = ""
    ref: Ref


@dataclass(frozen=True)
class ChannelRecord:
    """A channel's record after adaptation: the case to register and what to keep from the channel."""

    new: NewCase
    payload: dict[str, Any] = field(default_factory=dict)
    reply_due: datetime | None = None  # when the channel expects our result back (结果同悉)
    area_field: str = "area_code"  # the payload's field that gave the area code, for errors


def party(role: str, p: Person) -> Party:
    return Party(role, p.name, p.id_number, p.phone)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: object, *, record: str) -> M:
    """The payload as the channel's model, or InvalidInput naming the record, the field and why, in both languages."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "(record)"
        raise InvalidInput(why(err["type"], err["msg"]), record=record, field=where) from None


def joined(*parts: str | None) -> str:
    return "；".join(p for p in parts if p)

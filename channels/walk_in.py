"""Walk-in: the registration form filled at a one-stop window (一站式矛盾纠纷调处中心登记表).

A clerk sees the applicant in person, so the ID number and phone are required here.
"""

from __future__ import annotations

from fengqiao.channels.common import (
    Amount,
    AreaCode,
    ChannelRecord,
    DisputeType,
    IdNumber,
    Moment,
    Name,
    Native,
    PeopleInvolved,
    Person,
    Phone,
    Ref,
    Text,
    joined,
    party,
    validate,
)
from fengqiao.models.case import NewCase
from fengqiao.models.vocabulary import Channel


class Applicant(Person):
    id_number: IdNumber
    phone: Phone
    address: Name | None = None


class WalkInForm(Native):
    form_no: Ref
    registered_at: Moment
    window_area_code: AreaCode  # the centre the window belongs to
    area_code: AreaCode | None = None  # where the dispute arose, when not the window's own area
    clerk: Name
    applicant: Applicant
    respondent: Person
    claim: Text  # 申请事项
    facts: Text  # 事实和理由
    dispute_type: DisputeType | None = None
    people_involved: PeopleInvolved = 1
    amount: Amount | None = None


def parse(data: object, *, record: str) -> ChannelRecord:
    f = validate(WalkInForm, data, record=record)
    new = NewCase(
        channel=Channel.WALK_IN,
        area_code=f.area_code or f.window_area_code,
        summary=joined(f"申请事项：{f.claim}", f"事实和理由：{f.facts}"),
        channel_ref=f.form_no,
        declared_type=f.dispute_type,
        people_involved=f.people_involved,
        amount=f.amount,
        parties=(party("applicant", f.applicant), party("respondent", f.respondent)),
    )
    area_field = "area_code" if f.area_code else "window_area_code"
    return ChannelRecord(new, payload=f.model_dump(mode="json"), area_field=area_field)

"""Online: an application from the web portal or the WeChat mini-program (网上申请)."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from fengqiao.channels.common import (
    AreaCode,
    ChannelRecord,
    DisputeType,
    IdNumber,
    Moment,
    Native,
    Person,
    Phone,
    Ref,
    Text,
    party,
    validate,
)
from fengqiao.models.case import NewCase
from fengqiao.models.vocabulary import Channel


class OnlineApplicant(Person):
    id_number: IdNumber  # verified by real-name login
    phone: Phone


class OnlineForm(Native):
    submission_id: Ref
    submitted_at: Moment
    source: Literal["web", "wechat"]
    applicant: OnlineApplicant
    respondent: Person
    area_code: AreaCode
    dispute_type: DisputeType | None = None
    description: Text
    consent: bool  # 自愿申请调解: mediation needs the applicant's consent

    @field_validator("consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if not value:
            raise ValueError("申请人未同意调解，人民调解须自愿 the applicant has not consented to mediation")
        return value


def parse(data: object, *, record: str) -> ChannelRecord:
    f = validate(OnlineForm, data, record=record)
    new = NewCase(
        channel=Channel.ONLINE,
        area_code=f.area_code,
        summary=f.description,
        channel_ref=f.submission_id,
        declared_type=f.dispute_type,
        parties=(party("applicant", f.applicant), party("respondent", f.respondent)),
    )
    return ChannelRecord(new, payload=f.model_dump(mode="json"))

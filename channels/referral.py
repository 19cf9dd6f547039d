"""Referrals from a police station, a court or a petition office (警调 / 诉调 / 访调对接).

The three send the same kind of letter: who refers, their own case number, when, by when they
want feedback, and the documents. Their case number is the channel's ticket id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated

from pydantic import Field, model_validator

from fengqiao.channels.common import (
    Amount,
    AreaCode,
    ChannelRecord,
    Day,
    DisputeType,
    DocumentRef,
    Name,
    Native,
    PeopleInvolved,
    Ref,
    RoledPerson,
    Text,
    joined,
    party,
    validate,
)
from fengqiao.models.case import NewCase
from fengqiao.models.clocks import CST
from fengqiao.models.vocabulary import Channel

KIND_ZH = {Channel.POLICE: "警调对接", Channel.COURT: "诉调对接", Channel.PETITION: "访调对接"}


class Referral(Native):
    referring_unit: Name
    their_case_no: Ref
    referred_on: Day
    feedback_due: Day
    area_code: AreaCode
    summary: Text
    parties: Annotated[list[RoledPerson], Field(min_length=1, max_length=50)]
    dispute_type: DisputeType | None = None
    people_involved: PeopleInvolved = 1
    amount: Amount | None = None
    documents: Annotated[list[DocumentRef], Field(max_length=50, default_factory=list)]

    @model_validator(mode="after")
    def _due_after_referral(self) -> Referral:
        if self.feedback_due < self.referred_on:
            raise ValueError("反馈期限早于移送日期 feedback_due is before referred_on")
        return self


def parser(channel: Channel) -> Callable[..., ChannelRecord]:
    def parse(data: object, *, record: str) -> ChannelRecord:
        r = validate(Referral, data, record=record)
        new = NewCase(
            channel=channel,
            area_code=r.area_code,
            summary=joined(r.summary, f"{KIND_ZH[channel]}：{r.referring_unit} {r.their_case_no}"),
            channel_ref=r.their_case_no,
            declared_type=r.dispute_type,
            people_involved=r.people_involved,
            amount=r.amount,
            parties=tuple(party(p.role, p) for p in r.parties),
        )
        return ChannelRecord(new, payload=r.model_dump(mode="json"), reply_due=_end_of(r.feedback_due))

    return parse


def _end_of(day: date) -> datetime:
    """Feedback is due by the end of the referring office's working day (China Standard Time)."""
    return datetime.combine(day, time(18, 0), tzinfo=CST)

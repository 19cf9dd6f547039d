"""12345 hotline: a ticket the 12345 platform dispatches to the mediation centre (派单).

The hotline's catalogue code gives the dispute type where the catalogue is specific enough;
the platform's own reply deadline is kept so the result goes back in time (结果同悉).
"""

from __future__ import annotations

from typing import Literal

from fengqiao.channels.common import (
    AreaCode,
    ChannelRecord,
    Moment,
    Name,
    Native,
    Person,
    Ref,
    Text,
    joined,
    party,
    validate,
)
from fengqiao.models.case import NewCase
from fengqiao.models.vocabulary import Channel

# The hotline's catalogue (诉求分类) entries that mean a dispute fengqiao can mediate, and its type.
CATALOGUE: dict[str, tuple[str, str | None]] = {
    "0101": ("邻里纠纷", "neighbourhood"),
    "0102": ("婚姻家庭纠纷", "family"),
    "0201": ("物业服务纠纷", "property"),
    "0301": ("拖欠工资", "labour"),
    "0302": ("劳动关系", "labour"),
    "0401": ("医患纠纷", "medical"),
    "0501": ("交通事故赔偿", "traffic"),
    "0601": ("土地承包及宅基地", "land"),
    "0701": ("合同及债务纠纷", "contract"),
    "0999": ("其他矛盾纠纷", None),  # left to triage's keyword rules
}
URGENCY_ZH = {"normal": "一般", "urgent": "紧急", "very_urgent": "特急"}


class HotlineTicket(Native):
    ticket_id: Ref
    dispatched_at: Moment
    call_time: Moment
    caller: Person
    respondent: Person | None = None
    category: Literal[tuple(CATALOGUE)]  # type: ignore[valid-type]
    address: Name
    area_code: AreaCode
    description: Text
    urgency: Literal["normal", "urgent", "very_urgent"] = "normal"
    reply_due: Moment


def parse(data: object, *, record: str) -> ChannelRecord:
    t = validate(HotlineTicket, data, record=record)
    label, dispute_type = CATALOGUE[t.category]
    parties = (party("applicant", t.caller),) + ((party("respondent", t.respondent),) if t.respondent else ())
    new = NewCase(
        channel=Channel.HOTLINE_12345,
        area_code=t.area_code,
        summary=joined(t.description, f"地址：{t.address}", f"热线分类：{label}", f"紧急程度：{URGENCY_ZH[t.urgency]}"),
        channel_ref=t.ticket_id,
        declared_type=dispute_type,
        parties=parties,
    )
    return ChannelRecord(new, payload=t.model_dump(mode="json"), reply_due=t.reply_due)

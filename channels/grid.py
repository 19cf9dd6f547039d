"""Grid: a grid worker's report from the mobile app (网格员上报), found while walking the grid."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fengqiao.channels.common import (
    AreaCode,
    ChannelRecord,
    DisputeType,
    DocumentRef,
    Moment,
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
from fengqiao.models.vocabulary import Channel


class Location(Native):
    address: Name
    lng: Annotated[float, Field(ge=73, le=136)] | None = None  # China's extent; a swapped pair is caught
    lat: Annotated[float, Field(ge=3, le=54)] | None = None


class GridReport(Native):
    report_id: Ref
    grid_code: AreaCode
    worker_id: Ref
    reported_at: Moment
    location: Location
    parties: Annotated[list[RoledPerson], Field(min_length=1, max_length=50)]
    description: Text
    dispute_type: DisputeType | None = None
    people_involved: PeopleInvolved = 1
    attachments: Annotated[list[DocumentRef], Field(max_length=20, default_factory=list)]


def parse(data: object, *, record: str) -> ChannelRecord:
    r = validate(GridReport, data, record=record)
    new = NewCase(
        channel=Channel.GRID,
        area_code=r.grid_code,
        summary=joined(r.description, f"地点：{r.location.address}"),
        channel_ref=r.report_id,
        declared_type=r.dispute_type,
        people_involved=r.people_involved,
        parties=tuple(party(p.role, p) for p in r.parties),
    )
    return ChannelRecord(new, payload=r.model_dump(mode="json"), area_field="grid_code")

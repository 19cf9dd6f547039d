"""Channel adapters: each turns its channel's own record into the one intake record the pipeline takes."""

from __future__ import annotations

from collections.abc import Callable

from fengqiao.channels import grid, hotline, online, referral, walk_in
from fengqiao.channels.common import ChannelRecord
from fengqiao.models.vocabulary import Channel

Adapter = Callable[..., ChannelRecord]

ADAPTERS: dict[Channel, Adapter] = {
    Channel.HOTLINE_12345: hotline.parse,
    Channel.GRID: grid.parse,
    Channel.WALK_IN: walk_in.parse,
    Channel.POLICE: referral.parser(Channel.POLICE),
    Channel.COURT: referral.parser(Channel.COURT),
    Channel.PETITION: referral.parser(Channel.PETITION),
    Channel.ONLINE: online.parse,
}


def adapt(channel: Channel, data: object, *, record: str) -> ChannelRecord:
    """The channel's own payload, validated and mapped; InvalidInput names the record and field."""
    return ADAPTERS[channel](data, record=record)


__all__ = ["ADAPTERS", "ChannelRecord", "adapt"]

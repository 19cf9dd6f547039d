"""Where a key takes results back (结果同悉): its targets, one per channel, registered and removed by the key.

The address is judged before (channels.targets.resolve) and again at every delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.db import webhook_targets
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.vocabulary import Channel
from fengqiao.services.runtime import engine, now


@dataclass(frozen=True)
class Target:
    channel: Channel
    url: str


def _of(conn: Connection, caller: Caller) -> list[Target]:
    return [Target(Channel(t["channel"]), t["url"]) for t in webhook_targets.of_key(conn, caller.key_id)]


def register_target(caller: Caller, channel: Channel, url: str) -> Target:
    """Replaces this key's earlier target for the channel; other keys' targets are theirs."""
    with UnitOfWork(engine()) as uow:
        webhook_targets.register(uow.conn, key_id=caller.key_id, channel=channel, url=url, at=now())
        uow.commit()
    return Target(channel, url)


def targets_of(caller: Caller) -> list[Target]:
    with UnitOfWork(engine()) as uow:
        return _of(uow.conn, caller)


def remove_target(caller: Caller, channel: Channel) -> list[Target] | None:
    """The key's remaining targets, or None if it had none for the channel (nothing removed)."""
    with UnitOfWork(engine()) as uow:
        if not webhook_targets.remove(uow.conn, key_id=caller.key_id, channel=channel):
            return None
        uow.commit()
        return _of(uow.conn, caller)

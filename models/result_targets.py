"""Which registered webhook receives a closed case's result (结果同悉): the rule README states.

A target belongs to the key that registered it, and receives only results of cases that key may
see (its jurisdiction: area-code prefixes and organisations; an administrator's covers all) or
sent. Of those, a case's one result goes to the target of the key that sent the case; else to the
key whose jurisdiction covers the case most narrowly (the longest area prefix; an organisation
match below any area; an administrator's last); among equals, the one registered first. A revoked
key's targets are not offered here at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fengqiao.models.access import Caller, Role


@dataclass(frozen=True)
class RegisteredTarget:
    url: str
    owner: Caller  # the key that registered it


def target_for(
    targets: Sequence[RegisteredTarget], *, area_code: str, org_code: str | None, sent_by: int | None
) -> RegisteredTarget | None:
    """The target that gets this case's result, or None; targets in the order they were registered."""
    for target in targets:
        if sent_by is not None and target.owner.key_id == sent_by:
            return target
    covering = [t for t in targets if t.owner.covers(area_code, org_code)]
    return max(covering, key=lambda t: _narrowness(t.owner, area_code), default=None)  # max keeps the first


def _narrowness(owner: Caller, area_code: str) -> int:
    if owner.role is Role.ADMIN:
        return -1
    return max((len(a) for a in owner.areas if area_code.startswith(a)), default=0)

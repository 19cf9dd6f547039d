"""Moving a running case to another configuration version: only when an administrator says so.

A case keeps the version it started under, so changing the paths never reroutes it by itself.
Migrating it is a recorded transition; it keeps the rung the case stands on, which must exist
on the dispute type's path in the new version.
"""

from __future__ import annotations

from datetime import datetime

from fengqiao.models.case import Case
from fengqiao.models.errors import InvalidInput, TransitionNotAllowed
from fengqiao.models.network import Network
from fengqiao.models.transitions import Moved, transition
from fengqiao.models.vocabulary import OPEN_STATUSES, Stage


def migrate(case: Case, old: Network, new: Network, *, version: int, actor: str, note: str, at: datetime) -> Moved:
    if case.status not in OPEN_STATUSES:
        raise TransitionNotAllowed(
            f"只有在办案件可以迁移 case {case.case_no} is {case.status}: only an open case is migrated", field="status"
        )
    if version == case.config_version:
        raise InvalidInput(
            f"案件 {case.case_no} 已按第 {version} 版办理 case {case.case_no} already runs under version {version}",
            field="version",
        )
    step = case.path_step
    if case.dispute_type and step >= 0:
        rung = old.path_for(case.dispute_type).steps[step].label
        if case.dispute_type not in new.paths:
            raise InvalidInput(
                f"第 {version} 版没有 {case.dispute_type} 的路径 version {version} has no path for {case.dispute_type}",
                field="version",
            )
        labels = [s.label for s in new.paths[case.dispute_type].steps]
        if rung not in labels:
            raise InvalidInput(
                "案件所在层级不在新版本的路径上 "
                f"case {case.case_no} stands at {rung}, which is not on the {case.dispute_type} path of version "
                f"{version} ({' → '.join(labels)})",
                field="version",
            )
        step = labels.index(rung)
    return transition(
        case,
        case.status,
        stage=Stage.RECONFIGURATION,
        actor=actor,
        reason=f"configuration version {case.config_version} → {version}",
        note=note,
        rule="explicit_migration",
        at=at,
        config_version=version,
        path_step=step,
    )

"""What changes between two network documents, entry by entry, for `fengqiao config diff`.

Organisations, stationed rooms, mediators and experts are compared by code, paths by dispute type, triage
settings by name; a path is shown as its chain of rungs so a reviewer sees the route change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fengqiao.models.vocabulary import bilingual


@dataclass(frozen=True)
class Change:
    section: str
    key: str
    kind: str  # added | removed | changed
    before: str = ""
    after: str = ""


def rungs(path: dict[str, Any], names: Mapping[str, str] | None = None) -> str:
    """'1 社区/村 community 30d → 2 街道/乡镇 street 30d → 3 P-LABOUR+X-CITY 15d; 未成功 failed→仲裁 arbitration,
    拒绝 refused→诉讼 litigation; 紧急案件自第3级 emergency starts at rung 3': rungs counted from 1 as
    people count them; names: a panel's name by its code, shown before the code."""

    def rung(step: dict[str, Any]) -> str:
        where = str(step.get("panel") or step.get("level"))
        named = f"{names[where]} {where}" if names and where in names else bilingual(where)
        pool = f"+{step['expert_pool']}" if step.get("expert_pool") else ""
        return f"{named}{pool} {step['deadline_days']}d"

    steps = " → ".join(f"{n} {rung(s)}" for n, s in enumerate(path["steps"], start=1))
    ends = f"未成功 failed→{bilingual(path['on_failed'])}, 拒绝 refused→{bilingual(path['on_refused'])}"
    first = path.get("emergency_start")
    start = f"; 紧急案件自第{first + 1}级 emergency starts at rung {first + 1}" if first else ""
    return f"{steps}; {ends}{start}"


def _entry(section: str, item: dict[str, Any]) -> str:
    if section == "paths":
        return rungs(item)
    return ", ".join(f"{k}={v}" for k, v in item.items() if k != "code" and v not in (None, [], ""))


def _shown(section: str, item: dict[str, Any]) -> str:
    return str(item["value"]) if section == "triage" else _entry(section, item)


def _keyed(doc: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    if section == "paths":
        return dict(doc["paths"])
    if section == "triage":
        return {k: {"value": v} for k, v in doc["triage"].items()}
    return {item["code"]: item for item in doc.get(section, [])}  # older versions have no stationed rooms


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for section in ("organisations", "stationed_rooms", "mediators", "experts", "paths", "triage"):
        before, after = _keyed(old, section), _keyed(new, section)
        for key in sorted(before.keys() | after.keys()):
            b, a = before.get(key), after.get(key)
            if b is None and a is not None:
                changes.append(Change(section, key, "added", after=_shown(section, a)))
            elif a is None and b is not None:
                changes.append(Change(section, key, "removed", before=_shown(section, b)))
            elif a != b and a is not None and b is not None:
                changes.append(Change(section, key, "changed", _shown(section, b), _shown(section, a)))
    return changes

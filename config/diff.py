"""What changes between two network documents, entry by entry, for `fengqiao config diff`.

Organisations, stationed rooms, mediators and experts are compared by code, paths by dispute type, triage
settings by name; a path is shown as its chain of rungs so a reviewer sees the route change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    section: str
    key: str
    kind: str  # added | removed | changed
    before: str = ""
    after: str = ""


def rungs(path: dict[str, Any]) -> str:
    """'community 30d → street 30d → P-LABOUR+X-CITY 15d; failed→arbitration, refused→litigation'."""
    steps = " → ".join(
        f"{s.get('panel') or s.get('level')}{'+' + s['expert_pool'] if s.get('expert_pool') else ''} "
        f"{s['deadline_days']}d"
        for s in path["steps"]
    )
    ends = f"failed→{path['on_failed']}, refused→{path['on_refused']}"
    start = f", emergency starts at {path['emergency_start']}" if path.get("emergency_start") else ""
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

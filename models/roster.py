"""Roster figures (组织队伍): the committees by kind and the mediators full-time and part-time, as reports carry them.

The bureau counts people's mediation committees in four kinds — 村/居 (village and residents'),
乡镇/街道 (township and street), 企事业 (enterprises and institutions) and 行业/专业 (sector and
professional panels) — and the rest as 其他. A committee's kind follows from its level unless the
network YAML names it (`committee_kind`: an enterprise's committee sits at a community or street).
Grids, expert pools and stationed rooms are not committees.
"""

from __future__ import annotations

from typing import Any

from fengqiao.models.network import Network, Organisation
from fengqiao.models.vocabulary import Level

KINDS = {
    "village": "村/居调委会 village and residents'",
    "township": "乡镇/街道调委会 township and street",
    "enterprise": "企事业调委会 enterprise and institution",
    "sector": "行业/专业调委会 sector and professional",
    "other": "其他调委会 other",
}
BY_LEVEL = {Level.COMMUNITY: "village", Level.STREET: "township", Level.PANEL: "sector", Level.DISTRICT: "other"}


def committee_kind(org: Organisation) -> str | None:
    """The kind the bureau counts it as; None for what is not a committee."""
    if org.is_room:
        return None
    return org.committee_kind or BY_LEVEL.get(org.level)


def roster(
    network: Network,
    region: str | None = None,
    within: tuple[str, ...] | None = None,
    orgs: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Committees by kind and mediators by full-time and part-time, of the organisations in region (and
    within), and the organisations named in orgs (a key's organisations: the figures count the cases
    they hold as well as those of its areas)."""

    def counted(code: str, org: Organisation) -> bool:
        if code in orgs:
            return True
        area = org.area_code or ""
        if org.level is Level.PANEL and not area:  # a city's panel serves everywhere
            return region is None and within is None
        inside = region is None or area.startswith(region)
        return inside and (within is None or any(area.startswith(a) for a in within))

    kept = {code: o for code, o in network.organisations.items() if counted(code, o)}
    committees = dict.fromkeys(KINDS, 0)
    for o in kept.values():
        if kind := committee_kind(o):
            committees[kind] += 1
    staff = [m for m in network.mediators if m.org in kept]
    full = sum(1 for m in staff if m.full_time)
    return {
        "committees": committees | {"total": sum(committees.values())},
        "mediators": {"total": len(staff), "full_time": full, "part_time": len(staff) - full},
    }


ROSTER_DEFINITIONS = {
    "roster.committees": {
        "label": "人民调解委员会 committees",
        "definition": "按类型：" + "；".join(KINDS.values()) + " (by kind; not grids, expert pools, rooms)",
    },
    "roster.mediators": {
        "label": "人民调解员 mediators",
        "definition": "专职与兼职 full-time and part-time, of the committees counted",
    },
}

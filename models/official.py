"""The official figures of People's Mediation statistics (人民调解统计口径), as the justice bureau counts them.

A coordination centre reports upward in the published definitions: 受理 (received), 调解 (at
least one mediation attempt begun), 调解成功 (written plus oral agreements) and 调解成功率. Which
base the rate divides by differs between localities (调解 by default, 受理 in some), so the choice
is administrators' data in the network YAML (`statistics:`), and every figure carries the
definition it was counted by.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RateBase(StrEnum):
    """What 调解成功率 divides the agreements by."""

    MEDIATED = "mediated"  # 调解成功 ÷ 调解 (the default)
    RECEIVED = "received"  # 调解成功 ÷ 受理


@dataclass(frozen=True)
class StatisticsRules:
    """The definitions an administrator chose (network YAML `statistics:`)."""

    success_rate_base: RateBase = RateBase.MEDIATED
    group_dispute_people: int = 5  # 群体性纠纷: a dispute involving at least this many people


@dataclass(frozen=True)
class Counts:
    """What the counters hold for a question: sums, and cases by handoff target and by people involved."""

    received: int
    mediated: int
    written: int
    oral: int
    withdrawn: int
    open: int
    parties: int
    handed_off: Mapping[str, int]  # target → cases whose outcome is a handoff to it
    by_people: Mapping[int, int]  # people involved → cases
    confirmation_applied: int = 0  # cases whose parties applied for judicial confirmation


def _label(zh: str, en: str, definition: str) -> dict[str, str]:
    return {"label": f"{zh} {en}", "definition": definition}


def definitions(rules: StatisticsRules) -> dict[str, dict[str, str]]:
    """Each official figure's name, in Chinese and English, and how it is counted."""
    rate = {
        RateBase.MEDIATED: "调解成功 ÷ 调解 agreements ÷ mediated",
        RateBase.RECEIVED: "调解成功 ÷ 受理 agreements ÷ received",
    }[rules.success_rate_base]
    n = rules.group_dispute_people
    return {
        "received": _label("受理", "received", "按受理月份登记的纠纷件数 disputes registered in the period"),
        "mediated": _label(
            "调解", "mediated", "至少开始一次调解的件数 cases in which at least one mediation attempt began"
        ),
        "agreements": _label(
            "调解成功", "agreements", "书面协议 + 口头协议 written plus oral agreements (a case counts once)"
        ),
        "success_rate": _label("调解成功率", "success rate", rate),
        "handed_off": _label(
            "导入法治轨道",
            "handed to the legal track",
            "移交诉讼、仲裁、行政复议、行政裁决的件数，按去向 cases handed to litigation, arbitration or "
            "administrative review or adjudication, by target",
        ),
        "withdrawn": _label("撤回", "withdrawn", "申请人撤回的件数 cases the applicant withdrew"),
        "open": _label("在办", "open", "尚未化解、移交或撤回的件数 cases not yet resolved, handed off or withdrawn"),
        "parties_involved": _label("涉及当事人人数", "parties involved", "各案涉及人数之和 people involved, summed"),
        "group_disputes": _label(
            "群体性纠纷", "group disputes", f"涉及{n}人以上的纠纷件数 disputes involving {n} or more people"
        ),
        "judicial_confirmation_applied": _label(
            "申请司法确认",
            "applied for judicial confirmation",
            "达成调解协议后当事人共同向人民法院申请司法确认的件数（人民调解法第三十三条） cases whose parties "
            "jointly applied to a court to confirm their agreement (People's Mediation Law Art. 33), a case once",
        ),
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def official_figures(counts: Counts, rules: StatisticsRules) -> dict[str, Any]:
    """The figures under the JSON names the bureau's report uses, each defined in `definitions`."""
    agreements = counts.written + counts.oral
    base = counts.mediated if rules.success_rate_base is RateBase.MEDIATED else counts.received
    handed = {t: n for t, n in sorted(counts.handed_off.items()) if n}
    return {
        "received": counts.received,
        "mediated": counts.mediated,
        "agreements": {"total": agreements, "written": counts.written, "oral": counts.oral},
        "success_rate": _rate(agreements, base),
        "handed_off": {"total": sum(handed.values()), "by_target": handed},
        "withdrawn": counts.withdrawn,
        "open": counts.open,
        "parties_involved": counts.parties,
        "group_disputes": sum(n for people, n in counts.by_people.items() if people >= rules.group_dispute_people),
        "judicial_confirmation_applied": counts.confirmation_applied,
        "definitions": definitions(rules),
    }

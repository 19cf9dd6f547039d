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
from decimal import Decimal
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
    handed_off: Mapping[str, int]  # target → cases handed off to it, not by a party's refusal
    by_people: Mapping[tuple[str, int], int]  # (registration month, people involved) → cases
    confirmation_applied: int = 0  # cases whose parties applied for judicial confirmation
    refused: int = 0  # cases a party's refusal of mediation ended (handed to the path's on_refused target)
    agreement_amount: Decimal = Decimal("0.00")  # yuan in the terms of the agreements counted


def group_disputes(counts: Counts, rules: StatisticsRules, thresholds: Mapping[str, int]) -> int:
    """群体性纠纷: each month's cases by the threshold of the configuration in force in that month, so
    a later change of `group_dispute_people` never recounts a month already published."""
    default = rules.group_dispute_people
    return sum(n for (month, people), n in counts.by_people.items() if people >= thresholds.get(month, default))


PEOPLE_AS_COUNTED = (  # 群体性纠纷 judges a case by the people 涉及当事人人数 counts (models.figures.people_counted)
    "（人数同涉及当事人人数：每案不少于登记的当事人数）",
    "(people counted as in parties involved: a case at least the parties recorded on it)",
)


def _group_definition(rules: StatisticsRules, thresholds: Mapping[str, int]) -> str:
    used = sorted(set(thresholds.values()) or {rules.group_dispute_people})
    zh, en = PEOPLE_AS_COUNTED
    if len(used) == 1:
        n = used[0]
        return f"涉及{n}人以上的纠纷件数{zh} disputes involving {n} or more people {en}"
    months = "; ".join(f"{m}: {n}" for m, n in sorted(thresholds.items()))
    return (
        f"涉及人数达到当月施行配置所定人数的纠纷件数{zh} disputes involving at least the number of people the "
        f"configuration in force in their month set ({months}) {en}"
    )


def _label(zh: str, en: str, definition: str) -> dict[str, str]:
    return {"label": f"{zh} {en}", "definition": definition}


def definitions(rules: StatisticsRules, thresholds: Mapping[str, int] | None = None) -> dict[str, dict[str, str]]:
    """Each official figure's name, in Chinese and English, and how it is counted."""
    rate = {
        RateBase.MEDIATED: "调解成功 ÷ 调解 agreements ÷ mediated",
        RateBase.RECEIVED: "调解成功 ÷ 受理 agreements ÷ received",
    }[rules.success_rate_base]
    return {
        "received": _label("受理", "received", "按受理月份登记的纠纷件数 disputes registered in the period"),
        "mediated": _label(
            "调解",
            "mediated",
            "至少开始一次调解的件数；当事人在首次调解时拒绝调解的，已记录该次调解笔录的计入（调解已开始），"
            "未记录的不计入 cases in which at least one mediation attempt began; an attempt a party refused "
            "(拒绝调解) began if a session of it was recorded (调解笔录), and did not if none was",
        ),
        "agreements": _label(
            "调解成功", "agreements", "书面协议 + 口头协议 written plus oral agreements (a case counts once)"
        ),
        "success_rate": _label("调解成功率", "success rate", rate),
        "handed_off": _label(
            "导入法治轨道",
            "handed to the legal track",
            "调解不成或不宜调解而移交诉讼、仲裁、行政复议、行政裁决的件数，按去向；当事人拒绝调解的不计入 cases "
            "handed to litigation, arbitration or administrative review or adjudication because mediation failed "
            "or the dispute is not suitable for it, by target; not a party's refusal (see refused)",
        ),
        "refused": _label(
            "拒绝调解",
            "refused mediation",
            "当事人拒绝调解、告知其通过诉讼等途径解决的件数（调解自愿）；不计入导入法治轨道，"
            "首次调解时拒绝且未记录调解笔录的也不计入调解 "
            "cases a party's refusal ended (mediation is voluntary), told where to go next; not in handed_off, "
            "and not in mediated unless an attempt began (an earlier one, or the refused one with a session "
            "recorded)",
        ),
        "withdrawn": _label("撤回", "withdrawn", "申请人撤回的件数 cases the applicant withdrew"),
        "open": _label(
            "在办",
            "open",
            "仍在办理（待分流、待指派、调解中、已升级）的件数；已化解、导入法治轨道、拒绝调解或撤回的不计入 cases "
            "still in hand (received, triaged, mediating or escalated); not those resolved, handed off, refused "
            "(拒绝调解) or withdrawn",
        ),
        "parties_involved": _label(
            "涉及当事人人数",
            "parties involved",
            "各案涉及人数之和，每案不少于登记的当事人数 people involved, summed; a case counts at least the "
            "parties recorded on it",
        ),
        "group_disputes": _label("群体性纠纷", "group disputes", _group_definition(rules, thresholds or {})),
        "agreement_amount": _label(
            "协议涉及金额",
            "amount agreed",
            "调解成功案件协议条款所载金额之和（元，书面与口头） yuan in the terms of the agreements "
            "counted in 调解成功, written and oral",
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


def official_figures(
    counts: Counts, rules: StatisticsRules, thresholds: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The figures under the JSON names the bureau's report uses, each defined in `definitions`.

    thresholds: registration month → `group_dispute_people` of the configuration in force then."""
    agreements = counts.written + counts.oral
    base = counts.mediated if rules.success_rate_base is RateBase.MEDIATED else counts.received
    handed = {t: n for t, n in sorted(counts.handed_off.items()) if n}
    return {
        "received": counts.received,
        "mediated": counts.mediated,
        "agreements": {"total": agreements, "written": counts.written, "oral": counts.oral},
        "success_rate": _rate(agreements, base),
        "handed_off": {"total": sum(handed.values()), "by_target": handed},
        "refused": counts.refused,
        "withdrawn": counts.withdrawn,
        "open": counts.open,
        "parties_involved": counts.parties,
        "group_disputes": group_disputes(counts, rules, thresholds or {}),
        "judicial_confirmation_applied": counts.confirmation_applied,
        "agreement_amount": f"{counts.agreement_amount:.2f}",
        "definitions": definitions(rules, thresholds),
    }


def case_definitions(as_of: str) -> dict[str, dict[str, str]]:
    """The other figures' definitions: the breakdowns, closing, the lowest level, and the point-in-time
    figures (overdue, due soon), which are as of `as_of`: the period's last day (today for the current
    month), each case as its timeline stood at that day's end, so a published month's never change."""
    return {
        "closed": _label("结案", "closed", "已结案（归档）的件数 cases closed (archived), of those registered"),
        "lowest_level_share": _label(
            "基层化解占比",
            "resolved at the lowest level",
            "在社区（村）或网格化解的件数 ÷ 调解成功 cases resolved at a community or grid ÷ agreements",
        ),
        "average_days_to_close": _label(
            "平均结案天数",
            "average days to close",
            "结案案件自登记至结案的自然日数之平均（北京时间） calendar days from registration to closing, China "
            "time, averaged over the closed cases",
        ),
        "overdue": _label(
            "超期",
            "overdue",
            f"{as_of}日终（北京时间，期末；本月为今天）仍在调解且已过办理期限的件数，按当时的案件记录计算 cases "
            f"mediating at the end of {as_of} (China time: the period's last day, today for the current month) "
            "past their due day, as their timelines stood then",
        ),
        "due_soon": _label(
            "临期",
            "due soon",
            f"{as_of}日终（北京时间，期末；本月为今天）仍在调解、三日内到期的件数，按当时的案件记录计算 cases "
            f"mediating at the end of {as_of} (China time: the period's last day, today for the current month) "
            "due on it or within three days after, as their timelines stood then",
        ),
        "by_status": _label("当前状态", "status", "各状态的件数（现时状态） cases by their status now"),
        "by_type": _label(
            "纠纷类型", "dispute type", "按纠纷类型的件数；untriaged 待分流：尚未分流 cases by type; untriaged: not yet"
        ),
        "by_channel": _label("来源渠道", "channel", "按来源渠道的件数 cases by the channel they came through"),
        "by_level": _label(
            "化解层级",
            "level resolved at",
            "调解成功案件按化解时所在组织的层级计数（未化解的不计） agreements by the level of the organisation "
            "that reached them; cases not resolved are not counted",
        ),
        "by_area": _label("区县", "district", "按纠纷发生地区县（6位代码）的件数 cases by district where they arose"),
        "by_outcome": _label(
            "办理结果",
            "outcome",
            "open 办理中、resolved 调解成功、handed_off 导入法治轨道、refused 拒绝调解、withdrawn 撤回 的件数 "
            "cases by how they ended, or open",
        ),
        "by_month": _label(
            "月度趋势", "by month", "按登记月份（北京时间）的受理、结案、调解成功件数 received, closed, resolved"
        ),
        "as_of": _label(
            "时点",
            "as of",
            "组织队伍、超期、临期的统计时点：期末（本月为今天） the day the roster, overdue and due soon are as of: "
            "the period's end (today for the current month)",
        ),
    }


COMPARED = ("received", "mediated", "agreements", "success_rate", "handed_off", "refused", "agreement_amount")
COMPARISON_DEFINITIONS = {
    "year_to_date": _label(
        "本年累计", "year to date", "截止月所在年1月至截止月的同口径数字 the same figures, January to the last month"
    ),
    "previous_period": _label(
        "环比",
        "on the previous period",
        "与紧接其前、月数相同的时期相比；change 为增减比例（成功率为百分点） against the period of as many months just "
        "before; change is the relative change (the success rate's in points)",
    ),
    "same_period_last_year": _label(
        "同比",
        "on the same period last year",
        "与上年同期相比；change 为增减比例（成功率为百分点） against the same months a year earlier; change is the "
        "relative change (the success rate's in points)",
    ),
}


def headline(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The compared figures of a period, flat: agreements and handed_off as their totals."""
    picked = {k: figures[k] for k in COMPARED}
    picked["agreements"] = figures["agreements"]["total"]
    picked["handed_off"] = figures["handed_off"]["total"]
    return picked


def change(now: Mapping[str, Any], then: Mapping[str, Any]) -> dict[str, float | None]:
    """How each compared figure moved: a relative change (None from zero), the success rate in points."""
    moved: dict[str, float | None] = {}
    for key in COMPARED:
        a, b = now[key], then[key]
        if key == "success_rate":
            moved[key] = None if a is None or b is None else round(a - b, 4)
        else:
            a, b = Decimal(str(a)), Decimal(str(b))
            moved[key] = float(round((a - b) / b, 4)) if b else None
    return moved

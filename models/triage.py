"""Triage: dispute type, risk, suitability for mediation, and where on its path a case starts.

Every decision names the rule that fired, so a coordinator can see why a case went where it went.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from fengqiao.models.duplicates import DuplicateRules
from fengqiao.models.network import EscalationPath
from fengqiao.models.vocabulary import HandoffTarget, Risk


@dataclass(frozen=True)
class KeywordRule:
    name: str
    keywords: tuple[str, ...]
    dispute_type: str


@dataclass(frozen=True)
class NotSuitableRule:
    """A matter mediation may not settle (already before a court, an administrative act...)."""

    name: str
    target: HandoffTarget
    keywords: tuple[str, ...] = ()
    dispute_types: tuple[str, ...] = ()

    def matches(self, dispute_type: str, summary: str) -> bool:
        return dispute_type in self.dispute_types or any(k in summary for k in self.keywords)


@dataclass(frozen=True)
class TriageRules:
    classify: tuple[KeywordRule, ...] = ()
    not_suitable: tuple[NotSuitableRule, ...] = ()
    emergency_people: int = 10
    emergency_keywords: tuple[str, ...] = ()
    default_type: str = "neighbourhood"
    duplicates: DuplicateRules = field(default_factory=DuplicateRules)


@dataclass(frozen=True)
class TriageDecision:
    dispute_type: str
    risk: Risk
    start_step: int
    rule: str
    reason: str
    unsuitable: HandoffTarget | None = None


def classify(rules: TriageRules, declared_type: str | None, summary: str) -> tuple[str, str]:
    """The dispute type and the rule that gave it: the channel's declared type wins over keywords."""
    if declared_type:
        return declared_type, "declared_by_channel"
    for rule in rules.classify:
        if any(k in summary for k in rule.keywords):
            return rule.dispute_type, rule.name
    return rules.default_type, "default_type"


def dispute_type_of(
    rules: TriageRules, known_types: Collection[str], declared_type: str | None, summary: str
) -> tuple[str, str]:
    """The dispute type as stored: classify's answer, or the default where the network has no path
    for it (a channel's free text). Intake's duplicate matching and triage both decide with this."""
    dispute_type, type_rule = classify(rules, declared_type, summary)
    if dispute_type not in known_types:
        return rules.default_type, f"{type_rule}→default_type"
    return dispute_type, type_rule


def assess_risk(
    rules: TriageRules, people_involved: int, summary: str, reported: Risk = Risk.NORMAL
) -> tuple[Risk, str | None]:
    if reported is Risk.EMERGENCY:  # raised at intake: the same dispute was reported again and again
        return Risk.EMERGENCY, f"repeated_reports>={rules.duplicates.emergency_reports}"
    if people_involved >= rules.emergency_people:
        return Risk.EMERGENCY, f"people_involved>={rules.emergency_people}"
    hit = next((k for k in rules.emergency_keywords if k in summary), None)
    return (Risk.EMERGENCY, f"keyword:{hit}") if hit else (Risk.NORMAL, None)


def triage(
    rules: TriageRules,
    paths: dict[str, EscalationPath],
    *,
    declared_type: str | None,
    summary: str,
    people_involved: int,
    reported_risk: Risk = Risk.NORMAL,
) -> TriageDecision:
    dispute_type, type_rule = dispute_type_of(rules, paths.keys(), declared_type, summary)
    for unsuitable in rules.not_suitable:
        if unsuitable.matches(dispute_type, summary):
            return TriageDecision(
                dispute_type,
                Risk.NORMAL,
                start_step=-1,
                rule=f"not_suitable:{unsuitable.name}",
                reason=f"不适宜调解 not suitable for mediation → {unsuitable.target}",
                unsuitable=unsuitable.target,
            )
    risk, risk_rule = assess_risk(rules, people_involved, summary, reported_risk)
    path = paths[dispute_type]
    start = path.emergency_start if risk is Risk.EMERGENCY else 0
    rule = type_rule if risk_rule is None else f"{type_rule};emergency:{risk_rule}"
    reason = f"type {dispute_type}, risk {risk}, starts at {path.steps[start].label}"
    return TriageDecision(dispute_type, risk, start_step=start, rule=rule, reason=reason)

"""When a coordination centre must look now: an emergency case, or many reports of one kind at once.

A cluster is a number of reports, within a window of days, against the same respondent (an
employer who has not paid, a developer, a school) or from the same community: the sign of a
dispute that involves many people before any one case says so. Once raised, an alert gathers
every further report of its cluster until someone acknowledges it (its count says how many, not
how many fell within the window); reports counted toward an acknowledged alert are not counted
again, and new ones may raise it anew.

Each alert belongs to a place: a respondent cluster is counted per district (the district's
coordinators answer for it, and one district's acknowledgement leaves another's open), a
community cluster to its community, an emergency to its case's area. A key sees an alert when it
may see at least one of its cases, and acknowledges it only when it may see all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fengqiao.models.case import Case


class AlertKind(StrEnum):
    EMERGENCY = "emergency"
    RESPONDENT = "respondent"
    AREA = "area"
    CASE_PARKED = "case_parked"  # a poison case set aside after failed runs (models.parking)
    # What Prefect's automations heard (runs/automations.py): about a case's run, or the pool
    RUN_CRASHED = "run_crashed"
    RUN_LATE = "run_late"
    POOL_NO_HEARTBEAT = "pool_no_heartbeat"  # no case: shown to every key (db.alerts.list_alerts)


DISTRICT_DIGITS = 6  # GB/T 2260: province 2, city 4, district or county 6 digits of an area code


def cluster_area(kind: AlertKind, area_code: str) -> str:
    """The place a cluster is counted in: a respondent's per district, a community's is itself."""
    return area_code[:DISTRICT_DIGITS] if kind is AlertKind.RESPONDENT else area_code


ALERT_ZH = {
    "emergency": "紧急风险",
    "respondent": "同一被申请人多次被投诉",
    "area": "同一社区集中报告",
    "case_parked": "案件流程连续失败已暂停",
    "run_crashed": "案件流程运行崩溃",
    "run_late": "案件流程运行延迟",
    "pool_no_heartbeat": "工作池无工作进程心跳",
}


@dataclass(frozen=True)
class AlertRules:
    window_days: int = 7
    respondent_reports: int = 3  # reports against one respondent within the window
    area_reports: int = 10  # reports from one community within the window

    def threshold(self, kind: AlertKind) -> int:
        return self.respondent_reports if kind is AlertKind.RESPONDENT else self.area_reports


def emergency_reason(case: Case) -> str:
    n = case.people_involved
    return f"{case.case_no} 风险等级升为紧急，涉及{n}人: risk raised to emergency, {n} involved"


def cluster_reason(kind: AlertKind, reports: int, rules: AlertRules, shown: str) -> str | None:
    """Why a cluster is an alert, or None while it is below its threshold."""
    if reports < rules.threshold(kind):
        return None
    return _cluster_text(kind, str(reports), rules, shown)


def cluster_reason_format(kind: AlertKind, rules: AlertRules, shown: str) -> str:
    """cluster_reason as a PostgreSQL format() string of the number of reports (%1$s): the database
    fills it in as it grows an open alert, whose number of cases it alone knows then."""
    return _cluster_text(kind, "%1$s", rules, shown.replace("%", "%%"))


def _cluster_text(kind: AlertKind, reports: str, rules: AlertRules, shown: str) -> str:
    who = f"被申请人 respondent {shown}" if kind is AlertKind.RESPONDENT else f"社区 community {shown}"
    return (
        f"{reports}件报告指向{who}（{rules.window_days}日内达{rules.threshold(kind)}件即预警）: {reports} reports "
        f"(an alert at {rules.threshold(kind)} within {rules.window_days} days)"
    )


def run_alert_reason(kind: AlertKind, case_no: str, *, late_minutes: float) -> str:
    """Why a case's run is an alert: the run (named by the case number) and what Prefect saw; no personal data."""
    if kind is AlertKind.RUN_CRASHED:
        return f"{case_no} 的流程运行崩溃: Prefect run case-{case_no} Crashed"
    return (
        f"{case_no} 的流程运行延迟超过{late_minutes:g}分钟: Prefect run case-{case_no} Late "
        f"for more than {late_minutes:g} minutes, no worker took it"
    )


def pool_alert_reason(pool: str) -> str:
    return (
        f"工作池 {pool} 无工作进程心跳，案件暂停推进: no worker heartbeat in Prefect work pool {pool}; "
        "no case moves until a worker runs"
    )

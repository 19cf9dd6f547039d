"""The result owed back to the channel a case came from (结果同悉), and when to try delivering it again.

Referring bodies and the 12345 hotline close their own tickets on our result, so they get one
notice per case, with codes only: they hold the parties' details themselves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fengqiao.models.case import Case
from fengqiao.models.vocabulary import Channel, Outcome, Status, bilingual

RESULT_CHANNELS = frozenset({Channel.HOTLINE_12345, Channel.POLICE, Channel.COURT, Channel.PETITION})
MAX_RETRY = timedelta(hours=6)


def owes_result(case: Case) -> bool:
    """A hotline ticket or a referral is owed its result; a test key's case is owed nothing (its
    channel's system holds no such ticket)."""
    return case.channel in RESULT_CHANNELS and not case.test


def result_body(
    before_close: Case, *, channel_ref: str | None, outcome: Outcome | None, closed_at: datetime
) -> dict[str, Any]:
    """What the channel is told: how the case ended, in codes and a bilingual line."""
    result = before_close.status  # resolved | handed_off | withdrawn
    if result is Status.RESOLVED:
        line = f"调解成功 mediation succeeded: {bilingual(outcome or Outcome.AGREEMENT)}"
    elif result is Status.HANDED_OFF:
        line = f"已导入 handed off to {bilingual(before_close.handoff_target or '')}"
    else:
        line = "申请人撤回 withdrawn by the applicant"
    return {
        "case_no": before_close.case_no,
        "channel": before_close.channel,
        "channel_ref": channel_ref,
        "result": result,
        "outcome": outcome,
        "handoff_target": before_close.handoff_target,
        "highest_org": before_close.org_code,
        "closed_at": closed_at.isoformat(),
        "summary": line,
    }


def idempotency_key(case: Case) -> str:
    """One result per case: the receiver drops a repeat it has seen under this key."""
    return f"fengqiao-result-{case.case_no}"


def next_attempt(after_attempts: int, *, first_delay_seconds: float, at: datetime) -> datetime:
    return at + min(timedelta(seconds=first_delay_seconds * 2 ** max(after_attempts - 1, 0)), MAX_RETRY)

"""An agreement's terms as data (人民调解法 Art. 29): what was agreed, the amount, the manner and the
deadline of performance, kept beside the outcome that reached it (one per attempt).

The follow-up visit (回访) checks that the agreement is honoured, so it falls due the day after the
performance deadline; only an agreement without one is visited the network's fixed days after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fengqiao.models.errors import InputConflict, InvalidInput
from fengqiao.models.text import NOTE_CHARS, recorded_text
from fengqiao.models.vocabulary import Outcome

MAX_AMOUNT = Decimal("1e12")  # the column holds 14 digits, 2 after the point
MANNER_CHARS = 200


@dataclass(frozen=True)
class AgreementTerms:
    attempt: int
    oral: bool  # 口头协议 (Art. 30) rather than a written agreement
    terms: str  # the agreed terms as written (stored as the outcome's note too)
    manner: str  # how it is to be performed: 一次性现金支付, 银行转账, 分期…
    amount: Decimal | None = None  # yuan, when money is owed
    perform_by: date | None = None  # the performance deadline

    @property
    def outcome(self) -> Outcome:
        return Outcome.ORAL_AGREEMENT if self.oral else Outcome.AGREEMENT


def checked_terms(case_no: str, terms: AgreementTerms) -> AgreementTerms:
    """The terms, if they may be stored; else the error naming the field."""
    recorded_text(terms.terms, field="terms", max_chars=NOTE_CHARS, multiline=True, required=True)
    recorded_text(terms.manner, field="manner", max_chars=MANNER_CHARS, multiline=False, required=True)
    if terms.amount is not None and not Decimal(0) <= terms.amount < MAX_AMOUNT:
        raise InvalidInput("金额应为0至10^12元 must be 0 or more and under 10^12 yuan", record=case_no, field="amount")
    if terms.amount is not None and terms.amount != terms.amount.quantize(Decimal("0.01")):
        raise InvalidInput("金额至多两位小数 at most 2 decimal places", record=case_no, field="amount")
    if terms.perform_by is not None and not date(1900, 1, 1) <= terms.perform_by <= date(2199, 12, 31):
        raise InvalidInput("日期应在1900至2199年之间 a date in the years 1900–2199", record=case_no, field="perform_by")
    return terms


def same_terms(case_no: str, stored: AgreementTerms, sent: AgreementTerms) -> AgreementTerms:
    """The stored terms, if the ones sent again are the same; else a conflict naming the case."""
    if stored == sent:
        return stored
    raise InputConflict(
        "调解协议已按其他条款记录 "
        f"the agreement of case {case_no} attempt {stored.attempt} is already recorded with other terms",
        field="terms",
    )


def follow_up_on(agreed_on: date, terms: AgreementTerms | None, follow_up_days: int) -> date:
    """When the follow-up visit falls due: the day after the performance deadline, else the
    network's fixed days after the agreement."""
    if terms is not None and terms.perform_by is not None:
        return max(terms.perform_by, agreed_on) + timedelta(days=1)
    return agreed_on + timedelta(days=follow_up_days)

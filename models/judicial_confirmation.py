"""申请司法确认: the parties' joint application to a court to confirm their agreement (人民调解法 Art. 33).

Once a written agreement takes effect, its parties may apply together, within the network's window
(30 days: aftercare.judicial_confirmation_days), to the basic people's court; the application is
the 司法确认申请书 among the case's papers (models.papers), addressed to the district's court. The
justice bureau counts the cases whose parties applied, so the application is recorded once per
agreement: the day and the court.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fengqiao.models.aftercare import Aftercare
from fengqiao.models.errors import InputConflict, InvalidInput, NotConfirmable, OralAgreementNotConfirmable
from fengqiao.models.text import recorded_text

COURT_CHARS = 100


@dataclass(frozen=True)
class Application:
    attempt: int  # the mediation attempt that reached the agreement
    applied_on: date  # the China-time day the parties applied
    court: str  # the court applied to, e.g. 翠屏区人民法院
    actor: str = "unknown"  # who recorded it


def checked_application(
    case_no: str, sent: Application, *, agreement: str | None, aftercare: Aftercare | None, today: date
) -> Application:
    """The application, if the case stands closed by a written agreement and it lies in its window;
    else the error naming the case and the field. agreement: written | oral | None (no agreement stands).

    An oral agreement (Art. 30) is refused before its date is looked at: it has no window to lie in."""
    if agreement is None or aftercare is None:
        raise NotConfirmable(
            f"案件 {case_no} 没有可申请司法确认的调解协议 case {case_no} has no agreement to confirm: "
            "申请司法确认 needs a case closed with a written agreement",
            field="case",
        )
    if agreement == "oral" or aftercare.confirm_by is None:
        raise OralAgreementNotConfirmable(
            f"案件 {case_no} 以口头协议结案，口头协议不申请司法确认（人民调解法第三十三条确认的是调解协议书） "
            f"case {case_no} was closed with an oral agreement: judicial confirmation (People's Mediation Law "
            "Art. 33) is for a written mediation agreement",
            field="case",
        )
    try:
        recorded_text(sent.court, field="court", max_chars=COURT_CHARS, multiline=False, required=True)
    except InvalidInput as bad:
        raise InvalidInput(bad.message.split(": ", 1)[-1], record=case_no, field="court") from None
    if sent.applied_on > today:
        raise InvalidInput(
            f"申请日期不能晚于今天 {sent.applied_on} is after today ({today}, China time)",
            record=case_no,
            field="applied_on",
        )
    if sent.applied_on < aftercare.agreed_on:
        raise InvalidInput(
            f"申请日期不能早于调解协议日期 {sent.applied_on} is before the agreement of {aftercare.agreed_on}",
            record=case_no,
            field="applied_on",
        )
    if sent.applied_on > aftercare.confirm_by:  # a date: an oral agreement was refused above
        raise InvalidInput(
            f"已过申请期限 {sent.applied_on} is after the last day to apply, {aftercare.confirm_by} "
            f"(申请期限: the agreement of {aftercare.agreed_on} and the days the network allows)",
            record=case_no,
            field="applied_on",
        )
    return sent


def same_application(case_no: str, stored: Application, sent: Application) -> Application:
    """The stored application, if the one sent again is the same; else a conflict naming the field."""
    for field in ("applied_on", "court"):
        if getattr(stored, field) != getattr(sent, field):
            raise InputConflict(
                "司法确认申请已记录 "
                f"case {case_no}'s application for judicial confirmation is already recorded: "
                f"{stored.applied_on} to {stored.court}, by {stored.actor}",
                field=field,
            )
    return stored

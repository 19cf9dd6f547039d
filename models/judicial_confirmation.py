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
from fengqiao.models.errors import InputConflict, InvalidInput, NotWaitingForInput
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
    else the error naming the case and the field. agreement: written | oral | None (no agreement stands)."""
    if agreement is None or aftercare is None:
        raise NotWaitingForInput(
            f"case {case_no} has no agreement to confirm: 申请司法确认 needs a case closed with an agreement",
            field="case",
        )
    if agreement == "oral":
        raise NotWaitingForInput(
            f"case {case_no} was closed with an oral agreement (口头协议): a court confirms a written agreement "
            "(调解协议书), for which the 司法确认申请书 is made",
            field="case",
        )
    try:
        recorded_text(sent.court, field="court", max_chars=COURT_CHARS, multiline=False, required=True)
    except InvalidInput as bad:
        raise InvalidInput(bad.message.split(": ", 1)[-1], record=case_no, field="court") from None
    if sent.applied_on > today:
        raise InvalidInput(
            f"{sent.applied_on} is after today ({today}, China time)", record=case_no, field="applied_on"
        )
    if sent.applied_on < aftercare.agreed_on:
        raise InvalidInput(
            f"{sent.applied_on} is before the agreement of {aftercare.agreed_on}", record=case_no, field="applied_on"
        )
    if sent.applied_on > aftercare.confirm_by:
        raise InvalidInput(
            f"{sent.applied_on} is after the last day to apply, {aftercare.confirm_by} "
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
                f"case {case_no}'s application for judicial confirmation is already recorded: "
                f"{stored.applied_on} to {stored.court}, by {stored.actor}",
                field=field,
            )
    return stored

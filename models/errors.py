"""Domain errors; the CLI turns them into exit codes and the API into JSON, at the edge only.

FengqiaoError                 every error this application means to raise
├── InvalidInput              a record or argument is wrong: names the record and field (exit 1 / 422)
├── ConfigurationError        a settings or network file is wrong (exit 2)
├── CaseNotFound              no case by that id or number (exit 1 / 404)
├── TransitionNotAllowed      the state machine refuses a move (exit 1 / 409)
├── NotWaitingForInput        a person's input arrived for a wait the case is not in (exit 1 / 409)
├── InputConflict             a different input was already recorded for this wait (exit 1 / 409)
├── ConcurrencyConflict       another writer changed the case first (exit 1 / 409)
├── NotParked                 a retry of a case that is not parked (exit 1 / 409)
├── NotConfirmable            no standing agreement a court could confirm (申请司法确认; exit 1 / 409)
│   └── OralAgreementNotConfirmable  the agreement is oral (Art. 30): not confirmed (Art. 33)
├── NotDelivered              a post the receiver did not acknowledge (the chain digest's webhook)
└── StepFailed                a step failed for a reason that is not ours: its type only (tasks.withheld)
"""

from __future__ import annotations


class FengqiaoError(Exception):
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(FengqiaoError):
    code = "invalid_input"

    def __init__(self, message: str, *, record: str | None = None, field: str | None = None) -> None:
        where = ", ".join(p for p in (f"record {record}" if record else "", f"field {field}" if field else "") if p)
        super().__init__(f"{where}: {message}" if where else message, field=field)
        self.record = record


class ConfigurationError(FengqiaoError):
    code = "configuration_error"


class CaseNotFound(FengqiaoError):
    code = "case_not_found"


class TransitionNotAllowed(FengqiaoError):
    code = "transition_not_allowed"


class NotWaitingForInput(FengqiaoError):
    code = "not_waiting_for_input"


class InputConflict(FengqiaoError):
    code = "input_conflict"


class ConcurrencyConflict(FengqiaoError):
    code = "concurrency_conflict"


class NotParked(FengqiaoError):
    code = "not_parked"


class NotConfirmable(FengqiaoError):
    """申请司法确认 for a case without a standing agreement: there is nothing a court could confirm."""

    code = "not_confirmable"


class OralAgreementNotConfirmable(NotConfirmable):
    """The case's agreement is oral (人民调解法 Art. 30): judicial confirmation (Art. 33) is for a written one."""

    code = "oral_agreement_not_confirmable"


class NotDelivered(FengqiaoError):
    code = "not_delivered"


class PrefectUnavailable(FengqiaoError):
    """Prefect's server could not be reached or did not answer in time (the database holds the case)."""

    code = "prefect_unavailable"


class StepFailed(FengqiaoError):
    """Another error, as far as Prefect and the logs may know it: `IntegrityError (SQLSTATE 23505)`."""

    code = "step_failed"

    def __init__(self, kind: str, *, lost_connection: bool = False) -> None:
        super().__init__(kind)
        self.lost_connection = lost_connection

"""结果同悉 as a task of the case flow: the first delivery right after closing (services.result_back)."""

from __future__ import annotations

from prefect import task

from fengqiao.services.result_back import deliver_due
from fengqiao.tasks.withheld import withheld


@task(name="result-back", task_run_name="result-back-{case_id}")
@withheld
def send_result(case_id: int) -> dict[str, int]:
    """First delivery right after closing; the sweep retries what fails."""
    return deliver_due(case_id=case_id)

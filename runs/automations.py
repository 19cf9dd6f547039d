"""Prefect automations for what a coordination centre must hear from Prefect, and hearing them.

Three automations per work pool, created by `fengqiao deploy` (by name: created, updated when
changed, left alone when not): a case run Crashed; a case run Late for more than
FENGQIAO_LATE_RUN_MINUTES (a proactive trigger: Late, then no other state within the window);
no worker heartbeat in the pool (Prefect marks the pool NOT_READY when no worker has polled for
three heartbeats). Their action is to do nothing: Prefect's server itself records each firing as
an event (`prefect.automation.triggered`, carrying the event that fired it), whether or not any
worker is alive, and that matters for the pool's automation, which fires exactly when no worker is.
The workers' sweep hears those events (`hear`, one sweep at a time across workers) and raises an
alert for each (services.alerts), once per firing; the dashboard's alerts page only reads them.

Late runs and NOT_READY pools are marked by services of a full Prefect server (`prefect server
start`); the embedded server fengqiao starts when no PREFECT_API_URL is given is Prefect's
ephemeral one, which runs neither, so there only the crash automation can fire.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.events.actions import DoNothing
from prefect.events.filters import (
    EventFilter,
    EventNameFilter,
    EventOccurredFilter,
    EventOrder,
    EventResourceFilter,
)
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound

from fengqiao.config.logging import get_logger
from fengqiao.config.settings import get_settings
from fengqiao.models.alerts import AlertKind
from fengqiao.services.alerts import Firing, firings_heard, hear_firing
from fengqiao.services.runtime import now

log = get_logger(component="automations")
TRIGGERED = "prefect.automation.triggered"
LOOKBACK = timedelta(days=1)  # a database's first hearing reads this far back (Prefect keeps events 7 days)
SLACK = timedelta(minutes=1)  # events are stored in batches: read again this far behind the newest heard
# A Late run is over when it reaches any other state (taken by a worker, cancelled, rescheduled).
NOT_LATE = frozenset(
    f"prefect.flow-run.{state}"
    for state in ("Scheduled", "Pending", "Running", "Completed", "Failed", "Crashed", "Cancelled", "Cancelling")
) | {"prefect.flow-run.Paused", "prefect.flow-run.Suspended"}


def automation_names(pool: str) -> dict[str, AlertKind]:
    """The automations' names (one set per work pool, so installations may share a Prefect server)."""
    return {
        f"fengqiao {pool}: case run crashed": AlertKind.RUN_CRASHED,
        f"fengqiao {pool}: case run late": AlertKind.RUN_LATE,
        f"fengqiao {pool}: no worker heartbeat": AlertKind.POOL_NO_HEARTBEAT,
    }


def automations(pool: str, late_minutes: float) -> list[AutomationCore]:
    """The three automations of a pool, as data."""
    case_runs: dict[str, str | list[str]] = {
        "prefect.resource.id": "prefect.flow-run.*",
        "prefect.resource.name": "case-*",
    }
    on_pool: dict[str, str | list[str]] = {"prefect.resource.role": "work-pool", "prefect.resource.name": pool}
    triggers = {
        AlertKind.RUN_CRASHED: EventTrigger(
            match=ResourceSpecification(case_runs),
            match_related=ResourceSpecification(on_pool),
            expect={"prefect.flow-run.Crashed"},
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        AlertKind.RUN_LATE: EventTrigger(
            match=ResourceSpecification(case_runs),
            match_related=ResourceSpecification(on_pool),
            after={"prefect.flow-run.Late"},
            expect=set(NOT_LATE),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(minutes=late_minutes),
        ),
        AlertKind.POOL_NO_HEARTBEAT: EventTrigger(
            match=ResourceSpecification({"prefect.resource.id": "prefect.work-pool.*", "prefect.resource.name": pool}),
            expect={"prefect.work-pool.not-ready"},
            posture=Posture.Reactive,
            threshold=1,
        ),
    }
    described = {
        AlertKind.RUN_CRASHED: "A case run crashed: the dashboard's alerts page shows it (fengqiao).",
        AlertKind.RUN_LATE: f"A case run Late for more than {late_minutes:g} minutes: shown as an alert (fengqiao).",
        AlertKind.POOL_NO_HEARTBEAT: f"No worker heartbeat in work pool {pool}: shown as an alert (fengqiao).",
    }
    return [
        AutomationCore(
            name=name, description=described[kind], enabled=True, trigger=triggers[kind], actions=[DoNothing()]
        )
        for name, kind in automation_names(pool).items()
    ]


def _shape(automation: AutomationCore) -> dict[str, Any]:
    """What an automation does, without the ids Prefect gives its trigger."""
    shape = AutomationCore.model_validate(automation.model_dump(include=set(AutomationCore.model_fields)))
    return shape.model_dump(exclude={"trigger": {"id"}})  # Python values: sets compare as sets, in any order


def apply_automations(client: SyncPrefectClient, pool: str, late_minutes: float) -> list[tuple[str, str]]:
    """Create each automation missing, update each changed (one per name); (name, what was done)."""
    done = []
    for wanted in automations(pool, late_minutes):
        found = client.read_automations_by_name(wanted.name)
        for extra in found[1:]:
            client.delete_automation(extra.id)
        if not found:
            client.create_automation(wanted)
            done.append((wanted.name, "created"))
        elif _shape(found[0]) != _shape(wanted):
            client.update_automation(found[0].id, wanted)
            done.append((wanted.name, "updated"))
        else:
            done.append((wanted.name, "unchanged"))
        if found[1:] or done[-1][1] != "unchanged":
            log.info("prefect.automation.applied", automation=wanted.name, done=done[-1][1], removed=len(found[1:]))
    return done


def _case_no(client: SyncPrefectClient, payload: dict[str, Any]) -> str | None:
    """The case number of the run that fired it (its name is case-<case_no>), from the firing event."""
    name = ((payload.get("triggering_event") or {}).get("resource") or {}).get("prefect.resource.name")
    if name is None:  # a proactive firing may carry no event: its label names the run
        run_id = (payload.get("triggering_labels") or {}).get("prefect.resource.id", "")
        if not run_id.startswith("prefect.flow-run."):
            return None
        try:
            name = client.read_flow_run(UUID(run_id.removeprefix("prefect.flow-run."))).name
        except ObjectNotFound:  # deleted since: no case to show it on (and no reason to ask again)
            return None
    return name.removeprefix("case-") if name.startswith("case-") else None


def hear(pool: str | None = None) -> list[int]:
    """Raise an alert for each firing of the pool's automations not heard yet; the alerts raised.

    Run by the sweep (one at a time across workers), so a firing becomes an alert whether or not
    anyone has the alerts page open. It reads on from the newest firing heard (stored: a restart
    neither repeats nor skips one), a minute behind it since Prefect stores events in batches;
    each firing is then one transaction, by its event id (services.alerts.hear_firing). An error
    from Prefect stops the hearing: the next sweep reads on from the last firing heard."""
    s = get_settings()
    pool = pool or s.work_pool
    names = automation_names(pool)
    until, _ = firings_heard(pool, [])
    since = (until or now() - LOOKBACK) - SLACK
    wanted = EventFilter(
        occurred=EventOccurredFilter.model_validate({"since": since, "until": now() + SLACK}),
        event=EventNameFilter(name=[TRIGGERED]),
        resource=EventResourceFilter(
            id_prefix=["prefect.automation."], labels=ResourceSpecification({"prefect.resource.name": list(names)})
        ),
        order=EventOrder.ASC,
    )
    raised = []
    with get_client(sync_client=True) as client:
        page = client.read_events(wanted, limit=50)  # the most Prefect answers a page
        events = list(page.events)
        while page.next_page:
            page = client.read_events_page(str(page.next_page))
            events += page.events
        _, known = firings_heard(pool, [str(e.id) for e in events])
        for event in events:
            if str(event.id) in known:
                continue
            kind = names[event.resource.name or ""]
            case_no = None if kind is AlertKind.POOL_NO_HEARTBEAT else _case_no(client, event.payload)
            firing = Firing(str(event.id), pool, kind, case_no, event.occurred)
            if (alert_id := hear_firing(firing, late_minutes=s.late_run_minutes)) is not None:
                raised.append(alert_id)
                log.warning("prefect.alert.raised", kind=kind.value, alert_id=alert_id, prefect_event=str(event.id))
    return raised

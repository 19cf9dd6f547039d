"""结果同悉: queue a closed case's result for its channel with the closing move, then deliver it.

The notice is written in the transaction that closes the case, so a crash can neither lose it nor
send it for a case that did not close. Delivery is at least once: a failed attempt is retried
with a doubling delay by the worker's sweep; the Idempotency-Key lets the channel drop repeats.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fengqiao.channels.senders import ResultSender, WebhookSender
from fengqiao.config.logging import get_logger
from fengqiao.config.settings import get_settings
from fengqiao.db import outbox, webhook_targets
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.result_notice import idempotency_key, next_attempt, owes_result, result_body
from fengqiao.models.result_targets import RegisteredTarget, target_for
from fengqiao.models.transitions import Moved
from fengqiao.models.vocabulary import Channel, InputKind, Outcome
from fengqiao.services.context import CaseContext
from fengqiao.services.runtime import engine, now

LEASE = timedelta(minutes=5)  # an attempt that crashes mid-send is retried after this


def queue_result(ctx: CaseContext, moved: Moved) -> None:
    """The `also` of the closing step: runs inside its transaction."""
    before, (_, record) = ctx.case, moved
    if not owes_result(before):
        return
    last = ctx.inputs.get((InputKind.OUTCOME, before.attempt))
    outcome = Outcome(last.value) if last and last.value in Outcome.__members__.values() else None
    body = result_body(before, channel_ref=before.channel_ref, outcome=outcome, closed_at=record.at)
    outbox.queue_notice(
        ctx.conn, case_id=before.id, channel=before.channel, key=idempotency_key(before), body=body, at=record.at
    )


def sender_for(notice: outbox.Notice, registered: list[RegisteredTarget]) -> ResultSender | None:
    """The target of a key that may receive this case's result (models.result_targets), else the
    channel's in the settings; every delivery is held to the same address rule as registration."""
    s = get_settings()
    chosen = target_for(registered, area_code=notice.area_code, org_code=notice.org_code, sent_by=notice.sent_by)
    url = chosen.url if chosen else s.result_webhooks.get(Channel(notice.channel))
    if url is None:
        return None
    secret = s.result_webhook_secret.get_secret_value() if s.result_webhook_secret else None
    return WebhookSender(str(url), secret, allow_private=s.allow_private_webhooks)


def deliver_due(*, case_id: int | None = None) -> dict[str, int]:
    """One attempt for each notice due now; counts of delivered, failed, refused and waiting for a target."""
    counts = {"delivered": 0, "failed": 0, "refused": 0, "no_target": 0}
    at = now()
    with UnitOfWork(engine()) as uow:
        due = outbox.due_notices(uow.conn, at=at, case_id=case_id)
        registered = {c: webhook_targets.for_channel(uow.conn, c) for c in {n.channel for n in due}}
    for notice in due:
        sender = sender_for(notice, registered[notice.channel])
        if sender is None:
            counts["no_target"] += 1  # stays pending: a target that may receive it sends it
            continue
        with UnitOfWork(engine()) as uow:
            leased = outbox.lease(uow.conn, notice, until=at + LEASE)
            uow.commit()
        if not leased:
            continue  # another sender took it
        sent = sender.send(notice.body, idempotency_key=notice.idempotency_key)
        done = now()
        retry_at = next_attempt(notice.attempts + 1, first_delay_seconds=get_settings().result_retry_seconds, at=done)
        with UnitOfWork(engine()) as uow:
            outbox.record_attempt(
                uow.conn,
                notice,
                at=done,
                target=sent.target,
                status_code=sent.status_code,
                error=sent.error,
                duration=timedelta(seconds=sent.seconds),
                delivered=sent.delivered,
                retry_at=retry_at,
            )
            uow.commit()
        counts["delivered" if sent.delivered else "refused" if sent.refused else "failed"] += 1
        get_logger(component="result_back").info(
            "case.result.delivery",
            case_id=notice.case_id,
            channel=notice.channel,
            delivered=sent.delivered,
            refused=sent.refused,
            status_code=sent.status_code,
            attempt=notice.attempts + 1,
        )
    return counts


def notices(*, pending_only: bool = False) -> list[dict[str, Any]]:
    """Results owed back to the channels, with every delivery attempt (`fengqiao notices`)."""
    with UnitOfWork(engine()) as uow:
        return [n for n in outbox.notices(uow.conn) if not pending_only or n["status"] == "pending"]

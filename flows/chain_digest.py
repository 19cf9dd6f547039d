"""The daily chain digest (services/chain_digest.py): every case's chain heads written to a file and
its root posted to a receiver outside fengqiao, so tampering shows against a copy held elsewhere.

A Prefect flow run by the workers on a schedule (00:30 China time, runs/deployments.py) and runnable
once with `fengqiao audit digest`. A post that is not acknowledged is retried, then fails the run
where people look (the file is written all the same).
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from fengqiao.config.logging import get_logger
from fengqiao.models.clocks import CST
from fengqiao.services.chain_digest import Digest, post_digest, write_digest
from fengqiao.services.runtime import now
from fengqiao.tasks.withheld import withheld

log = get_logger(component="chain_digest")


@task(name="write-chain-digest")
@withheld
def write() -> Digest:
    digest = write_digest(at=now())
    log.info(
        "audit.digest.written", file=str(digest.path), chains=digest.summary["chains"], root=digest.summary["root"]
    )
    return digest


@task(name="post-chain-digest", retries=2, retry_delay_seconds=60)
@withheld
def post(digest: Digest) -> int | None:
    sent = post_digest(digest)
    if sent is None:
        log.warning("audit.digest.not_posted", reason="FENGQIAO_AUDIT_DIGEST_WEBHOOK is not set")
        return None
    log.info("audit.digest.posted", status_code=sent.status_code, root=digest.summary["root"])
    return sent.status_code


@flow(
    name="chain-digest",
    flow_run_name=lambda: f"chain-digest-{now().astimezone(CST).date()}",  # the China day it covers
    log_prints=False,
    persist_result=False,
)
@withheld
def chain_digest() -> dict[str, Any]:
    digest = write()
    return {**digest.summary, "file": str(digest.path), "posted": post(digest)}

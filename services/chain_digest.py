"""The daily digest of every chain's head (models.evidence), written to a file and its root posted
to a receiver outside fengqiao, so that a chain rewritten whole, hashes and all, still shows:
`fengqiao audit verify --digest FILE` holds the database against the file, and the file's root
against the copy the receiver keeps.

The post carries the summary only (format, day, instant, number of chains, root): the heads of a
million cases are a file of some hundred megabytes, and the root commits to every one of them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fengqiao.channels.senders import Sent, WebhookSender
from fengqiao.config.settings import get_settings
from fengqiao.db import evidence
from fengqiao.models.clocks import CST
from fengqiao.models.errors import NotDelivered
from fengqiao.models.evidence import canonical, digest_summary
from fengqiao.services.runtime import engine


@dataclass(frozen=True)
class Digest:
    path: Path
    summary: dict[str, Any]


def write_digest(*, at: datetime, folder: Path | None = None) -> Digest:
    """Every chain's head as it stands, one line each, then the summary; the file appears whole or not at all."""
    folder = folder or get_settings().digest_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"chain-digest-{at.astimezone(CST):%Y-%m-%dT%H%M%S}.jsonl"
    partial = path.with_suffix(".partial")
    root, chains = hashlib.sha256(), 0
    with evidence.reading(engine()) as conn, partial.open("wb") as f:
        for head in evidence.heads(conn):  # one statement: one snapshot of every head
            line = head.line()
            f.write(line)
            root.update(line)
            chains += 1
        summary = digest_summary(day=f"{at.astimezone(CST):%Y-%m-%d}", at=at, chains=chains, root=root.hexdigest())
        f.write(canonical(summary) + b"\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
    return Digest(path, summary)


def post_digest(digest: Digest) -> Sent | None:
    """The summary to FENGQIAO_AUDIT_DIGEST_WEBHOOK (None: none configured); NotDelivered unless acknowledged (2xx).

    The address rule is the results' (models.addresses): loopback and private targets only with
    FENGQIAO_ALLOW_PRIVATE_WEBHOOKS. The Idempotency-Key is the root, so a retry is one digest.
    """
    s = get_settings()
    if s.audit_digest_webhook is None:
        return None
    secret = s.audit_digest_secret.get_secret_value() if s.audit_digest_secret else None
    sender = WebhookSender(str(s.audit_digest_webhook), secret, allow_private=s.allow_private_webhooks)
    body = {**digest.summary, "file": digest.path.name}
    sent = sender.send(body, idempotency_key=f"chain-digest:{digest.summary['root']}")
    if not sent.delivered:
        raise NotDelivered(f"the chain digest {digest.path.name} was not acknowledged: {sent.error}", field="webhook")
    return sent

"""Verifying the cases' hash chains (models.evidence): `fengqiao audit verify` and the dashboard's
case page. Every row's hash is recomputed from its stored content and held against the stored
row before it; a timeline must reach its case's version; a kept digest's heads must still be there.

Each chain is reported at its first broken link only: a link after it may be sound again (a row
changed in place breaks only itself), but the chain is no longer evidence from that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fengqiao.db import cases as case_store
from fengqiao.db import evidence
from fengqiao.db.uow import Connection
from fengqiao.models.clocks import CST
from fengqiao.models.errors import InvalidInput
from fengqiao.models.evidence import (
    DIGEST_FORMAT,
    Break,
    Chain,
    Head,
    broken_link,
    digest_mismatch,
    head_of,
    missing_tail,
)
from fengqiao.services.runtime import engine


@dataclass
class Verification:
    breaks: list[Break] = field(default_factory=list)
    cases: int = 0  # cases with at least one row checked
    rows: dict[Chain, int] = field(default_factory=lambda: dict.fromkeys(Chain, 0))
    digest_heads: int = 0  # heads of a kept digest held against the database

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(*, case: str | None = None, since: date | None = None, digest: Path | None = None) -> Verification:
    """Recompute the chains (one case's, or all; rows written from `since`, a China-time day on)."""
    start = datetime.combine(since, time(), tzinfo=CST) if since else None
    with evidence.reading(engine()) as conn:
        case_id = case_store.find_case(conn, case).id if case else None
        found = Verification()
        seen: set[int] = set()
        for chain in Chain:
            _check_chain(conn, chain, found, seen, case_id=case_id, since=start)
        if start is None:
            for cid, case_no, version in evidence.cases_without_timeline(conn, case_id=case_id):
                if gap := missing_tail(None, version):
                    found.breaks.append(Break(cid, case_no, Chain.TIMELINE, *gap))
        if digest is not None:
            _hold_against_digest(conn, digest, found, case_id=case_id)
    found.cases = len(seen)
    return found


def verify_case(case_id: int) -> Verification:
    """One case's two chains, for its page."""
    with evidence.reading(engine()) as conn:
        found = Verification()
        seen: set[int] = set()
        for chain in Chain:
            _check_chain(conn, chain, found, seen, case_id=case_id, since=None)
    found.cases = len(seen)
    return found


def _check_chain(
    conn: Connection, chain: Chain, found: Verification, seen: set[int], *, case_id: int | None, since: datetime | None
) -> None:
    broken: set[int] = set()
    current: tuple[int, str | None, int] | None = None  # case id, number, version
    last_seq: int | None = None

    def tail_checked() -> None:
        if chain is not Chain.TIMELINE or current is None or current[0] in broken:
            return
        if gap := missing_tail(last_seq, current[2]):
            found.breaks.append(Break(current[0], current[1], chain, *gap))

    for row in evidence.chain_rows(conn, chain, case_id=case_id, since=since):
        cid = row["case_id"]
        if current is None or cid != current[0]:
            tail_checked()
            current, last_seq = (cid, row["case_no"], row["version"]), None
            seen.add(cid)
        found.rows[chain] += 1
        last_seq = row["seq"]
        if cid in broken:
            continue
        if wrong := broken_link(chain, row, before_seq=row["before_seq"], before_hash=row["before_hash"]):
            found.breaks.append(Break(cid, row["case_no"], chain, *wrong))
            broken.add(cid)
    tail_checked()


def _digest_summary(path: Path) -> dict[str, Any]:
    """The digest's last line, once the lines before it hash to the root it states."""
    root, last = hashlib.sha256(), b""
    try:
        with path.open("rb") as f:
            for line in f:
                root.update(last)
                last = line
    except OSError as exc:
        raise InvalidInput(f"cannot read the digest {path}: {exc.strerror}", field="digest") from None
    try:
        summary = json.loads(last)
    except ValueError:
        summary = None
    if not isinstance(summary, dict) or summary.get("format") != DIGEST_FORMAT:
        raise InvalidInput(
            f"{path} is not a chain digest ({DIGEST_FORMAT}): its last line is no summary", field="digest"
        )
    if root.hexdigest() != summary.get("root"):
        raise InvalidInput(
            f"digest {path}: its lines hash to {root.hexdigest()[:12]}…, not to the root it states "
            f"{str(summary.get('root'))[:12]}…: the file was changed",
            field="digest",
        )
    return summary


def _digest_heads(path: Path) -> Iterator[Head]:
    """The heads in the order kept (by case, then chain), the summary line left out."""
    last: tuple[int, str] | None = None
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            try:
                obj = json.loads(line)
                if "format" in obj:
                    return
                head = head_of(obj)
            except (KeyError, TypeError, ValueError):
                raise InvalidInput(f"digest {path} line {number}: not a chain head", field="digest") from None
            if last is not None and (head.case_id, head.chain.value) <= last:
                raise InvalidInput(f"digest {path} line {number}: heads out of order", field="digest")
            last = (head.case_id, head.chain.value)
            yield head


def _hold_against_digest(conn: Connection, path: Path, found: Verification, *, case_id: int | None) -> None:
    """Each kept head against the row the database holds at its (case, chain, seq): both come in
    the same order, so one pass over each, whatever their size."""
    summary = _digest_summary(path)
    stored = evidence.stored_links(conn, case_id=case_id)
    row = next(stored, None)
    for head in _digest_heads(path):
        if case_id is not None and head.case_id != case_id:
            continue
        found.digest_heads += 1
        key = (head.case_id, head.chain.value, head.seq)
        while row is not None and (row[0], row[1].value, row[2]) < key:
            row = next(stored, None)
        there = row is not None and (row[0], row[1].value, row[2]) == key
        if wrong := digest_mismatch(head, (row[3] or "") if row is not None and there else None):
            what = f"against the digest of {summary['day']}: {wrong}"
            found.breaks.append(Break(head.case_id, head.case_no, head.chain, head.seq, what))

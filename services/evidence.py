"""Verifying the cases' hash chains (models.evidence): `fengqiao audit verify` and the dashboard's
case page. Every row's hash is recomputed from its stored content and held against the stored
row before it; a timeline must run exactly to its case's version and end at its case's status; a
kept digest's heads must still be there (services/digest_check.py).

Each chain is reported at its first broken link only: a link after it may be sound again (a row
changed in place breaks only itself), but the chain is no longer evidence from that point.
`at` never going back is checked between rows written since migration 0016 (recorded_at set):
rows before it were never held to it (readers racing for the log's lock could be dated out of order).
`--since` chooses the cases by when their rows were recorded (the database's clock on PostgreSQL,
which the application's role cannot set), never by `at`, which any writer chooses; each chosen
case's chains are then verified whole, from seq 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fengqiao.db import cases as case_store
from fengqiao.db import evidence
from fengqiao.db.uow import Connection
from fengqiao.models.clocks import CST
from fengqiao.models.evidence import Before, Break, Chain, broken_link, start_hash, wrong_length, wrong_status
from fengqiao.services import digest_check
from fengqiao.services.runtime import engine, now


@dataclass
class Verification:
    breaks: list[Break] = field(default_factory=list)
    cases: int = 0  # cases with at least one row checked
    rows: dict[Chain, int] = field(default_factory=lambda: dict.fromkeys(Chain, 0))
    digest_heads: int = 0  # heads of a kept digest held against the database
    digest_root: str = ""  # the kept digest's root, for a person to compare with the receiver's copy

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify(*, case: str | None = None, since: date | None = None, digest: Path | None = None) -> Verification:
    """Recompute the chains: one case's, those of the cases with a row recorded from `since` (a
    China-time day) on, or all; then hold the database against a kept digest, read whole first."""
    kept = digest_check.read_digest(digest) if digest is not None else None
    with evidence.reading(engine()) as conn:
        case_id = case_store.find_case(conn, case).id if case else None
        if case_id is not None:
            cases_of: Any = [case_id]
        elif since is not None:
            cases_of = evidence.recorded_since(datetime.combine(since, time(), tzinfo=CST))
        else:
            cases_of = None
        found = _verified(conn, cases_of=cases_of, without_timeline=[case_id] if case_id is not None else None)
        if kept is not None:
            found.digest_heads = digest_check.hold_against(conn, kept, found.breaks, case_id=case_id)
            found.digest_root = kept.summary.root
    return found


def verify_case(case_id: int) -> Verification:
    """One case's two chains, for its page: a case without a timeline is broken as on the command line."""
    with evidence.reading(engine()) as conn:
        return _verified(conn, cases_of=[case_id], without_timeline=[case_id])


def _verified(conn: Connection, *, cases_of: Any, without_timeline: list[int] | None) -> Verification:
    """The chains of the cases `cases_of` selects (None: every case); every case without a
    timeline among `without_timeline` (None: every case) is broken too."""
    found = Verification()
    seen: set[int] = set()
    at = now()
    for chain in Chain:
        _check_chain(conn, chain, found, seen, cases_of=cases_of, now=at)
    for cid, case_no, version in evidence.cases_without_timeline(conn, cases_of=without_timeline):
        if gap := wrong_length(None, version):
            found.breaks.append(Break(cid, case_no, Chain.TIMELINE, *gap))
    found.cases = len(seen)
    return found


def _check_chain(
    conn: Connection, chain: Chain, found: Verification, seen: set[int], *, cases_of: Any, now: datetime
) -> None:
    broken: set[int] = set()
    current: tuple[int, str | None, int, object] | None = None  # case id, number, version, status
    before: Before | None = None
    to_status: object = None  # the last sound transition's
    start = ""

    def tail_checked() -> None:
        if chain is not Chain.TIMELINE or current is None or current[0] in broken:
            return
        if gap := wrong_length(before.seq if before else None, current[2]):
            found.breaks.append(Break(current[0], current[1], chain, *gap))
        elif before is not None and (moved := wrong_status(before.seq, to_status, current[3])):
            found.breaks.append(Break(current[0], current[1], chain, *moved))

    for row in evidence.chain_rows(conn, chain, cases_of=cases_of):
        cid = row["case_id"]
        if current is None or cid != current[0]:
            tail_checked()
            current, before = (cid, row["case_no"], row["version"], row["case_status"]), None
            start = start_hash(chain, cid, row["case_no"])
            seen.add(cid)
        found.rows[chain] += 1
        if cid in broken:
            continue
        recorded = row["recorded_at"] is not None  # written since 0016: held to the order in time
        held = before if recorded or before is None else Before(before.seq, before.hash, None)
        if wrong := broken_link(chain, row, before=held, start=start, now=now):
            found.breaks.append(Break(cid, row["case_no"], chain, *wrong))
            broken.add(cid)
            continue
        before = Before(row["seq"], row["row_hash"], row["at"] if recorded else None)
        to_status = row.get("to_status")
    tail_checked()

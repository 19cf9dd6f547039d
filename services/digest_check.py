"""Holding the database against a kept chain digest (`fengqiao audit verify --digest FILE`), both
ways: every head in the file must still be in the database, with its hash and its case's number,
and every chain the database held when the digest was taken must be in the file.

The file is read once, whole, and checked line by line (models/digest_file.py) before the database is
read at all: a line fengqiao would not write refuses the file, naming the line (the CLI exits 2),
rather than checking what came before it. Its lines must hash to the root it states; that root is
what the receiver's copy is compared with, by whoever holds it.

"Held when the digest was taken": a chain whose first row was recorded (the database's clock on
PostgreSQL) more than GRACE before the digest's instant. A writer's transaction still open at the
snapshot commits rows recorded before it; fengqiao's transactions last seconds, so a minute is ample.
Nor is any row's `at`, which a writer chooses, trusted alone: a chain missing from the file whose
first row is dated before the digest, or a row past a kept head dated before it, is reported too
(backdated into the digested period).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from fengqiao.db import evidence
from fengqiao.db.uow import Connection
from fengqiao.models.digest_file import Malformed, Summary, head_line, summary_line
from fengqiao.models.errors import InvalidInput
from fengqiao.models.evidence import Break, Chain, Head, digest_mismatch, instant

GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Kept:
    path: Path
    summary: Summary
    lines: list[bytes]  # the file's lines as read (once) and hashed

    def heads(self) -> Iterator[Head]:
        """The heads in the order kept (by case, then chain), already found well-formed."""
        for line in self.lines[: self.summary.chains]:
            yield head_line(line)


def _refused(path: Path, what: str) -> InvalidInput:
    return InvalidInput(f"digest {path}: {what}", field="digest")


def read_digest(path: Path) -> Kept:
    """The digest, once every line is what fengqiao writes, in order, and the lines hash to its root.
    The file is read once: what is hashed and checked is what the database is then held against."""
    try:
        lines = path.read_bytes().splitlines(keepends=True)
    except OSError as exc:
        raise InvalidInput(f"无法读取摘要文件 cannot read the digest {path}: {exc.strerror}", field="digest") from None
    if not lines:
        raise _refused(path, "文件为空 the file is empty (a digest ends with its summary line)")
    if not lines[-1].strip():
        raise _refused(
            path,
            f"line {len(lines)}: 摘要行之后有空行 a blank line after the summary (a digest ends with its summary line)",
        )
    root, order, number = hashlib.sha256(), None, len(lines)
    for n, line in enumerate(lines[:-1], start=1):
        order = _next_head(path, n, line, order)
        root.update(line)
    try:
        summary = summary_line(lines[-1])
    except Malformed as exc:
        raise _refused(path, f"line {number}: 格式不对 {exc}") from None
    if summary.chains != number - 1:
        raise _refused(
            path,
            f"line {number}: 摘要行记的链数与文件不符 "
            f"the summary counts {summary.chains} chains, the file holds {number - 1}",
        )
    if root.hexdigest() != summary.root:
        raise _refused(
            path,
            f"文件已被改动 its lines hash to {root.hexdigest()[:12]}…, not to the root it states {summary.root[:12]}…: "
            "the file was changed",
        )
    return Kept(path, summary, lines)


def _next_head(path: Path, number: int, line: bytes, order: tuple[int, str] | None) -> tuple[int, str]:
    try:
        head = head_line(line)
    except Malformed as exc:
        raise _refused(path, f"line {number}: 格式不对 {exc}") from None
    key = (head.case_id, head.chain.value)
    if order is not None and key <= order:
        raise _refused(
            path,
            f"line {number}: 链头顺序不对 "
            f"heads out of order (case {head.case_id} {head.chain} after case {order[0]} {order[1]})",
        )
    return key


def _dated_before(row: Mapping[str, Any], cutoff: datetime) -> bool:
    return isinstance(row["at"], datetime) and row["at"] < cutoff


def hold_against(conn: Connection, kept: Kept, breaks: list[Break], *, case_id: int | None) -> int:
    """Each kept head against the row the database holds at its (case, chain, seq), and each chain
    in the database against the file: both come in (case, chain) order, so one pass over each,
    whatever their size. Appends what differs to `breaks`; answers the heads held."""
    day = kept.summary.day
    cutoff = kept.summary.at - GRACE
    heads = (h for h in kept.heads() if case_id is None or h.case_id == case_id)
    head, held = next(heads, None), 0

    def against(h: Head, what: str) -> None:
        breaks.append(Break(h.case_id, h.case_no, h.chain, h.seq, f"against the digest of {day}: {what}"))

    stored = evidence.stored_links(conn, case_id=case_id)
    for key, group in groupby(stored, key=lambda r: (r["case_id"], r["chain"])):
        while head is not None and (head.case_id, head.chain.value) < key:
            against(head, "in the digest, missing from the database")
            head, held = next(heads, None), held + 1
        rows = list(group)
        first = rows[0]
        if head is not None and (head.case_id, head.chain.value) == key:
            there = next((r for r in rows if r["seq"] == head.seq), None)
            stored_hash = (there["row_hash"] or "") if there is not None else None
            if wrong := digest_mismatch(head, stored_hash, there["case_no"] if there is not None else None):
                against(head, wrong)
            elif later := next((r for r in rows if r["seq"] > head.seq and _dated_before(r, cutoff)), None):
                breaks.append(
                    Break(
                        head.case_id,
                        head.case_no,
                        head.chain,
                        later["seq"],
                        f"against the digest of {day}: dated {instant(later['at'])}, before the digest's "
                        f"{instant(kept.summary.at)}, yet beyond its head seq {head.seq} (backdated)",
                    )
                )
            head, held = next(heads, None), held + 1
        elif first["recorded_at"] is None or first["recorded_at"] < cutoff or _dated_before(first, cutoff):
            if first["recorded_at"] is None or first["recorded_at"] < cutoff:
                began = f"recorded {instant(first['recorded_at'])}" if first["recorded_at"] else "recorded when unknown"
            else:  # recorded since, dated before: backdated into the digested period
                began = f"dated {instant(first['at'])}"
            breaks.append(
                Break(
                    first["case_id"],
                    first["case_no"],
                    Chain(key[1]),
                    first["seq"],
                    f"against the digest of {day}: missing from the digest, though its seq {first['seq']} was "
                    f"{began}, before the digest's {instant(kept.summary.at)}",
                )
            )
    while head is not None:
        against(head, "in the digest, missing from the database")
        head, held = next(heads, None), held + 1
    return held

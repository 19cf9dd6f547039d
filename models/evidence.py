"""Evidence-grade history: each case's timeline and access log are hash chains anyone can recompute.

Why: the tables are append-only by trigger, but whoever holds the database owner's role can still
change, delete or truncate rows unseen. Each row therefore carries `row_hash`, a SHA-256 over its
content and `prev_hash` (the hash of the row before it in the same chain), so a changed or
deleted row breaks the chain at a place `fengqiao audit verify` names; a daily digest of every
chain's head, held elsewhere, catches a chain rewritten whole.

The chains. Per case there are two: `transitions` (the timeline, ordered by `seq`, the case
version each row produced) and `access_log` (who read the case's personal data, ordered by its
own `seq`, 1, 2, 3, … per case). The first row of a chain has `prev_hash` = 64 zeros.

The canonical serialisation (what an outside auditor recomputes):

    row_hash = lowercase hex SHA-256 of the UTF-8 bytes of the JSON object
      {"chain": <"transitions" | "access_log">, "prev_hash": <64 hex>, <the content fields>}
    written with keys sorted, no whitespace (separators "," and ":"), non-ASCII characters as
    themselves (not \\u escapes), null for an empty column: RFC 8785 (JCS) for these values.

    content fields of a transition: case_id, seq (integers), at, from_status, to_status, stage,
      actor, reason, note, org_code, rule, flow_run_id (strings or null)
    content fields of an access-log row: case_id, seq, key_id (integers), at, key_name, role,
      action, reason (strings), fields (a list of strings, in stored order)
    `at` is the instant in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ (always six fraction digits).

e.g. in Python: hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False).encode()).hexdigest(). Row ids are not part of it: (case_id, seq) names a row.

The daily digest is a JSON-lines file: one line per chain head, {"case_id", "case_no", "chain",
"seq", "hash"} in the same serialisation, ordered by case_id then chain, and a last line
{"format", "day", "at", "chains", "root"} whose root is the SHA-256 of every byte before it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64
DIGEST_FORMAT = "fengqiao-chain-digest/1"


class Chain(StrEnum):
    TIMELINE = "transitions"
    ACCESS = "access_log"


CONTENT: dict[Chain, tuple[str, ...]] = {
    Chain.TIMELINE: (
        "case_id",
        "seq",
        "at",
        "from_status",
        "to_status",
        "stage",
        "actor",
        "reason",
        "note",
        "org_code",
        "rule",
        "flow_run_id",
    ),
    Chain.ACCESS: ("case_id", "seq", "at", "key_id", "key_name", "role", "action", "fields", "reason"),
}


def instant(at: datetime) -> str:
    """UTC, microseconds always written; a naive value is UTC already (as the database gives it back)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds") + "Z"


def canonical(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(chain: Chain, row: Mapping[str, Any], prev_hash: str) -> str:
    """The row_hash of a row with this content after a row whose hash is prev_hash. The values are
    JSON as they are (a StrEnum is its string, a list of fields a list); only `at` needs writing out."""
    obj = {name: row[name] for name in CONTENT[chain]}
    obj["at"] = instant(row["at"])
    obj["chain"] = chain.value
    obj["prev_hash"] = prev_hash
    return hashlib.sha256(canonical(obj)).hexdigest()


def chained(chain: Chain, row: Mapping[str, Any], prev_hash: str) -> dict[str, Any]:
    """The row as it is stored: its content, prev_hash and row_hash."""
    return {**row, "prev_hash": prev_hash, "row_hash": link_hash(chain, row, prev_hash)}


@dataclass(frozen=True)
class Break:
    """The first broken link of one chain: where, and what differs."""

    case_id: int
    case_no: str | None
    chain: Chain
    seq: int
    what: str

    def __str__(self) -> str:
        return f"case {self.case_no or self.case_id}, {self.chain} seq {self.seq}: {self.what}"


def _short(h: str | None) -> str:
    return f"{h[:12]}…" if h else "none"


def broken_link(
    chain: Chain, row: Mapping[str, Any], *, before_seq: int | None, before_hash: str | None
) -> tuple[int, str] | None:
    """What is wrong with a stored row and its link to the stored row before it (None: nothing).

    `before_*` describe the row before it in the chain as stored (None: it is the first).
    Answers the seq to report and what differs: a missing row is reported at its own seq.
    """
    if row["seq"] is None:
        return 0, f"a row without seq (id {row.get('id')}): written outside the chain"
    seq = int(row["seq"])
    if before_seq is None and seq != 1:
        return 1, f"missing (the chain starts at seq {seq})"
    if before_seq is not None and seq != before_seq + 1:
        return before_seq + 1, f"missing (seq {seq} follows seq {before_seq})"
    stored = row.get("row_hash")
    if stored is None:
        return seq, "no hash: written outside the chain"
    expected_prev = before_hash if before_seq is not None else GENESIS
    if row.get("prev_hash") != expected_prev:
        named = f"seq {before_seq}'s hash" if before_seq is not None else "the chain's start"
        return seq, (
            f"prev_hash {_short(row.get('prev_hash'))} is not {named} {_short(expected_prev)}"
            " (the row before it was changed or replaced)"
        )
    computed = link_hash(chain, row, str(row["prev_hash"]))
    if computed != stored:
        return seq, f"content does not match its hash (stored {_short(stored)}, recomputed {_short(computed)})"
    return None


def missing_tail(last_seq: int | None, version: int) -> tuple[int, str] | None:
    """A timeline's last row is the case's version; fewer rows mean the last ones were deleted."""
    last = last_seq or 0
    if last < version:
        return last + 1, f"missing (the case is at version {version}, its timeline ends at seq {last})"
    return None


@dataclass(frozen=True)
class Head:
    case_id: int
    case_no: str | None
    chain: Chain
    seq: int
    hash: str

    def line(self) -> bytes:
        obj = {"case_id": self.case_id, "case_no": self.case_no, "chain": self.chain.value, "seq": self.seq}
        return canonical({**obj, "hash": self.hash}) + b"\n"


def digest_summary(*, day: str, at: datetime, chains: int, root: str) -> dict[str, Any]:
    return {"format": DIGEST_FORMAT, "day": day, "at": instant(at), "chains": chains, "root": root}


def head_of(line: Mapping[str, Any]) -> Head:
    return Head(int(line["case_id"]), line.get("case_no"), Chain(line["chain"]), int(line["seq"]), str(line["hash"]))


def digest_mismatch(kept: Head, stored_hash: str | None) -> str | None:
    """A head kept in a digest against the row the database holds now at its (case, chain, seq)."""
    if stored_hash is None:
        return "in the digest, missing from the database"
    if stored_hash != kept.hash:
        return f"the digest holds hash {_short(kept.hash)}, the database {_short(stored_hash)} (rewritten)"
    return None

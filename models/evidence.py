"""Evidence-grade history: each case's timeline and access log are hash chains anyone can recompute.

Why: the tables are append-only by trigger, but whoever holds the database owner's role can still
change, delete or truncate rows unseen. Each row therefore carries `row_hash`, a SHA-256 over its
content and `prev_hash` (the hash of the row before it in the same chain), so a changed or
deleted row breaks the chain at a place `fengqiao audit verify` names; a daily digest of every
chain's head, held elsewhere, catches a chain rewritten whole.

The chains. Per case there are two: `transitions` (the timeline, ordered by `seq`, the case
version each row produced) and `access_log` (who read the case's personal data, ordered by its
own `seq`, 1, 2, 3, … per case). The first row of a chain has as `prev_hash` the chain's start:
the SHA-256 of {"case_id", "case_no", "chain"} in the serialisation below (migration 0016; before
it, 64 zeros), so a chain is bound to its case's number and two numbers swapped break both chains.

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

A chain verifies when its seqs run 1..n without a gap, every prev_hash is the row before it's
row_hash (the start's for seq 1), every row_hash is recomputed from its content, `at` never goes
back along the chain nor lies ahead of the verification nor more than BACKDATE before the row's
recorded_at (rows written since migration 0016), a timeline's n is its case's version, and its
last to_status is its case's status.

The daily digest is a JSON-lines file (models/digest_file.py reads it back): one line per chain
head, {"case_id", "case_no", "chain", "seq", "hash"} in the same serialisation, ordered by case_id
then chain, and a last line {"format", "day", "at", "chains", "root"} whose root is the SHA-256 of
every byte before it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64  # every chain's start before migration 0016 (what 0011 chained with)
DIGEST_FORMAT = "fengqiao-chain-digest/2"  # /1: written before 0016 re-chained every row
BACKDATE = timedelta(minutes=5)  # how far a row's `at` may lie before its recorded_at (real rows: 5–90 ms)
AHEAD = timedelta(hours=1)  # how far a row's `at` may lie ahead of the verifying clock (clocks drift)


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
    """The bytes hashed. Text fengqiao writes is always UTF-8; a surrogate (SQLite text that was not
    UTF-8, a lone JSON escape) is written out as its code point rather than failing the hash."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


def link_hash(chain: Chain, row: Mapping[str, Any], prev_hash: str) -> str:
    """The row_hash of a row with this content after a row whose hash is prev_hash. The values are
    JSON as they are (a StrEnum is its string, a list of fields a list); only `at` needs writing out."""
    obj = {name: row[name] for name in CONTENT[chain]}
    obj["at"] = instant(row["at"])
    obj["chain"] = chain.value
    obj["prev_hash"] = prev_hash
    return hashlib.sha256(canonical(obj)).hexdigest()


def start_hash(chain: Chain, case_id: int, case_no: str | None) -> str:
    """The prev_hash of a chain's first row: the case's id and number, so that a chain read under
    another number (cases.case_no swapped or rewritten) no longer starts where it did."""
    return hashlib.sha256(canonical({"case_id": case_id, "case_no": case_no, "chain": chain.value})).hexdigest()


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
        shown = f"case {self.case_no or self.case_id}, {self.chain} seq {self.seq}: {self.what}"
        return shown.encode("utf-8", "backslashreplace").decode("utf-8")  # undecodable text shown as escapes


def _short(h: str | None) -> str:
    return f"{h[:12]}…" if h else "none"


@dataclass(frozen=True)
class Before:
    """The stored row before the one being checked, as far as the check needs it."""

    seq: int
    hash: str | None
    at: datetime | None


def unreadable(chain: Chain, row: Mapping[str, Any]) -> str | None:
    """Why a stored row cannot be read as a link (None: it can): what the database lets a writer put
    there but fengqiao never writes, which verification reports instead of failing on it."""
    if not isinstance(row["at"], datetime):
        return f"unreadable: at {row.get('at_text')!r} is no instant fengqiao writes"
    for name in CONTENT[chain]:
        value = row[name]
        if name in ("case_id", "seq", "key_id"):
            if not isinstance(value, int) or isinstance(value, bool):
                return f"unreadable: {name} {value!r} is no integer"
        elif name in ("at", "fields"):
            continue
        elif value is not None and not isinstance(value, str):  # SQLite stores a BLOB or number in any column
            return f"unreadable: {name} {_shown(value)} is no text"
        elif isinstance(value, str) and not value.isprintable() and _undecodable(value):
            return f"unreadable: {name} is not valid UTF-8"
    if chain is Chain.ACCESS and not (
        isinstance(row["fields"], list) and all(isinstance(f, str) for f in row["fields"])
    ):
        return f"unreadable: fields {row.get('fields')!r} is no list of field names"
    return None


def _shown(value: object) -> str:
    """A stored value that is not text, as a person reads it: its type and the start of its repr."""
    shown = repr(value)
    return f"({type(value).__name__}) {shown[:40]}{'…' if len(shown) > 40 else ''}"


def _undecodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def broken_link(
    chain: Chain, row: Mapping[str, Any], *, before: Before | None, start: str, now: datetime
) -> tuple[int, str] | None:
    """What is wrong with a stored row and its link to the stored row before it (None: nothing).

    `before` is the row before it in the chain as stored (None: it is the first); `start` the
    chain's start hash; `now` the verification's instant. Answers the seq to report and what
    differs: a missing row is reported at its own seq.
    """
    if row["seq"] is None:
        return 0, f"a row without seq (id {row.get('id')}): written outside the chain"
    at_fault = row["seq"] if isinstance(row["seq"], int) else (before.seq + 1 if before is not None else 1)
    if wrong := unreadable(chain, row):
        return at_fault, f"{wrong} (id {row.get('id')})"
    seq = int(row["seq"])
    if before is None and seq != 1:
        return 1, f"missing (the chain starts at seq {seq})"
    if before is not None and seq != before.seq + 1:
        return before.seq + 1, f"missing (seq {seq} follows seq {before.seq})"
    stored = row.get("row_hash")
    if stored is None:
        return seq, "no hash: written outside the chain"
    expected_prev = before.hash if before is not None else start
    if row.get("prev_hash") != expected_prev:
        named = f"seq {before.seq}'s hash" if before is not None else "the start of this case's chain"
        return seq, (
            f"prev_hash {_short(row.get('prev_hash'))} is not {named} {_short(expected_prev)}"
            + (" (the row before it was changed or replaced)" if before else " (begun under another case number?)")
        )
    computed = link_hash(chain, row, str(row["prev_hash"]))
    if computed != stored:
        return seq, f"content does not match its hash (stored {_short(stored)}, recomputed {_short(computed)})"
    return _out_of_time(row["at"], before, now) or _backdated(seq, row["at"], row.get("recorded_at"))


def _backdated(seq: int, at: datetime, recorded: Any) -> tuple[int, str] | None:
    """A row written since migration 0016 is dated when it was written: `at` is taken a few
    milliseconds before the database records it, never minutes (a row dated into a digested past)."""
    if isinstance(recorded, datetime) and at < recorded - BACKDATE:
        return seq, f"backdated: at {instant(at)} recorded {instant(recorded)}"
    return None


def _out_of_time(at: datetime, before: Before | None, now: datetime) -> tuple[int, str] | None:
    """Rows are written in time order: a row before the one it follows was backdated; one ahead of
    the verifying clock was dated forward (and would make the next true row look backdated)."""
    if before is not None and before.at is not None and at < before.at:
        return before.seq + 1, f"at {instant(at)} is before seq {before.seq}'s {instant(before.at)} (backdated)"
    if at > now + AHEAD:
        seq = before.seq + 1 if before else 1
        return seq, f"at {instant(at)} is ahead of this verification's {instant(now)}"
    return None


def wrong_length(last_seq: int | None, version: int) -> tuple[int, str] | None:
    """A timeline's last row is the case's version, and every case has at least its intake row:
    fewer rows mean the last ones were deleted, more that rows were added past what the case records."""
    last = last_seq or 0
    if last == 0:
        return 1, f"missing (the case has no timeline; it is at version {version}, and begins with its intake row)"
    if last < version:
        return last + 1, f"missing (the case is at version {version}, its timeline ends at seq {last})"
    if last > version:
        return version + 1, f"past the case's version {version} (its timeline runs to seq {last})"
    return None


def wrong_status(last_seq: int, last_to_status: object, status: object) -> tuple[int, str] | None:
    """A case's status is where its timeline's last row took it: a status changed without a timeline
    row (an UPDATE of the case alone) is not on the record the chain vouches for."""
    if status == last_to_status:
        return None
    return (
        last_seq,
        f"the case's status {status} is not its last transition's to_status {last_to_status} "
        "(changed without a timeline row)",
    )


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


def digest_mismatch(kept: Head, stored_hash: str | None, stored_case_no: str | None) -> str | None:
    """A head kept in a digest against the row the database holds now at its (case, chain, seq)."""
    if stored_hash is None:
        return "in the digest, missing from the database"
    if stored_hash != kept.hash:
        return f"the digest holds hash {_short(kept.hash)}, the database {_short(stored_hash)} (rewritten)"
    if stored_case_no != kept.case_no:
        return f"the digest names the case {kept.case_no}, the database {stored_case_no} (renumbered)"
    return None

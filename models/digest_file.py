"""Reading a chain digest back (models.evidence writes it): strictly, line by line, since the file
comes from outside the database and is evidence itself.

Every line must be what fengqiao writes and nothing else: a head {"case_id", "case_no", "chain",
"hash", "seq"} (positive integers, a chain's name, 64 lowercase hex digits, a number or null), in
(case, chain) order, then the summary {"at", "chains", "day", "format", "root"} as the last line
only, each byte for byte as fengqiao writes it (models.evidence.canonical, one "\\n" after each:
no spaces, keys in order, UTF-8 not \\u escapes, no key twice). Anything else is refused naming its
line, never read as far as it goes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fengqiao.models.evidence import DIGEST_FORMAT, Chain, Head, canonical

HEX64 = re.compile(r"[0-9a-f]{64}")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
HEAD_KEYS = {"case_id", "case_no", "chain", "hash", "seq"}
SUMMARY_KEYS = {"at", "chains", "day", "format", "root"}


class Malformed(ValueError):
    """A digest line that is not what fengqiao writes: what is wrong with it."""


@dataclass(frozen=True)
class Summary:
    day: str
    at: datetime
    chains: int
    root: str


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys each appear once: json.loads would keep the last of two silently."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise Malformed(f"the key {key[:40]!r} appears twice")
        obj[key] = value
    return obj


def _object(line: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(line, object_pairs_hook=_once)
    except Malformed:
        raise
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past Python's depth
        raise Malformed("not a JSON object") from None
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    return obj


def _as_written(line: bytes, written: bytes) -> None:
    """The line byte for byte as fengqiao writes it, once its values are found sound: two files with
    the same heads are the same bytes, so their roots agree, and nothing rides along unseen."""
    if line != written:
        raise Malformed(
            "not written as fengqiao writes it (keys sorted, no spaces, UTF-8 rather than \\u escapes, "
            "ending in one \\n)"
        )


def _positive(obj: dict[str, Any], name: str) -> int:
    value = obj[name]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise Malformed(f"{name} {str(value)[:40]!r} is not a positive integer")
    return value


def _hex(obj: dict[str, Any], name: str) -> str:
    value = obj[name]
    if not isinstance(value, str) or not HEX64.fullmatch(value):
        raise Malformed(f"{name} is not 64 lowercase hex digits")
    return value


def head_line(line: bytes) -> Head:
    obj = _object(line)
    if set(obj) != HEAD_KEYS:
        raise Malformed(f"a chain head has exactly the keys {', '.join(sorted(HEAD_KEYS))}")
    if obj["chain"] not in {c.value for c in Chain}:
        raise Malformed(f"chain {str(obj['chain'])[:40]!r} is neither transitions nor access_log")
    case_no = obj["case_no"]
    if case_no is not None and not (isinstance(case_no, str) and len(case_no) <= 32):
        raise Malformed("case_no is not a case number")
    head = Head(_positive(obj, "case_id"), case_no, Chain(obj["chain"]), _positive(obj, "seq"), _hex(obj, "hash"))
    _as_written(line, head.line())
    return head


def summary_line(line: bytes) -> Summary:
    obj = _object(line)
    if obj.get("format") != DIGEST_FORMAT:
        found = obj.get("format")
        if found == "fengqiao-chain-digest/1":
            raise Malformed(
                "a fengqiao-chain-digest/1, written before migration 0016 started each chain from its case's "
                "number: its hashes are of the chains before that"
            )
        raise Malformed(f"the last line is no summary ({DIGEST_FORMAT})")
    if set(obj) != SUMMARY_KEYS:
        raise Malformed(f"the summary has exactly the keys {', '.join(sorted(SUMMARY_KEYS))}")
    if not isinstance(obj["day"], str) or not DAY.fullmatch(obj["day"]):
        raise Malformed("day is not YYYY-MM-DD")
    try:
        at = datetime.strptime(str(obj["at"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        raise Malformed("at is not an instant YYYY-MM-DDTHH:MM:SS.ffffffZ") from None
    chains = obj["chains"]
    if not isinstance(chains, int) or isinstance(chains, bool) or chains < 0:
        raise Malformed("chains is not a count")
    summary = Summary(obj["day"], at, chains, _hex(obj, "root"))
    _as_written(line, canonical(obj) + b"\n")
    return summary

"""What fengqiao tells Prefect about a case (run tags, event payloads): codes only, never free text.

Prefect keeps what it is told for good (a run's tags are copied into every event about the run)
and its API has no authentication, so nothing a channel or a person typed may reach it: a
channel's declared dispute type is free text until triage maps it, and an actor is a key's or a
person's name. Each label is a known code or a fixed word.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from fengqiao.models.case import Case

CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")  # the shape of a dispute-type code (the network's path names)
UNKNOWN = "unknown"  # a declared type the network has no path for: shown as this, never as typed
UNTRIAGED = "untriaged"  # no type declared and none decided yet
PERSON = "person"  # an actor other than fengqiao itself or a channel
MACHINE = re.compile(r"fengqiao(:[a-z_]+)?|channel:[a-z0-9_]+")  # fengqiao, its deadline sweep, a channel


def type_label(case: Case, known_types: Collection[str]) -> str:
    """The case's dispute type if it is one of the network's types, else UNKNOWN (UNTRIAGED if none)."""
    value = case.dispute_type or case.declared_type
    if not value:
        return UNTRIAGED
    return value if value in known_types and CODE.fullmatch(value) else UNKNOWN


def run_tags(case: Case, known_types: Collection[str]) -> list[str]:
    """What a coordinator filters runs by in the Prefect UI: the channel, the area code and the type code;
    `test` on a test key's case (its run is real, its case counts nowhere)."""
    tags = [f"channel:{case.channel}", f"area:{case.area_code}", f"type:{type_label(case, known_types)}"]
    return [*tags, "test"] if case.test else tags


def actor_label(actor: str) -> str:
    """Who moved the case, as Prefect may see it: fengqiao, a channel (its code), or PERSON."""
    return actor if MACHINE.fullmatch(actor) else PERSON

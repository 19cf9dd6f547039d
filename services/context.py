"""What every step reads in its transaction: the case, its inputs, and the configuration it started under."""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.config.network import network_from_document
from fengqiao.db import cases as case_store
from fengqiao.db import configurations
from fengqiao.db import inputs as input_store
from fengqiao.db.uow import Connection
from fengqiao.models.case import Case, Inputs, Step, next_step
from fengqiao.models.network import EscalationPath, Network
from fengqiao.models.triage import TriageRules

_configurations: dict[tuple[str, int], tuple[Network, TriageRules]] = {}


def configuration(conn: Connection, version: int) -> tuple[Network, TriageRules]:
    """Versions never change once stored, so each is parsed once per process (read on the caller's connection)."""
    key = (str(conn.engine.url), version)
    if key not in _configurations:
        _configurations[key] = network_from_document(configurations.config_document(conn, version))
    return _configurations[key]


@dataclass(frozen=True)
class CaseContext:
    conn: Connection
    case: Case
    inputs: Inputs
    network: Network
    rules: TriageRules

    @property
    def path(self) -> EscalationPath | None:
        return self.network.path_if_known(self.case.dispute_type)

    @property
    def next_step(self) -> Step:
        return next_step(self.case, self.inputs, self.path)


def load_context(conn: Connection, case_id: int) -> CaseContext:
    case = case_store.get_case(conn, case_id)
    network, rules = configuration(conn, case.config_version)
    return CaseContext(conn, case, input_store.get_inputs(conn, case_id), network, rules)

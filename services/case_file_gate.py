"""The completeness gate, read in the transaction that would store an agreement (models.case_file_rules)."""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.db import agreements as agreement_store
from fengqiao.db import cases as case_store
from fengqiao.db import documents as document_store
from fengqiao.db import session_records as session_store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.case import Case, Party
from fengqiao.models.case_file_rules import FileHolds, check_complete
from fengqiao.models.network import Network
from fengqiao.models.papers import PaperKind
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine


def check_case_file(
    conn: Connection, network: Network, case: Case, outcome: str, attempt: int, *, oral_terms: bool
) -> None:
    """oral_terms: the oral agreement's terms are being recorded with it (services.agreements)."""
    if not network.case_file.get(outcome):
        return
    subject = f"attempt:{attempt}"
    papers = document_store.documents_of(conn, case.id)
    terms = agreement_store.terms_of(conn, case.id, attempt)
    holds = FileHolds(
        sessions=sum(1 for s in session_store.sessions_of(conn, case.id) if s.attempt == attempt),
        signed_copy=any(p.kind is PaperKind.SIGNED_COPY and p.subject == subject for p in papers),
        oral_agreement=oral_terms or (terms is not None and terms.oral),
    )
    check_complete(network.case_file, case.case_no, outcome, attempt, holds)


@dataclass(frozen=True)
class AgreementFile:
    """What a mediator needs to file before recording an agreement: the papers the case's network
    requires for it (none: no gate), and the people a session record names."""

    case: Case
    required: tuple[str, ...]
    parties: tuple[Party, ...]
    mediator: str | None  # the assigned mediator's name


def required_for(ref: str, outcome: str) -> AgreementFile:
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        network, _ = configuration(uow.conn, case.config_version)
        parties = case_store.parties_of_case(uow.conn, case.id)
    mediator = next((m.name for m in network.mediators if m.code == case.mediator), None)
    return AgreementFile(case, tuple(network.case_file.get(outcome, ())), parties, mediator)

"""Recording an agreement with its terms as data: the outcome and its terms in one transaction.

The outcome (agreement or oral_agreement) follows the answer rules of every outcome (stored once,
Idempotency-Key, round); its note is the terms as written, so the same agreement sent again is
the same answer and other terms for a recorded agreement are a conflict.
"""

from __future__ import annotations

from dataclasses import replace

from fengqiao.db import agreements as agreement_store
from fengqiao.db import cases as case_store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.agreements import AgreementTerms, checked_terms, same_terms
from fengqiao.models.case import Case, HumanInput
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.human_input import Recorded, record_input
from fengqiao.services.runtime import engine, now


def record_agreement(
    ref: str, terms: AgreementTerms, *, actor: str, attempt: int | None = None, idempotency_key: str | None = None
) -> tuple[Recorded, AgreementTerms | None]:
    """terms.attempt is ignored: the terms belong to the round the outcome is stored at. The terms
    stored come back: none when the same agreement was recorded before as a bare outcome."""
    with UnitOfWork(engine()) as uow:
        checked_terms(case_store.find_case(uow.conn, ref).case_no, terms)

    def keep_terms(conn: Connection, case: Case, stored: HumanInput) -> None:
        sent = replace(terms, attempt=stored.round)
        if (kept := agreement_store.terms_of(conn, case.id, stored.round)) is not None:
            same_terms(case.case_no, kept, sent)
        else:
            agreement_store.add_terms(conn, case.id, sent, at=now())

    rec = record_input(
        ref,
        InputKind.OUTCOME,
        terms.outcome,
        note=terms.terms,
        actor=actor,
        attempt=attempt,
        idempotency_key=idempotency_key,
        also=keep_terms,
        oral_terms=terms.oral,
    )
    with UnitOfWork(engine()) as uow:
        kept = agreement_store.terms_of(uow.conn, rec.case.id, rec.input.round)
    return rec, kept


def agreement_of(conn: Connection, case: Case) -> AgreementTerms | None:
    """The terms of the agreement the case's current attempt reached, if recorded with them."""
    return agreement_store.terms_of(conn, case.id, case.attempt)

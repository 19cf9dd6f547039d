"""An agreement's terms (models.agreements), one row per case and attempt; the caller's unit of work commits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, insert, select

from fengqiao.db.tables import agreement_terms
from fengqiao.models.agreements import AgreementTerms


def terms_of(conn: Connection, case_id: int, attempt: int) -> AgreementTerms | None:
    where = (agreement_terms.c.case_id == case_id, agreement_terms.c.attempt == attempt)
    r = conn.execute(select(agreement_terms).where(*where)).first()
    if r is None:
        return None
    amount = Decimal(r.amount).quantize(Decimal("0.01")) if r.amount is not None else None
    return AgreementTerms(r.attempt, r.oral, r.terms, r.manner, amount, r.perform_by)


def add_terms(conn: Connection, case_id: int, terms: AgreementTerms, *, at: datetime) -> None:
    conn.execute(
        insert(agreement_terms).values(
            case_id=case_id,
            attempt=terms.attempt,
            oral=terms.oral,
            terms=terms.terms,
            amount=terms.amount,
            perform_by=terms.perform_by,
            manner=terms.manner,
            recorded_at=at,
        )
    )

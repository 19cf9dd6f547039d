"""A case's documents: stored once per version, never changed; the caller's unit of work commits."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select
from sqlalchemy.exc import IntegrityError

from fengqiao.db.tables import documents
from fengqiao.models.errors import CaseNotFound, ConcurrencyConflict
from fengqiao.models.papers import PaperKind, StoredPaper

LISTED = [c for c in documents.c if c.name not in ("content", "data", "case_id")]


def _stored(r: Row[Any]) -> StoredPaper:
    return StoredPaper(
        r.id, PaperKind(r.kind), r.subject, r.version, r.origin, r.media_type, r.size, r.sha256, r.actor, r.created_at
    )


def documents_of(conn: Connection, case_id: int) -> list[StoredPaper]:
    """Every version of every document of the case, oldest first."""
    rows = conn.execute(select(*LISTED).where(documents.c.case_id == case_id).order_by(documents.c.id)).all()
    return [_stored(r) for r in rows]


def latest_data(conn: Connection, case_id: int) -> dict[tuple[str, str], tuple[int, dict[str, Any]]]:
    """(kind, subject) → (its latest version, the data it was made from), of the generated documents."""
    rows = conn.execute(
        select(documents.c.kind, documents.c.subject, documents.c.version, documents.c.data)
        .where(documents.c.case_id == case_id, documents.c.origin == "generated")
        .order_by(documents.c.version)
    ).all()
    return {(r.kind, r.subject): (r.version, r.data) for r in rows}


def document_content(conn: Connection, case_id: int, document_id: int) -> tuple[StoredPaper, bytes]:
    row = conn.execute(
        select(*LISTED, documents.c.content).where(documents.c.case_id == case_id, documents.c.id == document_id)
    ).first()
    if row is None:
        raise CaseNotFound(f"本案没有文书 {document_id} no document {document_id} on this case", field="document_id")
    return _stored(row), bytes(row.content)


def next_version(conn: Connection, case_id: int, kind: str, subject: str) -> int:
    where = (documents.c.case_id == case_id, documents.c.kind == kind, documents.c.subject == subject)
    return int(conn.execute(select(func.coalesce(func.max(documents.c.version), 0)).where(*where)).scalar_one()) + 1


def add_document(
    conn: Connection,
    case_id: int,
    *,
    kind: str,
    subject: str,
    origin: str,
    media_type: str,
    content: bytes,
    data: dict[str, Any],
    actor: str,
    at: datetime,
) -> StoredPaper:
    """Store the next version of (kind, subject); two writers racing for one version: ConcurrencyConflict."""
    version = next_version(conn, case_id, kind, subject)
    sha256 = hashlib.sha256(content).hexdigest()
    values = dict(
        case_id=case_id,
        kind=kind,
        subject=subject,
        version=version,
        origin=origin,
        media_type=media_type,
        size=len(content),
        sha256=sha256,
        content=content,
        data=data,
        actor=actor,
        created_at=at,
    )
    try:
        with conn.begin_nested():
            new_id = conn.execute(insert(documents).values(**values).returning(documents.c.id)).scalar_one()
    except IntegrityError:
        raise ConcurrencyConflict(
            f"文书已被同时保存 {kind} {subject} version {version} was stored meanwhile", field="document"
        ) from None
    return StoredPaper(new_id, PaperKind(kind), subject, version, origin, media_type, len(content), sha256, actor, at)

"""The network's configuration versions: each document stored once, and its tables kept in step.

A function per question over one connection; the caller's unit of work commits.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from fengqiao.db.tables import cases, config_applications, config_versions, experts, mediators, organisations
from fengqiao.models.errors import CaseNotFound


def store_config_version(conn: Connection, document: dict[str, Any], *, source: str, at: datetime) -> int:
    """Store a network document as a version (the same document twice is one version) and sync its tables."""
    sha = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    existing = conn.scalar(select(config_versions.c.id).where(config_versions.c.sha256 == sha))
    if existing is not None:  # the same document again: the same version, applied again
        conn.execute(update(config_versions).where(config_versions.c.id == existing).values(applied_at=at))
        _sync_network(conn, document)
        conn.execute(insert(config_applications).values(version_id=existing, applied_at=at))
        return int(existing)
    version = conn.execute(
        insert(config_versions).values(created_at=at, applied_at=at, source=source, sha256=sha, document=document)
    ).inserted_primary_key
    _sync_network(conn, document)
    conn.execute(insert(config_applications).values(version_id=version[0], applied_at=at))  # type: ignore[index]
    return int(version[0])  # type: ignore[index]


def _upsert(conn: Connection, table: Any, key: str, row: dict[str, Any]) -> None:
    if conn.scalar(select(table.c[key]).where(table.c[key] == row[key])) is None:
        conn.execute(insert(table).values(**row))
    else:
        conn.execute(update(table).where(table.c[key] == row[key]).values(**row))


def _sync_network(conn: Connection, doc: dict[str, Any]) -> None:
    parents = {o["code"]: o["parent"] for o in doc["organisations"]}

    def depth(code: str | None) -> int:
        return 0 if code is None else 1 + depth(parents.get(code))

    # parents first; a stationed room is stored as an organisation of its level under its committee
    orgs = sorted(doc["organisations"], key=lambda o: depth(o["parent"])) + doc.get("stationed_rooms", [])
    for o in orgs:
        o = {"dispute_types": [], "fields": [], **o}
        row = {k: o[k] for k in ("code", "name", "level", "area_code", "dispute_types", "fields")}
        _upsert(conn, organisations, "code", {**row, "parent_code": o["parent"]})
    for m in doc["mediators"]:
        row = {k: m[k] for k in ("code", "name", "specialties", "grade", "full_time")}
        _upsert(conn, mediators, "code", {**row, "org_code": m["org"]})
    for e in doc["experts"]:
        _upsert(
            conn, experts, "code", {"code": e["code"], "name": e["name"], "pool_code": e["pool"], "field": e["field"]}
        )


_LATEST = (  # built once: every registration asks
    select(config_versions.c.id).order_by(config_versions.c.applied_at.desc(), config_versions.c.id.desc()).limit(1)
)


def latest_config_version(conn: Connection) -> int | None:
    """The version applied last (new cases start under it)."""
    return conn.scalar(_LATEST)


def version_in_force(conn: Connection, at: datetime) -> int | None:
    """The version in force at an instant: the one applied last at or before it (the first one applied,
    for an instant before any): a month's figures keep the definitions they were published in."""
    applied = select(config_applications.c.version_id)
    before = applied.where(config_applications.c.applied_at <= at).order_by(
        config_applications.c.applied_at.desc(), config_applications.c.id.desc()
    )
    found = conn.scalar(before.limit(1))
    if found is None:
        found = conn.scalar(applied.order_by(config_applications.c.applied_at, config_applications.c.id).limit(1))
    return None if found is None else int(found)


def config_versions_list(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            config_versions.c.id, config_versions.c.created_at, config_versions.c.source, config_versions.c.sha256
        ).order_by(config_versions.c.id)
    ).all()
    counts: dict[int, int] = {
        version: n
        for version, n in conn.execute(select(cases.c.config_version, func.count()).group_by(cases.c.config_version))
    }
    return [dict(r._mapping) | {"cases": counts.get(r.id, 0)} for r in rows]


def config_version(conn: Connection, version: int) -> dict[str, Any]:
    """One version as stored: id, created_at, source and its document (without counting its cases)."""
    row = conn.execute(
        select(
            config_versions.c.id, config_versions.c.created_at, config_versions.c.source, config_versions.c.document
        ).where(config_versions.c.id == version)
    ).one_or_none()
    if row is None:
        raise CaseNotFound(f"没有配置版本 {version} no configuration version {version}", field="config_version")
    return dict(row._mapping)


def config_document(conn: Connection, version: int) -> dict[str, Any]:
    doc = conn.scalar(select(config_versions.c.document).where(config_versions.c.id == version))
    if doc is None:
        raise CaseNotFound(f"没有配置版本 {version} no configuration version {version}", field="config_version")
    return dict(doc)

"""Dashboard sessions, kept on the server: the browser holds only a random id.

The id is 256 random bits and is stored as its SHA-256, like a key. A session ends at its expiry,
at sign-out, or as soon as its key is revoked: the lookup reads the key row in the same query.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, or_, select, update

from fengqiao.db.tables import api_keys, dashboard_sessions
from fengqiao.models.access import Caller, Role


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(conn: Connection, key_id: int, *, at: datetime, lasts: timedelta) -> str:
    """A new session for the key; the id is returned once, for the cookie. Old dead sessions are cleared."""
    conn.execute(
        delete(dashboard_sessions).where(
            or_(dashboard_sessions.c.expires_at < at - timedelta(days=1), dashboard_sessions.c.ended_at.is_not(None))
        )
    )
    session_id = secrets.token_urlsafe(32)
    conn.execute(
        insert(dashboard_sessions).values(
            sha256=_digest(session_id), key_id=key_id, created_at=at, expires_at=at + lasts
        )
    )
    return session_id


def session_caller(conn: Connection, session_id: str, *, at: datetime) -> Caller | None:
    """Who a live session stands for: not expired, not ended, its key not revoked; else None."""
    row = conn.execute(
        select(api_keys)
        .join(dashboard_sessions, dashboard_sessions.c.key_id == api_keys.c.id)
        .where(
            dashboard_sessions.c.sha256 == _digest(session_id),
            dashboard_sessions.c.ended_at.is_(None),
            dashboard_sessions.c.expires_at > at,
            api_keys.c.revoked_at.is_(None),
        )
    ).one_or_none()
    return None if row is None else Caller(row.id, row.name, Role(row.role), tuple(row.areas), tuple(row.orgs))


def end_session(conn: Connection, session_id: str, *, at: datetime) -> None:
    conn.execute(
        update(dashboard_sessions)
        .where(dashboard_sessions.c.sha256 == _digest(session_id), dashboard_sessions.c.ended_at.is_(None))
        .values(ended_at=at)
    )


def form_token(session_id: str) -> str:
    """The session's token for its forms (CSRF): derived from the id, which only the browser and we know."""
    return hmac.new(session_id.encode(), b"fengqiao dashboard form", hashlib.sha256).hexdigest()

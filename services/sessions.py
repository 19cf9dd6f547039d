"""The dashboard's sessions: a key signs in once, the browser then holds only a session id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fengqiao.db import access, sessions
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.access import Caller, Role
from fengqiao.services.runtime import engine, now


@dataclass(frozen=True)
class SignedIn:
    caller: Caller
    session_id: str | None  # None: the key's role may not sign in, and no session was started


def start_session(key: str, *, roles: tuple[Role, ...], lasts: timedelta) -> SignedIn | None:
    """A session for a key of one of the roles; None for a key unknown or revoked."""
    with UnitOfWork(engine()) as uow:
        caller = access.caller_for(uow.conn, key) if key else None
        if caller is None:
            return None
        if caller.role not in roles:
            return SignedIn(caller, None)
        session_id = sessions.start_session(uow.conn, caller.key_id, at=now(), lasts=lasts)
        uow.commit()
    return SignedIn(caller, session_id)


def session_caller(session_id: str) -> Caller | None:
    """The session's key, while the session lasts and the key is not revoked."""
    with UnitOfWork(engine()) as uow:
        return sessions.session_caller(uow.conn, session_id, at=now())


def end_session(session_id: str) -> None:
    with UnitOfWork(engine()) as uow:
        sessions.end_session(uow.conn, session_id, at=now())
        uow.commit()

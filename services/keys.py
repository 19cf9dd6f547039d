"""API keys: made (the one place keys are created for people, its jurisdiction checked first), listed,
revoked, and the caller a key stands for.

The check needs the applied network (an area or organisation it lacks would give a key that
sees nothing, or, for an empty prefix, everything), which the database layer cannot read.
"""

from __future__ import annotations

from typing import Any

from fengqiao.db import access, configurations
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.access import ROLE_ZH, Caller, Role, expert_name_problem, jurisdiction_problem
from fengqiao.models.errors import InvalidInput
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine, now


def make_key(
    name: str, role: Role, areas: tuple[str, ...], orgs: tuple[str, ...], *, test: bool = False
) -> tuple[int, str]:
    """(the key's id, the key, shown once); InvalidInput naming --area or --org for a bad jurisdiction.

    test: an integrator's key for trying its connection on a live system; its cases are test cases.
    """
    if test and role is not Role.INTEGRATOR:
        raise InvalidInput(
            f"测试密钥只发给对接系统，不发给{ROLE_ZH[role]} "
            f"a test key sends test cases, which only an integrator does, not a {role}",
            field="--test",
        )
    with UnitOfWork(engine()) as uow:
        version = configurations.latest_config_version(uow.conn)
        network = configuration(uow.conn, version)[0] if version is not None else None
        if problem := jurisdiction_problem(role, areas, orgs, network):
            option, why = problem
            raise InvalidInput(why, field=option)
        if why_not := expert_name_problem(role, name, network):
            raise InvalidInput(why_not, field="name")
        made = access.create_key(uow.conn, name=name, role=role, areas=areas, orgs=orgs, at=now(), test=test)
        uow.commit()
    return made


def caller_for(key: str) -> Caller | None:
    """The key's holder, role and jurisdiction; None for a key unknown or revoked."""
    with UnitOfWork(engine()) as uow:
        return access.caller_for(uow.conn, key)


def list_keys() -> list[dict[str, Any]]:
    """Every key with its role, jurisdiction and state, never the key itself."""
    with UnitOfWork(engine()) as uow:
        return access.list_keys(uow.conn)


def revoke_key(key_id: int) -> bool:
    """False: no active key with that id."""
    with UnitOfWork(engine()) as uow:
        revoked = access.revoke_key(uow.conn, key_id, at=now())
        uow.commit()
    return revoked

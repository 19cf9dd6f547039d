"""Screening sessions (矛盾纠纷排查): recorded by a committee, listed and counted with the statistics."""

from __future__ import annotations

from fengqiao.db import configurations
from fengqiao.db import screenings as store
from fengqiao.db.uow import Connection, UnitOfWork
from fengqiao.models.access import Caller
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import InvalidInput
from fengqiao.models.months import month_of
from fengqiao.models.network import Network
from fengqiao.models.screening import Screening, checked_screening
from fengqiao.services.context import configuration
from fengqiao.services.runtime import engine, now
from fengqiao.services.stats import Question


def record_screening(s: Screening, *, caller: Caller | None = None) -> Screening:
    """Check a session against the applied network (and the caller's jurisdiction) and store it with its cases."""
    with UnitOfWork(engine()) as uow:
        network = _network(uow.conn)
        served = any(o.area_code and s.area_code.startswith(o.area_code) for o in network.organisations.values())
        checked = checked_screening(s, today=day_of(now()), known_area=served)
        if s.org_code is not None and s.org_code not in network.organisations:
            raise InvalidInput(f"不认识的调解组织 unknown organisation {s.org_code!r}", field="org_code")
        if caller is not None and not caller.covers(s.area_code, s.org_code):
            raise InvalidInput(
                f"区域 {s.area_code} 不在密钥 {caller.name} 的辖区内 "
                f"area {s.area_code} is outside the jurisdiction of key {caller.name}",
                field="area_code",
            )
        stored = store.add_screening(uow.conn, checked, at=now())
        uow.commit()
    return stored


def check_screening(screening_id: int) -> None:
    """A ledger imported as a session's (fengqiao intake --screening) names one that exists."""
    with UnitOfWork(engine()) as uow:
        if not store.screening_exists(uow.conn, screening_id):
            raise InvalidInput(f"没有排查 #{screening_id} no screening session #{screening_id}", field="screening")


def _network(conn: Connection) -> Network:
    version = configurations.latest_config_version(conn)
    if version is None:
        raise InvalidInput("尚未应用调解网络配置 no configuration has been applied yet", field="area_code")
    return configuration(conn, version)[0]


def screenings(question: Question) -> list[Screening]:
    """The sessions the question covers; a month that is not one is InvalidInput naming `month`, in the
    words /stats and `fengqiao stats` use (models.months)."""
    for month in (question.since, question.until):
        if month is not None:
            month_of(month, "month")
    with UnitOfWork(engine()) as uow:
        return store.list_screenings(uow.conn, question.screenings())


def latest_screening_month(question: Question) -> str | None:
    """The month of the latest session the question covers: where the screening page opens (this
    month is empty until its first sweep, though last month's are there)."""
    with UnitOfWork(engine()) as uow:
        held = store.latest_held_on(uow.conn, question.screenings())
    return f"{held:%Y-%m}" if held else None

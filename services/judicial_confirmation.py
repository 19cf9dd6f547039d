"""Recording that the parties applied for judicial confirmation (申请司法确认), once per agreement.

Built on the papers of issue 16: the court defaults to the one the case's 司法确认申请书 is
addressed to (the court the network names for the case's area, legal_bodies), and the window is
the one that paper states (models.aftercare). The same application sent again is the one stored;
another is a conflict.
"""

from __future__ import annotations

from datetime import date

from fengqiao.db import cases as case_store
from fengqiao.db import judicial_confirmations as store
from fengqiao.db import queries
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.aftercare import aftercare_of
from fengqiao.models.case import Case
from fengqiao.models.clocks import day_of
from fengqiao.models.errors import InvalidInput
from fengqiao.models.judicial_confirmation import Application, checked_application, same_application
from fengqiao.services.agreements import agreement_of
from fengqiao.services.context import configuration
from fengqiao.services.documents import bodies_of, committees_of
from fengqiao.services.runtime import engine, now


def record_application(
    ref: str, *, actor: str, applied_on: date | None = None, court: str | None = None
) -> tuple[Case, Application, bool]:
    """(the case, the application stored, whether this call stored it). applied_on: today (China
    time) unless said; court: the area's people's court, as the application paper names it."""
    today = day_of(now())
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        network, _ = configuration(uow.conn, case.config_version)
        timeline = queries.timeline(uow.conn, case.id)
        district = committees_of(network, case, timeline)[2]
        if court is None and not district and network.bodies_for(case.area_code) is None:
            raise InvalidInput(
                "须写明法院：调解网络未列出案件所在区域的法院 "
                "name the court: the network names no court for the case's area",
                record=case.case_no,
                field="court",
            )
        bodies = bodies_of(network, case, district)
        sent = Application(case.attempt, applied_on or today, court if court is not None else bodies.court, actor)
        if (stored := store.application_of(uow.conn, case.id, case.attempt)) is not None:
            return case, same_application(case.case_no, stored, sent), False
        care = aftercare_of(timeline, network.aftercare, agreement_of(uow.conn, case))
        agreement = store.standing_agreement(uow.conn, case.id)
        checked = checked_application(case.case_no, sent, agreement=agreement, aftercare=care, today=today)
        if (meanwhile := store.add_application(uow.conn, case.id, checked, at=now())) is not None:
            return case, same_application(case.case_no, meanwhile, sent), False  # another request stored it first
        uow.commit()
    return case, checked, True

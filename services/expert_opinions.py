"""An expert's opinion (专家意见) for an escalated case, from the API as from the command line.

The opinion is the answer the case waits for (the answer rules of every input: stored once, its
round, an Idempotency-Key); it names the expert by the network's code, which the case then keeps.
It is one of the case's papers (models.papers), made when the documents are next asked for.
"""

from __future__ import annotations

from fengqiao.db import cases as case_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.errors import InvalidInput
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.context import configuration
from fengqiao.services.human_input import Recorded, record_input
from fengqiao.services.runtime import engine


def record_opinion(
    ref: str, expert: str, text: str, *, attempt: int | None = None, idempotency_key: str | None = None
) -> Recorded:
    """expert: an expert's code in the case's configuration, else InvalidInput naming the field."""
    with UnitOfWork(engine()) as uow:
        case = case_store.find_case(uow.conn, ref)
        network, _ = configuration(uow.conn, case.config_version)
    if expert not in {e.code for e in network.experts}:
        raise InvalidInput(
            f"调解网络中没有专家 {expert!r} no expert {expert!r} in the network", record=case.case_no, field="expert"
        )
    kind = InputKind.EXPERT_OPINION
    return record_input(case.case_no, kind, text, actor=expert, attempt=attempt, idempotency_key=idempotency_key)

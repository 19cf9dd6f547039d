"""Intake: one operation per channel, taking the channel's own payload (as `fengqiao intake` does).

The body is validated by the channel's adapter, so a bad field gets the same bilingual message
naming the field as on the command line; the OpenAPI schema of each operation is the adapter's
model, with the shipped example. The Idempotency-Key is scoped to the calling key: two
integrators cannot collide, and one integrator's retry never creates a second case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from fengqiao.api.auth import KEY_CHARS, CallerDep, allow, scoped
from fengqiao.api.errors import NOT_JSON, ApiError
from fengqiao.api.schemas import IntakeAccepted
from fengqiao.channels import adapt
from fengqiao.channels.grid import GridReport
from fengqiao.channels.hotline import HotlineTicket
from fengqiao.channels.online import OnlineForm
from fengqiao.channels.referral import Referral
from fengqiao.channels.walk_in import WalkInForm
from fengqiao.models.access import Caller, Role
from fengqiao.models.vocabulary import Channel, bilingual
from fengqiao.services.intake import flow_run_of, receive

router = APIRouter(tags=["intake 登记"])
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MODELS: dict[Channel, type[BaseModel]] = {
    Channel.HOTLINE_12345: HotlineTicket,
    Channel.GRID: GridReport,
    Channel.WALK_IN: WalkInForm,
    Channel.POLICE: Referral,
    Channel.COURT: Referral,
    Channel.PETITION: Referral,
    Channel.ONLINE: OnlineForm,
}
COMPONENTS: dict[str, Any] = {}  # the adapters' nested models, merged into the OpenAPI components


def _example(channel: Channel) -> dict[str, Any] | None:
    path = EXAMPLES / f"{channel.value}.jsonl"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])  # type: ignore[no-any-return]


def _request_body(channel: Channel) -> dict[str, Any]:
    schema = MODELS[channel].model_json_schema(ref_template="#/components/schemas/{model}")
    COMPONENTS.update(schema.pop("$defs", {}))
    content: dict[str, Any] = {"schema": schema}
    if example := _example(channel):
        content["example"] = example
    return {"required": True, "content": {"application/json": content}}


def accept(channel: Channel, data: object, caller: Caller, idempotency_key: str | None) -> IntakeAccepted:
    rec = adapt(channel, data, record=f"{channel.value} request")
    if not caller.covers(rec.new.area_code):
        raise ApiError(
            403,
            "outside_jurisdiction",
            f"区域 {rec.new.area_code} 不在密钥 {caller.name} 的辖区内 "
            f"area {rec.new.area_code} is outside the jurisdiction of key {caller.name}",
            field="area_code",
        )
    receipt = receive(rec, idempotency_key=scoped(caller, idempotency_key), key_id=caller.key_id, caller=caller)
    case = receipt.case
    # A new case's run is started by a worker (the intake outbox, runs/sweep.py): intake never waits
    # for Prefect. The same record again answers with its case's run, once there is one.
    flow_run_id = None if receipt.created else flow_run_of(case.id)
    return IntakeAccepted(
        case_id=case.id,
        case_no=case.case_no,
        status=case.status,
        flow_run_id=flow_run_id,
        duplicate_of=receipt.duplicate_of,
        created=receipt.created,
    )


def _route(channel: Channel):  # type: ignore[no-untyped-def]
    async def intake(
        request: Request,
        caller: CallerDep,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=KEY_CHARS)] = None,
    ) -> IntakeAccepted:
        try:
            data = json.loads(await request.body())
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            raise ApiError(422, "invalid_input", NOT_JSON, field="body") from None
        return await run_in_threadpool(accept, channel, data, caller, idempotency_key)

    intake.__doc__ = (
        f"登记 A {bilingual(channel.value)} record, in that channel's own format. 202 once the case is stored; "
        "a worker starts its flow run moments later (`flow_run_id` is null until then: `GET /cases/{case_id}` "
        "shows it), so intake answers even while Prefect is down. The same ticket or Idempotency-Key again "
        "returns the same case and starts nothing. A report repeating an open case is registered, linked "
        "(`duplicate_of`) and held for a supervisor (并单)."
    )
    return intake


for _channel in Channel:
    kwargs = allow(Role.INTEGRATOR, Role.ADMIN, errors=(409,))
    kwargs["openapi_extra"]["requestBody"] = _request_body(_channel)
    router.add_api_route(
        f"/intake/{_channel.value}",
        _route(_channel),
        methods=["POST"],
        status_code=202,
        response_model=IntakeAccepted,
        name=f"intake_{_channel.value}",
        summary=f"intake from {_channel.value}",
        **kwargs,
    )


@router.post("/intake/{channel}", include_in_schema=False)
def unknown_channel(channel: str) -> None:
    """A channel nobody sends from: 404 listing the channels there are (registered after them, so
    a known channel's own operation always answers first)."""
    raise ApiError(
        404,
        "unknown_channel",
        f"无此渠道 no channel {channel[:40]!r}; the channels are: {', '.join(c.value for c in Channel)}",
        field="channel",
    )

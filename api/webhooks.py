"""Where a key takes results back (结果同悉): registered per key and channel, and checked first.

A target belongs to the key that registered it: a second key's registration adds its own, never
replaces another's, and a target receives only the results of cases its key may see or sent
(models.result_targets). Its address is judged by models.addresses, here and again at every
delivery (channels.targets): http(s), and only public addresses, unless an administrator sets
FENGQIAO_ALLOW_PRIVATE_WEBHOOKS for an internal deployment.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fengqiao.api.auth import CallerDep, allow
from fengqiao.api.errors import ApiError
from fengqiao.channels.targets import Refusal, resolve
from fengqiao.config.settings import get_settings
from fengqiao.models.access import Role
from fengqiao.models.vocabulary import Channel
from fengqiao.services.webhooks import register_target, remove_target, targets_of

router = APIRouter(tags=["webhooks 结果同悉"])
OWNERS = (Role.INTEGRATOR, Role.ADMIN)


class WebhookIn(BaseModel):
    model_config = {"extra": "forbid"}
    channel: Channel
    url: str = Field(max_length=500, examples=["https://12345.example.gov.cn/api/feedback"])


class WebhookOut(BaseModel):
    channel: Channel
    url: str


@router.put("/webhooks", response_model=WebhookOut, **allow(*OWNERS))
def put_webhook(body: WebhookIn, caller: CallerDep) -> WebhookOut:
    """结果同悉地址 Register where this key's results of a channel go back; replaces this key's earlier target."""
    target = resolve(body.url, allow_private=get_settings().allow_private_webhooks)
    if isinstance(target, Refusal):
        raise ApiError(422, "webhook_target_refused", f"url: {target.reason}", field="url")
    registered = register_target(caller, body.channel, body.url)
    return WebhookOut(channel=registered.channel, url=registered.url)


@router.get("/webhooks", response_model=list[WebhookOut], **allow(*OWNERS))
def get_webhooks(caller: CallerDep) -> list[WebhookOut]:
    """结果同悉地址 This key's targets, by channel (other keys' targets are theirs)."""
    return [WebhookOut(channel=t.channel, url=t.url) for t in targets_of(caller)]


@router.delete("/webhooks/{channel}", response_model=list[WebhookOut], **allow(*OWNERS, errors=(404,)))
def delete_webhook(channel: Channel, caller: CallerDep) -> list[WebhookOut]:
    """结果同悉地址 Remove this key's target for a channel; answers the key's remaining targets."""
    remaining = remove_target(caller, channel)
    if remaining is None:
        message = f"key {caller.name} has no webhook target for channel {channel.value}"
        raise ApiError(404, "webhook_target_not_found", message, field="channel")
    return [WebhookOut(channel=t.channel, url=t.url) for t in remaining]

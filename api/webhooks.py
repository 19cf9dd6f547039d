"""Where an integrator takes its channel's results back (结果同悉): registered, and checked first.

A target must be http(s) and resolve only to public addresses: a key must not be able to make
fengqiao send requests into its own network (loopback, private, link-local, reserved ranges),
unless an administrator sets FENGQIAO_ALLOW_PRIVATE_WEBHOOKS for an internal deployment.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import CallerDep, allow
from api.errors import ApiError
from config.settings import get_settings
from db import access
from db.uow import UnitOfWork
from models.access import Role
from models.vocabulary import Channel
from tasks.context import engine
from tasks.steps import now

router = APIRouter(tags=["webhooks 结果同悉"])


class WebhookIn(BaseModel):
    model_config = {"extra": "forbid"}
    channel: Channel
    url: str = Field(max_length=500, examples=["https://12345.example.gov.cn/api/feedback"])


class WebhookOut(BaseModel):
    channel: Channel
    url: str


def refused(url: str, *, allow_private: bool) -> str | None:
    """Why this target may not be used, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host"
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        return f"host {parts.hostname} does not resolve"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global and not allow_private:
            return f"{parts.hostname} resolves to {address}, a loopback, private or reserved address"
    return None


@router.put("/webhooks", response_model=WebhookOut, **allow(Role.INTEGRATOR, Role.ADMIN))
def put_webhook(body: WebhookIn, caller: CallerDep) -> WebhookOut:
    """结果同悉地址 Register where a channel's results go back; replaces an earlier target."""
    if why := refused(body.url, allow_private=get_settings().allow_private_webhooks):
        raise ApiError(422, "webhook_target_refused", f"url: {why}", field="url")
    with UnitOfWork(engine()) as uow:
        access.set_webhook_target(uow.conn, key_id=caller.key_id, channel=body.channel, url=body.url, at=now())
        uow.commit()
    return WebhookOut(channel=body.channel, url=body.url)

"""How `fengqiao serve` runs the site under uvicorn: every connection bounded, no personal data in its log.

uvicorn's `timeout_keep_alive` closes a connection idle between two requests, and nothing else:
no timer runs while a request is being received, nor on a new connection that has sent nothing,
so a client trickling a header line every few seconds holds its connection (and a slot) for as
long as it likes. uvicorn has no option for this (its h11 and httptools protocols alike), so the
h11 protocol here gives each request a deadline from its first byte (or the connection's opening)
to its last; past it the connection is closed. Requests are bounded in size by RequestGuard and
h11's header limit, connections in number by `limit_concurrency` (503 beyond).
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import h11
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from fengqiao.config.settings import Settings, get_settings

RECEIVING = (h11.IDLE, h11.SEND_BODY)  # the client's states while a request is still arriving


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each request whole (head and body)."""

    request_seconds: float = 20.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()  # a connection that never sends a byte is closed too

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state in RECEIVING:
            self._arm()  # the first byte of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state not in RECEIVING:
            self._disarm()  # received whole: the app may take its time answering

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.SEND_BODY and self._deadline is None:
            self._arm()  # a pipelined request whose head came with the last one's data

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.logger.warning("a request was not received whole in %s s: connection closed", self.request_seconds)
            self.transport.close()


def bounded_protocol(seconds: float) -> type[BoundedH11Protocol]:
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"request_seconds": seconds})


class ConfiguredH11Protocol(BoundedH11Protocol):
    """The protocol of each API process `serve --api-workers N` spawns, named by its import path (a
    class made at run time does not cross to a spawned process): the deadline from its settings."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self.request_seconds = get_settings().api_request_seconds
        super().connection_made(transport)


def log_config() -> dict[str, Any]:
    """uvicorn's own logging, with WithheldDetails on every handler (exception text, query strings)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"withheld": {"()": "fengqiao.config.logging.WithheldDetails"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["withheld"]
    return config


SITE = "fengqiao.dashboard.app:create_site"  # what each spawned API process makes (uvicorn's factory)


def server_config(app: Any, settings: Settings, *, host: str, port: int, workers: int = 1) -> uvicorn.Config:
    """One process serving `app`, or (workers > 1) that many spawned processes on one socket, each
    making the site itself (app is then SITE): Python runs one request's code at a time per process."""
    several = workers > 1
    return uvicorn.Config(
        SITE if several else app,
        factory=several,
        workers=workers if several else None,
        host=host,
        port=port,
        http="fengqiao.api.serving:ConfiguredH11Protocol"
        if several
        else bounded_protocol(settings.api_request_seconds),
        timeout_keep_alive=settings.api_keep_alive_seconds,
        limit_concurrency=settings.api_max_connections,
        timeout_graceful_shutdown=10,  # Ctrl-C does not wait on connections that will not end
        log_config=log_config(),
        log_level="warning",
    )

"""A fault-injecting TCP proxy on loopback, in front of Prefect's API, for end-to-end tests.

It forwards bytes (HTTP, and the websockets Prefect's events use) to the server; told to, it
misbehaves until healed: answers every request with a 500, drops connections as soon as they are
accepted, or forwards the request and resets the connection in the middle of the response. A
fault also cuts the connections already open, so clients' kept-alive connections meet it too.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from typing import Literal

Mode = Literal["pass", "500", "drop", "reset"]
ERROR_BODY = b'{"exception_message": "Internal Server Error (injected by the test proxy)"}'
ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(ERROR_BODY), ERROR_BODY)
)


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.mode: Mode = "pass"
        self.faults: Counter[str] = Counter()  # connections each fault was dealt to
        self.refused: list[str] = []  # the request lines answered with a 500
        self._open: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fault-proxy", daemon=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _close(self) -> None:
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        await asyncio.sleep(0.1)  # let the aborted connections' tasks end before the loop stops

    def fault(self, mode: Mode, seconds: float) -> None:
        """For `seconds` from now (timed here, whatever the test's thread is waiting for): every
        connection meets `mode`; those open now are cut."""
        asyncio.run_coroutine_threadsafe(self._set(mode), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.call_later, seconds, self.heal)

    def heal(self) -> None:
        self.mode = "pass"

    async def _set(self, mode: Mode) -> None:
        self.mode = mode
        if mode != "pass":
            for writer in list(self._open):
                writer.transport.abort()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mode = self.mode
        if mode != "pass":
            self.faults[mode] += 1
        try:
            if mode == "drop":
                writer.transport.abort()  # closed after accept: no answer at all
            elif mode == "500":
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                self.refused.append(head.split(b"\r\n", 1)[0].decode(errors="replace"))
                writer.write(ERROR)
                await writer.drain()
                writer.close()
            else:
                await self._forward(reader, writer, cut_response=mode == "reset")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.transport.abort()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, cut_response: bool) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._open.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, cut: bool) -> None:
            try:
                while data := await src.read(65536):
                    if cut:  # half an answer, then a reset (SO_LINGER 0 by abort)
                        dst.write(data[: max(1, len(data) // 2)])
                        await dst.drain()
                        break
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                writer.transport.abort() if cut else dst.close()

        try:
            await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, cut_response))
        finally:
            self._open.difference_update((writer, up_writer))
            up_writer.transport.abort()
            writer.transport.abort()

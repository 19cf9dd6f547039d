"""structlog, configured once: JSON lines on stderr, case_no and flow_run_id bound by callers."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import structlog

_configured = False


def configure_logging(level: str = "INFO", *, json: bool = True, file: Path | None = None) -> None:
    global _configured
    if _configured:
        return
    import structlog  # here, not at import: it loads rich's tracebacks and pygments, a read-only command logs nothing

    out: TextIO = sys.stderr
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        out = file.open("a", encoding="utf-8", buffering=1)
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=True,
    )
    _configured = True


SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


class WithheldDetails(logging.Filter):
    """A server's log record without what could carry personal data: no exception text, no query string.

    An exception's text and traceback can hold SQL parameters or a request's values (a party's
    name, ID number, phone); its type is kept. An access line keeps the path, not the query.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info or record.exc_text:
            kind = type(record.exc_info[1]).__name__ if record.exc_info and record.exc_info[1] else "exception"
            record.msg, record.args = f"{record.getMessage().rstrip()} ({kind}; details withheld)", None
            record.exc_info, record.exc_text = None, None
        record.stack_info = None
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).partition("?")[0], version, status)
        return True


def protect_server_logs() -> None:
    """Put WithheldDetails on uvicorn's loggers, however the server was started (once per logger)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithheldDetails) for f in logger.filters):
            logger.addFilter(WithheldDetails())


class ChannelLoopLeftovers(logging.Filter):
    """asyncio's "Task exception was never retrieved" for the loops of Prefect's worker channel,
    dropped. When the channel's websocket drops (a keepalive ping timing out on a busy machine),
    Prefect reads one loop's error, reconnects, and leaves the other's to the garbage collector,
    which asyncio reports as an ERROR of two lines although nothing is wrong; the worker's
    heartbeat on the pool's page says whether it is connected. On the asyncio logger, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "WorkerChannelProtocolHandler" not in record.getMessage()


def withhold_console_details() -> None:
    """Put WithheldDetails on every handler that writes to a terminal (root's and any logger's).

    The worker and the demo run Prefect in this process, and Prefect's own loggers print an
    exception's traceback (a worker-channel websocket closed while the demo stops, say): a person
    reading the console gets one line with the exception's type, and none for the worker channel's
    leftovers (ChannelLoopLeftovers). Handlers that are not streams (Prefect's API log handler) are
    left alone. Call it after Prefect has set its logging up.
    """
    loop = logging.getLogger("asyncio")
    if not any(isinstance(f, ChannelLoopLeftovers) for f in loop.filters):
        loop.addFilter(ChannelLoopLeftovers())
    consoles = (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)
    named = (x for x in logging.root.manager.loggerDict.values() if isinstance(x, logging.Logger))
    for logger in (logging.getLogger(), *named):
        for handler in logger.handlers:
            withheld = any(isinstance(f, WithheldDetails) for f in handler.filters)
            if getattr(handler, "stream", None) in consoles and not withheld:
                handler.addFilter(WithheldDetails())


def configure_from_settings() -> None:
    from fengqiao.config.settings import get_settings

    s = get_settings()
    configure_logging(s.log_level, json=s.log_json, file=s.log_file)


def get_logger(**bound: object) -> structlog.typing.FilteringBoundLogger:
    import structlog

    configure_from_settings()
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger("fengqiao").bind(**bound)
    return logger

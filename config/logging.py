"""structlog, configured once: JSON lines on stderr, case_no and flow_run_id bound by callers."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

import structlog

_configured = False


def configure_logging(level: str = "INFO", *, json: bool = True, file: Path | None = None) -> None:
    global _configured
    if _configured:
        return
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


def configure_from_settings() -> None:
    from config.settings import get_settings

    s = get_settings()
    configure_logging(s.log_level, json=s.log_json, file=s.log_file)


def get_logger(**bound: object) -> structlog.typing.FilteringBoundLogger:
    configure_from_settings()
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger("fengqiao").bind(**bound)
    return logger

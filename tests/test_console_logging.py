"""What a person reads on the worker's and the demo's console: one line an error, no traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import logging
    import fengqiao.runs.serve  # Prefect's logging set up, as in the worker and the demo
    from fengqiao.config.logging import withhold_console_details

    withhold_console_details()
    withhold_console_details()
    try:
        raise ConnectionError("sent 1011 (internal error) keepalive ping timeout")
    except ConnectionError:
        logging.getLogger("prefect.workers.fengqiao-inprocess.console-test").exception("Worker channel failed")
    # what asyncio's exception handler logs for the loop task Prefect's worker channel leaves unread
    logging.getLogger("asyncio").error(
        "Task exception was never retrieved\\nfuture: <Task finished name='Task-9' coro=<WorkerChannelProtocolHandler"
        "._heartbeat_loop() done> exception=ConnectionClosedError(None, None, None)>"
    )
    logging.getLogger("asyncio").error("Unclosed client session")  # any other is shown
    """
)


def test_an_exception_a_prefect_logger_prints_reaches_the_console_as_one_line(tmp_path):
    printed = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    )

    lines = [line for line in printed.stderr.splitlines() if "Worker channel failed" in line]
    assert len(lines) == 1 and lines[0].endswith("Worker channel failed (ConnectionError; details withheld)"), (
        printed.stderr
    )
    assert "Traceback" not in printed.stderr and "keepalive" not in printed.stderr
    assert "never retrieved" not in printed.stderr and "WorkerChannel" not in printed.stderr
    assert "Unclosed client session" in printed.stderr

"""结果同悉: a referred or hotline case's result goes back to its channel, through a real HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fengqiao.channels import adapt
from fengqiao.config.settings import get_settings
from fengqiao.db import outbox
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.vocabulary import Channel, InputKind
from fengqiao.services import result_back
from fengqiao.services.intake import receive
from fengqiao.services.runtime import engine
from tests.drive import drive

EXAMPLES = Path(__file__).parent.parent / "examples"


class Channel12345:
    """A stand-in for the hotline platform's receiving endpoint: answers with the codes it is given."""

    def __init__(self, answers: list[int]) -> None:
        self.answers, self.received = list(answers), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                code = outer.answers.pop(0) if outer.answers else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else b"busy")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/results"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hotline_platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Channel12345]:
    platform = Channel12345([])
    monkeypatch.setenv("FENGQIAO_RESULT_WEBHOOKS", json.dumps({"hotline_12345": platform.url}))
    monkeypatch.setenv("FENGQIAO_RESULT_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("FENGQIAO_ALLOW_PRIVATE_WEBHOOKS", "true")  # every delivery is held to the address rule
    monkeypatch.setenv("FENGQIAO_RESULT_RETRY_SECONDS", "60")
    get_settings.cache_clear()
    yield platform
    platform.server.shutdown()
    get_settings.cache_clear()


def close_hotline_case() -> int:
    data = json.loads((EXAMPLES / "hotline_12345.jsonl").read_text(encoding="utf-8").splitlines()[0])
    case = receive(adapt(Channel.HOTLINE_12345, data, record="t")).case
    assert drive(case.case_no, case.id, [(InputKind.OUTCOME, "agreement", "M-S01")])[-1] == "closed"
    return case.id


def test_the_result_is_posted_once_signed_with_its_idempotency_key(network, hotline_platform):
    case_id = close_hotline_case()

    [(headers, body)] = hotline_platform.received
    sent = json.loads(body)
    assert sent == {
        "case_no": sent["case_no"],
        "channel": "hotline_12345",
        "channel_ref": "YB12345-20261102-00318",
        "result": "resolved",
        "outcome": "agreement",
        "handoff_target": None,
        "highest_org": sent["highest_org"],
        "closed_at": sent["closed_at"],
        "summary": "调解成功 mediation succeeded: 书面协议 agreement",
    }
    assert headers["Idempotency-Key"] == f"fengqiao-result-{sent['case_no']}"
    assert headers["X-Fengqiao-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    with UnitOfWork(engine()) as uow:
        [notice] = outbox.notices(uow.conn, case_id=case_id)
    assert (notice["status"], notice["attempts"], [t["status_code"] for t in notice["tries"]]) == (
        "delivered",
        1,
        [200],
    )
    nothing = {"delivered": 0, "failed": 0, "refused": 0, "no_target": 0}
    assert result_back.deliver_due() == nothing  # nothing is sent twice


def test_a_failed_delivery_is_recorded_and_retried_later_with_the_same_key(network, hotline_platform, monkeypatch):
    hotline_platform.answers = [503]
    case_id = close_hotline_case()

    with UnitOfWork(engine()) as uow:
        [notice] = outbox.notices(uow.conn, case_id=case_id)
    assert (notice["status"], notice["last_error"], [t["status_code"] for t in notice["tries"]]) == (
        "pending",
        "HTTP 503: busy",
        [503],
    )
    nothing = {"delivered": 0, "failed": 0, "refused": 0, "no_target": 0}
    assert result_back.deliver_due() == nothing  # not due for a minute

    later = result_back.now() + timedelta(seconds=61)
    monkeypatch.setattr(result_back, "now", lambda: later)
    assert result_back.deliver_due() == {"delivered": 1, "failed": 0, "refused": 0, "no_target": 0}

    keys = [headers["Idempotency-Key"] for headers, _ in hotline_platform.received]
    assert len(keys) == 2 and keys[0] == keys[1]
    with UnitOfWork(engine()) as uow:
        [notice] = outbox.notices(uow.conn, case_id=case_id)
    assert (notice["status"], notice["attempts"], [t["status_code"] for t in notice["tries"]]) == (
        "delivered",
        2,
        [503, 200],
    )


def test_a_channel_without_a_webhook_keeps_its_result_pending(network, monkeypatch):
    monkeypatch.setenv("FENGQIAO_RESULT_WEBHOOKS", "{}")
    get_settings.cache_clear()
    case_id = close_hotline_case()

    assert result_back.deliver_due() == {"delivered": 0, "failed": 0, "refused": 0, "no_target": 1}
    with UnitOfWork(engine()) as uow:
        [notice] = outbox.notices(uow.conn, case_id=case_id)
    assert (notice["status"], notice["tries"]) == ("pending", [])
    get_settings.cache_clear()


def test_a_case_from_a_channel_that_wants_no_result_queues_none(network):
    data = json.loads((EXAMPLES / "online.jsonl").read_text(encoding="utf-8").splitlines()[0])
    case = receive(adapt(Channel.ONLINE, data, record="t")).case
    drive(case.case_no, case.id, [(InputKind.OUTCOME, "agreement", "M-C01")])
    with UnitOfWork(engine()) as uow:
        assert outbox.notices(uow.conn) == []

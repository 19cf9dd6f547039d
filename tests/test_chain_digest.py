"""The daily digest of chain heads: a file of every head and its root, the root posted to a receiver
outside fengqiao (a loopback server here), and `audit verify --digest` holding the database to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.config.settings import get_settings
from fengqiao.db.tables import access_log, transitions
from fengqiao.flows.chain_digest import chain_digest
from fengqiao.models.clocks import CST
from fengqiao.models.errors import NotDelivered
from fengqiao.runs.deployments import deploy
from fengqiao.services.case_reads import read_case
from fengqiao.services.chain_digest import post_digest, write_digest
from fengqiao.services.runtime import now
from tests.test_evidence_chain import TIMELINE, a_mediating_case, as_owner, auditor_hash, caller, stored
from tests.test_result_back import Channel12345


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Channel12345]:
    """Whoever keeps the digests outside fengqiao: a loopback server that records each post, answering 200."""
    kept = Channel12345([])
    monkeypatch.setenv("FENGQIAO_AUDIT_DIGEST_WEBHOOK", kept.url)
    monkeypatch.setenv("FENGQIAO_AUDIT_DIGEST_SECRET", "s3cret")
    monkeypatch.setenv("FENGQIAO_AUDIT_DIGEST_DIR", str(tmp_path / "digests"))
    monkeypatch.setenv("FENGQIAO_ALLOW_PRIVATE_WEBHOOKS", "true")  # the receiver is on loopback
    get_settings.cache_clear()
    yield kept
    kept.server.shutdown()
    get_settings.cache_clear()


def head(case_no: str, case_id: int, chain: str, row: Any) -> str:
    obj = {"case_id": case_id, "case_no": case_no, "chain": chain, "seq": row["seq"], "hash": row["row_hash"]}
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_the_daily_digest_writes_every_head_and_posts_its_root_signed(network, receiver):
    first_no, first = a_mediating_case()
    second_no, second = a_mediating_case("CHAIN-2")
    read_case(first_no, caller())

    result = chain_digest()

    path = Path(result["file"])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:-1] == [
        head(first_no, first, "access_log", stored(access_log, first)[-1]),
        head(first_no, first, "transitions", stored(transitions, first)[-1]),
        head(second_no, second, "transitions", stored(transitions, second)[-1]),
    ]
    root = hashlib.sha256("".join(f"{line}\n" for line in lines[:-1]).encode()).hexdigest()
    summary = json.loads(lines[-1])
    day = f"{now().astimezone(CST):%Y-%m-%d}"
    assert {k: v for k, v in summary.items() if k != "at"} == {
        "format": "fengqiao-chain-digest/2",
        "day": day,
        "chains": 3,
        "root": root,
    }
    assert path.parent == get_settings().digest_dir and path.name.startswith(f"chain-digest-{day}T")
    [(headers, body)] = receiver.received
    assert json.loads(body) == {**summary, "file": path.name}
    assert headers["Idempotency-Key"] == f"chain-digest:{root}"
    assert headers["X-Fengqiao-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert result == {**summary, "file": str(path), "posted": 200}
    assert CliRunner().invoke(app, ["audit", "verify", "--digest", str(path)]).output == (
        f"核验 verified 2 cases: 6 transitions, 1 access-log rows; 3 heads of {path.name} held: 完好 intact\n"
        f"摘要根 digest root {root}: 请与接收方留存的核对 compare it with the receiver's copy\n"
    )


def test_a_chain_rewritten_whole_or_cut_short_is_caught_only_against_the_digest(database, network, receiver):
    case_no, case_id = a_mediating_case()
    read_case(case_no, caller())
    kept = write_digest(at=now())
    [_, _, assignment] = stored(transitions, case_id)
    forged = dict(assignment, reason="forged")
    forged_hash = auditor_hash("transitions", forged, TIMELINE)  # its prev_hash kept: the chain still links

    rewrite = "UPDATE transitions SET reason = 'forged', row_hash = :h WHERE case_id = :c AND seq = 3"
    as_owner(database, "transitions", rewrite, h=forged_hash, c=case_id)
    as_owner(database, "access_log", "DELETE FROM access_log WHERE case_id = :c", c=case_id)

    plain = CliRunner().invoke(app, ["audit", "verify"])
    against = CliRunner().invoke(app, ["audit", "verify", "--digest", str(kept.path)])
    assert (plain.exit_code, plain.output) == (
        0,
        "核验 verified 1 cases: 3 transitions, 0 access-log rows: 完好 intact\n",
    )
    day = kept.summary["day"]
    assert (against.exit_code, against.output.splitlines()) == (
        1,
        [
            f"断链 broken: case {case_no}, access_log seq 1: against the digest of {day}: "
            "in the digest, missing from the database",
            f"断链 broken: case {case_no}, transitions seq 3: against the digest of {day}: the digest holds hash "
            f"{assignment['row_hash'][:12]}…, the database {forged_hash[:12]}… (rewritten)",
            f"核验 verified 1 cases: 3 transitions, 0 access-log rows; 2 heads of {kept.path.name} held: 2 处断链 broken",
            f"摘要根 digest root {kept.summary['root']}: 请与接收方留存的核对 compare it with the receiver's copy",
        ],
    )


def test_a_digest_file_changed_after_it_was_written_is_refused(network, receiver):
    a_mediating_case()
    kept = write_digest(at=now())
    text = kept.path.read_text(encoding="utf-8")
    kept.path.write_text(text.replace('"seq":3', '"seq":2', 1), encoding="utf-8")

    result = CliRunner().invoke(app, ["audit", "verify", "--digest", str(kept.path)])

    changed = hashlib.sha256("".join(text.splitlines(keepends=True)[:-1]).replace('"seq":3', '"seq":2', 1).encode())
    assert (
        (result.exit_code, result.output)
        == (
            2,  # the file cannot be used: not "the chains are broken" (1)
            f"invalid_input: field digest: digest {kept.path}: 文件已被改动 its lines hash to {changed.hexdigest()[:12]}…, "
            f"not to the root it states {kept.summary['root'][:12]}…: the file was changed\n",
        )
    )


def test_a_receiver_on_a_private_address_is_refused_unless_allowed(network, receiver, monkeypatch):
    a_mediating_case()
    monkeypatch.setenv("FENGQIAO_ALLOW_PRIVATE_WEBHOOKS", "false")
    get_settings.cache_clear()
    kept = write_digest(at=now())

    with pytest.raises(NotDelivered) as refused:
        post_digest(kept)

    assert refused.value.message == (
        f"the chain digest {kept.path.name} was not acknowledged: refused: "
        "127.0.0.1 resolves to 127.0.0.1, a loopback, private or reserved address"
    )
    assert receiver.received == []
    assert kept.path.exists()


def test_without_a_receiver_the_digest_is_written_and_not_posted(network, monkeypatch, tmp_path):
    monkeypatch.setenv("FENGQIAO_AUDIT_DIGEST_DIR", str(tmp_path))
    get_settings.cache_clear()

    result = chain_digest()

    assert (result["chains"], result["posted"]) == (0, None)
    assert Path(result["file"]).read_text(encoding="utf-8").count("\n") == 1
    assert post_digest(write_digest(at=now())) is None


def test_the_digest_is_deployed_daily_on_the_work_pool(network):
    deploy()

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("chain-digest/daily")

    [schedule] = deployment.schedules
    assert (deployment.entrypoint, deployment.work_pool_name) == (
        "fengqiao.flows.chain_digest.chain_digest",
        "fengqiao-cases",
    )
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 0 * * *", "Asia/Shanghai")  # type: ignore[union-attr]


def test_audit_digest_runs_the_flow_once(network, receiver):
    a_mediating_case()

    result = CliRunner().invoke(app, ["audit", "digest"])

    shown = json.loads(result.output)
    assert (result.exit_code, shown["chains"], shown["posted"]) == (0, 1, 200)
    assert Path(shown["file"]).read_text(encoding="utf-8").splitlines()[-1] == json.dumps(
        {k: shown[k] for k in ("at", "chains", "day", "format", "root")}, separators=(",", ":"), ensure_ascii=False
    )
    assert (
        CliRunner().invoke(app, ["audit", "verify", "--case", "FQ0"]).output
        == "case_not_found: 没有案件 no case 'FQ0'\n"
    )

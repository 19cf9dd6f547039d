"""Webhook targets (结果同悉): each belongs to its key and gets only the results that key may see;
every delivery is judged and pinned to the address it judged. Loopback servers only: no test here
sends anything to a public address (a public address appears only as a faked DNS answer, and a
target that resolves to one is never delivered to).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fengqiao.channels import adapt
from fengqiao.config.settings import get_settings
from fengqiao.db import access, flow_runs, outbox
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.addresses import carried_ipv4, parse_url, refused_address
from fengqiao.models.vocabulary import Channel, InputKind
from fengqiao.services import result_back
from fengqiao.services.intake import receive
from fengqiao.services.runtime import engine
from tests.drive import drive
from tests.factories import a_key, example_of

V1 = "/api/v1"
CUIPING, NANXI = ("511502",), ("511503",)  # the sample city's two districts


class Receiver:
    """A channel's receiving endpoint on loopback: records every request it gets, answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/results"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def case_nos(self) -> list[str]:
        return [body["case_no"] for _, body in self.received]


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    pair = Receiver(), Receiver()
    yield pair
    for r in pair:
        r.server.shutdown()


@pytest.fixture
def private_allowed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FENGQIAO_ALLOW_PRIVATE_WEBHOOKS", "true")  # the receivers are on loopback
    monkeypatch.setenv("FENGQIAO_RESULT_WEBHOOKS", "{}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def hotline_record(district: tuple[str, ...]) -> dict[str, Any]:
    """The shipped 12345 ticket, in 翠屏 (511502) or, with another ticket and caller, in 南溪 (511503)."""
    record = example_of("hotline_12345")
    if district == NANXI:
        record |= {
            "ticket_id": "YB12345-20261104-00077",
            "caller": {"name": "李春华", "phone": "13990012233"},
            "respondent": {"name": "南溪鑫达劳务公司"},
            "address": "南溪区南溪街道仙峰路6号",
            "area_code": "511503001001",
        }
    return record


def sent_and_closed(api, key: dict[str, str], district: tuple[str, ...]) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """An integrator sends a 12345 ticket through the API; the case is mediated to an agreement and closes."""
    response = api.post(f"{V1}/intake/hotline_12345", json=hotline_record(district), headers=key)
    assert response.status_code == 202, response.text
    case_no, case_id = response.json()["case_no"], response.json()["case_id"]
    no_worker_runs_it(case_id)
    mediator = "M-S01" if district == CUIPING else "M-S04"
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", mediator)])[-1] == "closed"
    return case_no, case_id


def no_worker_runs_it(case_id: int) -> None:
    """Intake starts no run (a worker would, from the intake outbox); no worker runs here, so the
    test drives the case in this process."""
    with UnitOfWork(engine()) as uow:
        assert flow_runs.case_flow_run(uow.conn, case_id) == (None, False)


def tries_of(case_id: int) -> tuple[str, list[tuple[str, int | None, str | None]]]:
    with UnitOfWork(engine()) as uow:
        [notice] = outbox.notices(uow.conn, case_id=case_id)
    return notice["status"], [(t["target"], t["status_code"], t["error"]) for t in notice["tries"]]


# --- item 4: a target belongs to its key and gets only what that key may see ---------------------
def test_two_districts_on_one_channel_each_get_only_their_own_results(api, receivers, private_allowed):
    for_a, for_b = receivers
    a, b = (
        a_key("integrator", name="12345-cuiping", areas=CUIPING),
        a_key("integrator", name="12345-nanxi", areas=NANXI),
    )

    put_a = api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": for_a.url}, headers=a)
    put_b = api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": for_b.url}, headers=b)

    assert (put_a.status_code, put_b.status_code) == (200, 200)
    assert api.get(f"{V1}/webhooks", headers=a).json() == [{"channel": "hotline_12345", "url": for_a.url}]
    assert api.get(f"{V1}/webhooks", headers=b).json() == [{"channel": "hotline_12345", "url": for_b.url}]

    case_a, id_a = sent_and_closed(api, a, CUIPING)
    case_b, id_b = sent_and_closed(api, b, NANXI)

    assert (for_a.case_nos, for_b.case_nos) == ([case_a], [case_b])
    assert tries_of(id_a) == ("delivered", [(for_a.url, 200, None)])
    assert tries_of(id_b) == ("delivered", [(for_b.url, 200, None)])
    assert result_back.deliver_due() == {"delivered": 0, "failed": 0, "refused": 0, "no_target": 0}


def test_another_districts_target_never_gets_a_result_it_may_not_see(api, receivers, private_allowed):
    for_b, _ = receivers
    a, b = (
        a_key("integrator", name="12345-cuiping", areas=CUIPING),
        a_key("integrator", name="12345-nanxi", areas=NANXI),
    )
    assert api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": for_b.url}, headers=b).status_code == 200

    _, id_a = sent_and_closed(api, a, CUIPING)  # 翠屏's key registered nothing: its result waits for a target

    assert for_b.received == []
    assert tries_of(id_a) == ("pending", [])
    assert result_back.deliver_due() == {"delivered": 0, "failed": 0, "refused": 0, "no_target": 1}


def test_a_city_key_gets_what_it_sent_and_a_district_key_what_arose_in_its_district(api, receivers, private_allowed):
    for_city, for_district = receivers
    city = a_key("integrator", name="12345-city", areas=("5115",))
    district = a_key("integrator", name="12345-cuiping", areas=CUIPING)
    for key, receiver in ((city, for_city), (district, for_district)):
        api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": receiver.url}, headers=key)

    sent_by_city, _ = sent_and_closed(api, city, CUIPING)  # the key that sent a case gets its result
    nanxi_case, _ = sent_and_closed(api, city, NANXI)
    from_the_command_line = receive(  # sent by no key: the narrowest jurisdiction that covers it
        adapt(Channel.HOTLINE_12345, hotline_record(CUIPING) | {"ticket_id": "YB12345-CLI-1"}, record="t")
    ).case
    drive(from_the_command_line.case_no, from_the_command_line.id, [(InputKind.OUTCOME, "agreement", "M-S01")])

    assert (for_city.case_nos, for_district.case_nos) == ([sent_by_city, nanxi_case], [from_the_command_line.case_no])


def test_a_revoked_keys_target_gets_nothing(api, receivers, private_allowed):
    receiver, _ = receivers
    key = a_key("integrator", name="12345-cuiping", areas=CUIPING)
    api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": receiver.url}, headers=key)
    with UnitOfWork(engine()) as uow:
        caller = access.caller_for(uow.conn, key["Authorization"].split()[1])
        assert caller is not None
    response = api.post(f"{V1}/intake/hotline_12345", json=hotline_record(CUIPING), headers=key)
    case_no, case_id = response.json()["case_no"], response.json()["case_id"]
    no_worker_runs_it(case_id)
    with UnitOfWork(engine()) as uow:
        assert access.revoke_key(uow.conn, caller.key_id, at=result_back.now())
        uow.commit()

    assert drive(case_no, case_id, [(InputKind.OUTCOME, "agreement", "M-S01")])[-1] == "closed"

    assert receiver.received == []
    assert tries_of(case_id) == ("pending", [])


def test_a_key_lists_and_removes_only_its_own_targets(api, private_allowed):
    a, b = (
        a_key("integrator", name="12345-cuiping", areas=CUIPING),
        a_key("integrator", name="12345-nanxi", areas=NANXI),
    )
    api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": "http://127.0.0.1:9/a"}, headers=a)
    api.put(f"{V1}/webhooks", json={"channel": "police", "url": "http://127.0.0.1:9/a-police"}, headers=a)
    api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": "http://127.0.0.1:9/b"}, headers=b)
    again = api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": "http://127.0.0.1:9/a2"}, headers=a)

    removed = api.delete(f"{V1}/webhooks/police", headers=a)
    not_there = api.delete(f"{V1}/webhooks/police", headers=b)

    assert again.json() == {"channel": "hotline_12345", "url": "http://127.0.0.1:9/a2"}  # its own, replaced
    assert removed.json() == [{"channel": "hotline_12345", "url": "http://127.0.0.1:9/a2"}]
    assert (not_there.status_code, not_there.json()["error"]) == (
        404,
        {
            "code": "webhook_target_not_found",
            "message": "key 12345-nanxi has no webhook target for channel police",
            "field": "channel",
        },
    )
    assert api.get(f"{V1}/webhooks", headers=b).json() == [{"channel": "hotline_12345", "url": "http://127.0.0.1:9/b"}]


# --- item 5: the address rule, at registration and at every delivery -----------------------------
@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://[64:ff9b::7f00:1]/hook",
            "url: 64:ff9b::7f00:1 resolves to 64:ff9b::7f00:1 (which reaches 127.0.0.1), "
            "a loopback, private or reserved address",
        ),
        (
            "http://[2002:7f00:1::]/hook",
            "url: 2002:7f00:1:: resolves to 2002:7f00:1:: (which reaches 127.0.0.1), "
            "a loopback, private or reserved address",
        ),
        (
            "http://[::ffff:127.0.0.1]/hook",
            "url: ::ffff:127.0.0.1 resolves to ::ffff:7f00:1 (which reaches 127.0.0.1), "
            "a loopback, private or reserved address",
        ),
        (
            "http://[64:ff9b::a00:8]/hook",
            "url: 64:ff9b::a00:8 resolves to 64:ff9b::a00:8 (which reaches 10.0.0.8), "
            "a loopback, private or reserved address",
        ),
        ("http://[::1/hook", "url: not a valid URL (Invalid IPv6 URL)"),
        ("http://127.0.0.1:99999/hook", "url: not a valid URL (Port out of range 0-65535)"),
        ("http://user:pw@127.0.0.1/hook", "url: must not carry a user name or password"),
    ],
)
def test_addresses_that_reach_loopback_or_private_ones_and_malformed_urls_are_refused(api, url, message):
    response = api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": url}, headers=a_key("integrator"))

    assert (response.status_code, response.json()["error"]) == (
        422,
        {"code": "webhook_target_refused", "message": message, "field": "url"},
    )


def test_ipv6_forms_are_judged_by_the_ipv4_address_they_carry():
    from ipaddress import ip_address

    assert [str(carried_ipv4(ip_address(a))) for a in ("64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8")] == [
        "8.8.8.8"
    ] * 3
    assert refused_address("h", ip_address("64:ff9b::808:808"), allow_private=False) is None  # a public one, via NAT64
    assert refused_address("h", ip_address("2606:4700::1"), allow_private=False) is None
    refused = ("64:ff9b::a9fe:a9fe", "2002:c0a8:101::", "::7f00:1", "64:ff9b:1::1", "224.0.0.1", "0.0.0.0", "fe80::1")
    assert [a for a in refused if refused_address("h", ip_address(a), allow_private=False) is None] == []
    assert refused_address("h", ip_address("::1"), allow_private=True) is None  # the administrator's switch
    assert parse_url("http://[::1") == "not a valid URL (Invalid IPv6 URL)"


class FakeDns:
    """getaddrinfo for one test name: the answers given in turn (the last one repeats); every other
    name (the Prefect server, the loopback receiver's address) resolves as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str, answers: list[str]) -> None:
        self.name, self.answers, self.asked = name, answers, 0
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
            if (host.decode() if isinstance(host, bytes) else host) != self.name:
                return real(host, port, *args, **kw)
            address = self.answers[min(self.asked, len(self.answers) - 1)]
            self.asked += 1
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_that_rebinds_to_loopback_after_registration_is_refused_at_delivery(api, receivers, monkeypatch):
    receiver, _ = receivers  # the loopback service the rebinding aims at: it must hear nothing
    monkeypatch.setenv("FENGQIAO_RESULT_WEBHOOKS", "{}")
    get_settings.cache_clear()  # private targets are not allowed: the address rule applies
    dns = FakeDns(monkeypatch, "results.rebind.test", ["93.184.216.34", "127.0.0.1"])  # public, then loopback
    url = f"http://results.rebind.test:{receiver.port}/results"
    key = a_key("integrator", name="12345-cuiping", areas=CUIPING)

    registered = api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": url}, headers=key)
    assert (registered.status_code, dns.asked) == (200, 1)  # judged public when registered; nothing is sent then
    _, case_id = sent_and_closed(api, key, CUIPING)

    assert receiver.received == []
    refusal = "refused: results.rebind.test resolves to 127.0.0.1, a loopback, private or reserved address"
    assert tries_of(case_id) == ("pending", [(url, None, refusal)])
    with UnitOfWork(engine()) as uow:
        [notice] = outbox.notices(uow.conn, case_id=case_id)
    assert notice["last_error"] == refusal
    get_settings.cache_clear()


def test_a_delivery_connects_to_the_address_it_judged_with_the_name_in_the_host_header(
    api, receivers, private_allowed, monkeypatch
):
    receiver, _ = receivers
    dns = FakeDns(monkeypatch, "results.pinned.test", ["127.0.0.1"])
    url = f"http://results.pinned.test:{receiver.port}/results"
    key = a_key("integrator", name="12345-cuiping", areas=CUIPING)
    api.put(f"{V1}/webhooks", json={"channel": "hotline_12345", "url": url}, headers=key)
    dns.answers = ["127.0.0.1", "127.0.0.2"]  # had the sender resolved the name again, it would miss the receiver
    dns.asked = 0

    case_no, case_id = sent_and_closed(api, key, CUIPING)

    assert dns.asked == 1  # once, by the delivery; the connection went to the address it judged
    [(headers, body)] = receiver.received
    assert (headers["Host"], body["case_no"]) == (f"results.pinned.test:{receiver.port}", case_no)
    assert tries_of(case_id) == ("delivered", [(url, 200, None)])

"""The completeness gate: an agreement needs the papers the network requires, else 409 incomplete_case_file."""

from __future__ import annotations

import pytest

from fengqiao.config.network import SAMPLE_NETWORK, load_network_file, parse_network_document
from fengqiao.models.errors import ConfigurationError
from fengqiao.services.intake import apply_configuration
from tests.factories import a_key
from tests.paperwork import PDF, error, mediating
from tests.test_session_records import SITTING

V1 = "/api/v1"
RULES = {"agreement": ["session_record", "signed_copy"], "oral_agreement": ["session_record", "oral_agreement"]}
TERMS = {"terms": "李四赔偿800元。", "manner": "现金", "amount": "800.00"}


@pytest.fixture
def gated(api):  # type: ignore[no-untyped-def]
    """The sample network with the gate on, applied as the version new cases take."""
    document = load_network_file()
    document["case_file"] = RULES
    apply_configuration(document, source="gated")
    return api


def incomplete(case_no: str, outcome: str, missing: str) -> tuple[int, dict]:
    message = f"卷宗不全 case {case_no} cannot close as resolved ({outcome}, attempt 1): missing {missing}"
    return 409, {"code": "incomplete_case_file", "message": message, "field": "case_file"}


SESSION = "session_record: 调解笔录 a session record of the attempt"
SIGNED = "signed_copy: 签字盖章的调解协议书 the signed copy of the agreement"
ORAL = "oral_agreement: 口头调解协议登记 the oral agreement's terms, recorded with it"


def test_a_written_agreement_needs_a_session_and_the_signed_copy(gated):
    api = gated
    case_no, _ = mediating("GATE-WRITTEN")
    mediator = a_key("mediator", name="M-G01")

    bare = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS, headers=mediator)
    api.post(f"{V1}/cases/{case_no}/sessions", json=SITTING, headers=mediator)
    unsigned = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "agreement"}, headers=mediator)
    upload = api.post(
        f"{V1}/cases/{case_no}/documents", files={"file": ("s.pdf", PDF, "application/pdf")}, headers=mediator
    )
    complete = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS, headers=mediator)

    assert error(bare) == incomplete(case_no, "agreement", f"{SESSION}; {SIGNED}")
    assert error(unsigned) == incomplete(case_no, "agreement", SIGNED)
    assert upload.status_code == 201
    assert (complete.status_code, complete.json()["created"]) == (200, True)


def test_an_oral_agreement_needs_its_register_recorded_with_it(gated):
    api = gated
    case_no, _ = mediating("GATE-ORAL")
    mediator = a_key("mediator", name="M-G02")
    api.post(f"{V1}/cases/{case_no}/sessions", json=SITTING, headers=mediator)

    bare = api.post(f"{V1}/cases/{case_no}/outcome", json={"result": "oral_agreement"}, headers=mediator)
    registered = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS | {"oral": True}, headers=mediator)

    assert error(bare) == incomplete(case_no, "oral_agreement", ORAL)
    assert registered.status_code == 200


def test_other_outcomes_and_networks_without_the_section_pass(api):
    document = load_network_file()
    del document["case_file"]  # the sample's gate taken off
    apply_configuration(document, source="no gate")
    case_no, _ = mediating("GATE-OFF")
    agreed = api.post(f"{V1}/cases/{case_no}/agreement", json=TERMS, headers=a_key("mediator", name="M-G03"))
    assert agreed.status_code == 200


def test_the_requirements_are_checked_when_the_network_is_loaded():
    sample = SAMPLE_NETWORK.read_text(encoding="utf-8")
    text = sample.replace("  agreement: [session_record, signed_copy]", "  agreement: [session_record, photo]")
    line = text[: text.index("photo")].count("\n") + 1  # the line that names the requirement

    with pytest.raises(ConfigurationError) as refused:
        parse_network_document(text, "net.yaml")

    assert refused.value.message == (
        f"net.yaml:{line}: case_file.agreement.1: 取值不在允许范围 Input should be 'session_record', 'signed_copy' or 'oral_agreement'"
    )

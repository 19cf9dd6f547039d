"""The expert's opinion through the API (the expert role, or a coordinator naming the expert), kept as a paper."""

from __future__ import annotations

from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.models.papers import day
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.documents import make_papers, read_document
from fengqiao.services.expert_opinions import record_opinion
from fengqiao.services.runtime import now
from tests.drive import drive, register
from tests.factories import a_key
from tests.paperwork import error
from tests.test_documents import squash, text_of

V1 = "/api/v1"
OPINION = "追尾车辆承担70%责任，前车承担30%责任。"


def waiting_for_an_opinion(ref: str) -> tuple[str, int]:
    panel = next(s for s in SCENARIOS if s.name == "panel_with_expert")
    case_no, case_id = register(panel.intake_record(channel_ref=ref, n=1))
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "failed", "M-C06")]) == [
        "waiting:outcome",
        "waiting:expert_opinion",
    ]
    return case_no, case_id


def test_an_expert_gives_its_own_opinion_once_and_no_other_experts(api):
    case_no, case_id = waiting_for_an_opinion("EXPERT-API")
    expert = a_key("expert", name="E-05")

    given = api.post(f"{V1}/cases/{case_no}/expert-opinion", json={"expert": "E-05", "text": OPINION}, headers=expert)
    again = api.post(f"{V1}/cases/{case_no}/expert-opinion", json={"expert": "E-05", "text": OPINION}, headers=expert)
    as_other = api.post(f"{V1}/cases/{case_no}/expert-opinion", json={"expert": "E-01", "text": "x"}, headers=expert)
    unknown = api.post(
        f"{V1}/cases/{case_no}/expert-opinion", json={"expert": "E-99", "text": "x"}, headers=a_key("coordinator")
    )
    mediator = api.post(
        f"{V1}/cases/{case_no}/expert-opinion", json={"expert": "E-05", "text": "x"}, headers=a_key("mediator")
    )

    assert given.status_code == 200, given.text
    assert given.json() == {
        "case_id": case_id,
        "case_no": case_no,
        "kind": "expert_opinion",
        "round": 2,
        "value": OPINION,
        "note": "",
        "actor": "E-05",
    }
    assert again.json() == given.json()
    assert error(as_other) == (
        403,
        {
            "code": "forbidden",
            "message": "密钥 E-05 只能提交本人的意见 key E-05 gives its own opinion, not E-01's",
            "field": "expert",
        },
    )
    assert error(unknown) == (
        422,
        {
            "code": "invalid_input",
            "message": f"record {case_no}, field expert: 调解网络中没有专家 'E-99' no expert 'E-99' in the network",
            "field": "expert",
        },
    )
    assert error(mediator)[0] == 403
    assert error(api.get(f"{V1}/cases/{case_no}", headers=expert))[0] == 403  # an expert reads no case through the API


def test_the_opinion_is_kept_as_a_paper(network):
    case_no, case_id = waiting_for_an_opinion("EXPERT-PAPER")
    record_opinion(case_no, "E-05", OPINION)
    assert drive(case_no, case_id, []) == ["waiting:outcome"]

    made = {str(m.kind): m for m in make_papers(case_no)}

    _, pdf = read_document(case_no, made["expert_opinion"].id)
    assert text_of(pdf) == squash(
        "\n".join(
            [
                f"市道路交通事故人民调解委员会 · 编号 No. {case_no}",
                "专 家 咨 询 意 见",
                "Expert Opinion",
                "咨询专家 expert 陶工程师(E-05)",
                f"出具日期 given {day(now())}",
                "专家意见",
                "追尾车辆承担70%责任,前车承担30%责任。",
                "专家(签名) expert's signature:____________ 日期:________",
            ]
        )
    )

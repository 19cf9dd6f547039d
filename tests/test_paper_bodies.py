"""What the papers name from the network: the bodies of the case's area (告知书, 司法确认申请书)
and the committee's seal where the seal goes (an image if configured, else a box marked 盖章处)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from fengqiao.config.network import SAMPLE_NETWORK, load_network_file
from fengqiao.db import cases as case_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.case import Party
from fengqiao.models.papers import day
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.documents import make_papers, read_document
from fengqiao.services.intake import apply_configuration
from fengqiao.services.judicial_confirmation import record_application
from fengqiao.services.runtime import engine, now
from tests.drive import drive, register
from tests.factories import a_new_case
from tests.paperwork import a_png
from tests.test_documents import HEAD, SIGN, squash, text_of

STREET = {  # a longer area code than the district's: its cases' papers name these
    "area_code": "511502001",
    "court": "宜宾市翠屏区人民法院西郊人民法庭",
    "arbitration": "宜宾市劳动人事争议仲裁院",
    "administrative_review": "宜宾市翠屏区人民政府",
    "administrative_adjudication": "宜宾市自然资源和规划局翠屏分局",
}
COURT = "向宜宾市翠屏区人民法院西郊人民法庭提起诉讼"
LAND_ROADS = [  # refused: the path's on_refused target (the court) first, then the roads the law gives land
    "途径1",
    COURT,
    "途径2",
    "向宜宾市自然资源和规划局翠屏分局申请处理(行政裁决)",
    "途径3",
    "对行政机关的处理决定不服的,可向宜宾市翠屏区人民政府申请行政复议或依法提起行政诉讼",
]
LABOUR_ROADS = [
    "途径1",
    "向宜宾市劳动人事争议仲裁院申请劳动争议仲裁;对仲裁裁决不服的,可依法向宜宾市翠屏区人民法院西郊人民法庭提起诉讼",
]


def mediator_of(case_no: str, case_id: int) -> str:
    """Whoever assignment chose: a refusal is recorded by the case's own mediator."""
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    with UnitOfWork(engine()) as uow:
        mediator = case_store.find_case(uow.conn, case_no).mediator
    assert mediator is not None
    return mediator


def papers(case_no: str) -> dict[str, bytes]:
    return {str(m.kind): read_document(case_no, m.id)[1] for m in make_papers(case_no)}


def test_the_notice_and_the_application_name_the_bodies_the_network_gives_for_the_area(network):
    document = load_network_file()
    document["legal_bodies"].append(STREET)
    apply_configuration(document, source="street bodies")
    refused, refused_id = register(a_new_case(channel_ref="BODIES-REFUSED", summary="宅基地边界纠纷"))
    others = (Party("applicant", "孙七"), Party("respondent", "周八"))  # not a duplicate of the first
    agreed, agreed_id = register(a_new_case(channel_ref="BODIES-AGREED", parties=others))
    workers = (Party("applicant", "吴九"), Party("respondent", "郑十"))
    labour, labour_id = register(a_new_case(channel_ref="BODIES-LABOUR", summary="拖欠工资三个月", parties=workers))
    assert drive(refused, refused_id, [(InputKind.OUTCOME, "refused", mediator_of(refused, refused_id))])[-1] == (
        "waiting:handoff_result"
    )
    assert drive(agreed, agreed_id, [(InputKind.OUTCOME, "agreement", "M-C01")])[-1] == "closed"
    assert drive(labour, labour_id, [(InputKind.OUTCOME, "refused", mediator_of(labour, labour_id))])[-1] == (
        "waiting:handoff_result"
    )

    notice = text_of(papers(refused)["rights_notice"])
    labour_notice = text_of(papers(labour)["rights_notice"])
    application = text_of(papers(agreed)["judicial_confirmation"])
    _, stored, _ = record_application(agreed, actor="M-C01")

    assert squash("\n".join([*LAND_ROADS, "当事人可依法维护自己的权利。"])) in notice
    assert squash("\n".join([*LABOUR_ROADS, "当事人可依法维护自己的权利。"])) in labour_notice
    assert application.splitlines()[3].startswith("此致 宜宾市翠屏区人民法院西郊人民法庭申请人 applicant 孙七")
    assert f"向宜宾市翠屏区人民法院西郊人民法庭共同提出。申请人(签名) applicant's signature{SIGN}" in application
    assert stored.court == "宜宾市翠屏区人民法院西郊人民法庭"


def test_the_committees_seal_is_printed_where_the_seal_goes(network, tmp_path):
    (tmp_path / "zhaoyang.png").write_bytes(a_png())  # a test image: no official seal is drawn here
    text = SAMPLE_NETWORK.read_text(encoding="utf-8")
    text = text.replace(
        'area_code: "511502001001", capacity: 25}', 'area_code: "511502001001", capacity: 25, seal: zhaoyang.png}'
    )
    (tmp_path / "network.yaml").write_text(text, encoding="utf-8")
    apply_configuration(load_network_file(tmp_path / "network.yaml"), source="sealed")
    sealed, sealed_id = register(a_new_case(channel_ref="SEALED"))
    assert drive(sealed, sealed_id, [(InputKind.OUTCOME, "refused", "M-C01")])[-1] == "waiting:handoff_result"

    pdf = papers(sealed)["rights_notice"]

    assert text_of(pdf).endswith(
        squash(f"当事人可依法维护自己的权利。\n朝阳社区人民调解委员会(印章) the committee's seal\n{day(now())}")
    )
    assert [len(p.images) for p in PdfReader(io.BytesIO(pdf)).pages] == [1]
    assert text_of(pdf).startswith(HEAD.format(case_no=sealed))

"""What the papers name from the network: the bodies of the case's area (告知书, 司法确认申请书)
and the committee's seal where the seal goes (an image if configured, else a box marked 盖章处)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from fengqiao.config.network import SAMPLE_NETWORK, load_network_file
from fengqiao.models.case import Party
from fengqiao.models.papers import day
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.documents import make_papers, read_document
from fengqiao.services.intake import apply_configuration
from fengqiao.services.judicial_confirmation import record_application
from fengqiao.services.runtime import now
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
ROADS = [
    "途径1",
    "向宜宾市翠屏区人民法院西郊人民法庭提起诉讼",
    "途径2",
    "依法向宜宾市劳动人事争议仲裁院或约定的仲裁机构申请仲裁",
    "途径3",
    "向宜宾市翠屏区人民政府申请行政复议",
    "途径4",
    "向宜宾市自然资源和规划局翠屏分局申请行政裁决",
]


def papers(case_no: str) -> dict[str, bytes]:
    return {str(m.kind): read_document(case_no, m.id)[1] for m in make_papers(case_no)}


def test_the_notice_and_the_application_name_the_bodies_the_network_gives_for_the_area(network):
    document = load_network_file()
    document["legal_bodies"].append(STREET)
    apply_configuration(document, source="street bodies")
    refused, refused_id = register(a_new_case(channel_ref="BODIES-REFUSED"))
    others = (Party("applicant", "孙七"), Party("respondent", "周八"))  # not a duplicate of the first
    agreed, agreed_id = register(a_new_case(channel_ref="BODIES-AGREED", parties=others))
    assert drive(refused, refused_id, [(InputKind.OUTCOME, "refused", "M-C01")])[-1] == "waiting:handoff_result"
    assert drive(agreed, agreed_id, [(InputKind.OUTCOME, "agreement", "M-C01")])[-1] == "closed"

    notice = text_of(papers(refused)["rights_notice"])
    application = text_of(papers(agreed)["judicial_confirmation"])
    _, stored, _ = record_application(agreed, actor="M-C01")

    assert squash("\n".join(ROADS)) in notice
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

"""The papers made from a case's record: PDFs printed by Chromium, their text checked exactly."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from fengqiao.db.tables import documents
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.agreements import AgreementTerms
from fengqiao.models.case import Party
from fengqiao.models.clocks import day_of
from fengqiao.models.papers import day
from fengqiao.models.session_records import SessionRecord
from fengqiao.models.vocabulary import Channel, InputKind
from fengqiao.services.agreements import record_agreement
from fengqiao.services.documents import add_signed_copy, make_papers, read_document
from fengqiao.services.follow_up import record_follow_up
from fengqiao.services.runtime import engine, now
from fengqiao.services.session_records import record_session
from tests.drive import drive, register
from tests.factories import a_new_case
from tests.paperwork import PDF

# the CJK font maps these glyphs back to the radicals that look the same
RADICALS = str.maketrans({"⺠": "民", "⻚": "页", "⻅": "见", "⻋": "车"})


def text_of(pdf: bytes) -> str:
    """The PDF's text as a reader sees it, wrapped lines of a paragraph joined (where a line ends
    between two Chinese characters), so a date's length moving a wrap changes nothing."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    found = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pages)).translate(RADICALS)
    return squash(found)


def squash(found: str) -> str:
    return re.sub(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])", "", found)


def walk_in(ref: str) -> tuple[str, int]:
    people = (
        Party("applicant", "张三", "110101199003074514", "13812345678"),
        Party("respondent", "李四", None, "13900001111"),
    )
    summary = "楼上漏水浸湿楼下天花板，要求赔偿维修费"
    return register(a_new_case(channel=Channel.WALK_IN, channel_ref=ref, parties=people, summary=summary))


SITTING = SessionRecord(
    1,
    datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
    "朝阳社区调解室",
    ("张三（申请人）", "李四（被申请人）"),
    ("卫红",),
    "双方陈述；李四同意赔偿800元。",
    "M-C01",
)
TERMS = AgreementTerms(
    0, False, "李四于2026年12月31日前支付张三维修费800元。", "银行转账", Decimal("800.00"), date(2026, 12, 31)
)
HEAD = "朝阳社区人民调解委员会 · 编号 No. {case_no}"
PARTIES = [
    "申请人 applicant 张三",
    "申请人身份证号 ID no. 110101199003074514",
    "申请人联系电话 phone 13812345678",
    "被申请人 respondent 李四",
    "被申请人联系电话 phone 13900001111",
]
SIGN = ":____________ 日期:________"
SEAL = "朝阳社区人民调解委员会(印章) the committee's seal 盖章处 seal here"  # no seal image in the sample


def expected(case_no: str, today: str) -> dict[tuple[str, str], list[str]]:
    head = HEAD.format(case_no=case_no)
    return {
        ("application", "case"): [
            head,
            "人 民 调 解 申 请 书",
            "Application for People's Mediation",
            *PARTIES,
            "申请事项及事实理由",
            "楼上漏水浸湿楼下天花板,要求赔偿维修费",
            "申请人自愿申请人民调解。The applicant asks for mediation of their own will.",
            f"申请人(签名) applicant's signature{SIGN}",
            today,
        ],
        ("registration", "case"): [
            head,
            "人 民 调 解 受 理 登 记 表",
            "Registration of a Mediation Case",
            f"案件编号 case number {case_no}",
            f"受理日期 registered {today}",
            "来源渠道 channel 窗口来访 walk_in",
            "纠纷类型 dispute type 邻里纠纷 neighbourhood",
            "发生地区划 area code 511502001001001",
            "受理调委会 committee 朝阳社区人民调解委员会",
            *PARTIES,
            "纠纷简要情况",
            "楼上漏水浸湿楼下天花板,要求赔偿维修费",
        ],
        ("session_record", "session:1"): [
            head,
            "人 民 调 解 笔 录",
            "Record of a Mediation Session",
            "第几次调解 session 第1次(第1轮调解)",
            "时间 held 2026年11月24日 10:00",
            "地点 place 朝阳社区调解室",
            "参加人 attendees 张三(申请人)、李四(被申请人)",
            "调解员 mediators 卫红",
            "记录人 recorded by 卫红 M-C01",
            "调解情况记录",
            "双方陈述;李四同意赔偿800元。",
            f"参加人(签名) attendees' signatures{SIGN}",
            f"调解员(签名) mediators' signatures{SIGN}",
        ],
        ("agreement", "attempt:1"): [
            head,
            "人 民 调 解 协 议 书",
            "People's Mediation Agreement",
            *PARTIES,
            "纠纷主要事实 the dispute 楼上漏水浸湿楼下天花板,要求赔偿维修费",
            "达成协议内容",
            "李四于2026年12月31日前支付张三维修费800元。",
            "涉及金额",
            "800.00元",
            "履行方式",
            "银行转账",
            "履行期限",
            "2026年12月31日",
            "本协议自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。本协议书一式三份,"
            "双方当事人、人民调解委员会各持一份。",
            f"申请人(签名) applicant's signature{SIGN}",
            f"被申请人(签名) respondent's signature{SIGN}",
            f"调解员(签名) mediator's signature{SIGN}",
            SEAL,
            today,
        ],
        ("judicial_confirmation", "attempt:1"): [
            head,
            "司 法 确 认 申 请 书",
            "Application for Judicial Confirmation",
            "此致 翠屏区人民法院",
            *PARTIES,
            "申请事项",
            f"请求确认双方于{today}在朝阳社区人民调解委员会主持下达成的人民调解协议有效。",
            "事实和理由",
            "该协议系双方自愿达成,内容不违反法律、行政法规的强制性规定,不损害国家利益、社会公共利益和他人合法权益。",
            "附件",
            f"人民调解协议书({case_no})一份",
            "申请期限",
            f"自调解协议生效之日起三十日内,即{day(day_of(now()) + timedelta(days=30))}前,向翠屏区人民法院共同提出。",
            f"申请人(签名) applicant's signature{SIGN}",
            f"被申请人(签名) respondent's signature{SIGN}",
        ],
        ("follow_up", "attempt:1"): [
            head,
            "人 民 调 解 回 访 记 录",
            "Record of the Follow-up Visit",
            f"回访时间 visited {today}",
            "回访人 visited by 卫红 M-C01",
            "协议履行情况 performance 已履行 honoured",
            "当事人满意度 satisfaction 5/5",
            f"回访人(签名) visitor's signature{SIGN}",
        ],
    }


def test_every_paper_of_an_agreed_walk_in_case_says_exactly_what_its_record_holds(network):
    case_no, case_id = walk_in("DOC-AGREED")
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    record_session(case_no, SITTING)
    add_signed_copy(case_no, PDF, "signed.pdf", actor="M-C01")  # the sample network's gate asks for it
    record_agreement(case_no, TERMS, actor="M-C01")
    assert drive(case_no, case_id, []) == ["closed"]
    record_follow_up(case_no, honoured=True, satisfaction=5, if_broken="reopen", actor="M-C01")

    made = make_papers(case_no)
    again = make_papers(case_no)

    want = expected(case_no, day(now()))
    assert [(str(m.kind), m.subject, m.version, m.origin) for m in made] == [(*k, 1, "generated") for k in want]
    for m in made:
        stored, pdf = read_document(case_no, m.id)
        assert (stored, pdf[:5], hashlib.sha256(pdf).hexdigest()) == (m, b"%PDF-", m.sha256)
        assert text_of(pdf) == squash("\n".join(want[(str(m.kind), m.subject)])), (m.kind, text_of(pdf))
    assert again == []


def test_a_paper_is_made_again_as_a_new_version_only_when_its_record_changed(network):
    case_no, case_id = walk_in("DOC-VERSIONS")
    first = make_papers(case_no)  # received: not yet triaged nor assigned
    assert drive(case_no, case_id, []) == ["waiting:outcome"]

    second = make_papers(case_no)
    third = make_papers(case_no)

    assert [(str(m.kind), m.version) for m in first] == [("application", 1), ("registration", 1)]
    assert [(str(m.kind), m.version) for m in second] == [("application", 2), ("registration", 2)]
    assert third == []
    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(
            select(documents.c.data).where(documents.c.kind == "registration").order_by(documents.c.version)
        ).all()
    shown = [{zh: value for zh, _, value in r.data["fields"]} for r in rows]
    assert [(f["纠纷类型"], f["受理调委会"]) for f in shown] == [
        ("—", "翠屏区人民调解委员会"),
        ("邻里纠纷 neighbourhood", "朝阳社区人民调解委员会"),
    ]


def test_a_refused_case_has_a_notice_of_where_to_go_next(network):
    case_no, case_id = register(a_new_case(channel_ref="DOC-REFUSED"))
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "refused", "M-C01")])[-1] == "waiting:handoff_result"

    made = {str(m.kind): m for m in make_papers(case_no)}

    assert sorted(made) == ["registration", "rights_notice"]
    _, pdf = read_document(case_no, made["rights_notice"].id)
    assert text_of(pdf) == squash(
        "\n".join(
            [
                HEAD.format(case_no=case_no),
                "权 利 告 知 书",
                "Notice of Rights",
                "申请人 applicant 张三",
                "申请人身份证号 ID no. 110101199003074514",
                "申请人联系电话 phone 13812345678",
                "被申请人 respondent 李四",
                "告知事由",
                f"因当事人拒绝调解,本委员会终止调解({day(now())})。",
                "途径1",  # a dispute between neighbours: the court alone (no labour arbitration, no review)
                "向翠屏区人民法院提起诉讼",
                "当事人可依法维护自己的权利。",
                SEAL,
                day(now()),
            ]
        )
    )


def test_an_oral_agreement_is_registered_and_has_no_judicial_confirmation(network):
    case_no, case_id = register(a_new_case(channel_ref="DOC-ORAL"))
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    record_session(case_no, SITTING)  # the sample network's gate asks for a session record
    record_agreement(case_no, AgreementTerms(0, True, "双方当场握手言和。", "当场履行"), actor="M-C01")
    assert drive(case_no, case_id, []) == ["closed"]

    made = [(str(m.kind), m.subject) for m in make_papers(case_no)]

    assert made == [("registration", "case"), ("session_record", "session:1"), ("oral_agreement", "attempt:1")]


@pytest.mark.parametrize("statement", ["UPDATE documents SET size = 0", "DELETE FROM documents"])
def test_a_stored_document_cannot_be_altered(network, statement):
    case_no, _ = register(a_new_case(channel_ref="DOC-IMMUTABLE"))
    assert len(make_papers(case_no)) == 1
    with pytest.raises(Exception, match="documents are immutable"), UnitOfWork(engine()) as uow:
        uow.conn.execute(text(statement))

"""The case file (卷宗): cover, index in the standard order, and every paper; masked for who may not unmask."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pypdf import PdfReader, PdfWriter

from fengqiao.models.privacy import unmasked_in
from fengqiao.models.session_records import SessionRecord
from fengqiao.services.agreements import record_agreement
from fengqiao.services.case_file import case_file_pdf
from fengqiao.services.documents import add_signed_copy
from fengqiao.services.session_records import record_session
from tests.drive import drive
from tests.factories import a_key
from tests.paperwork import a_pdf, a_png
from tests.test_documents import TERMS, squash, text_of, walk_in


def text_of_page(page) -> str:  # type: ignore[no-untyped-def]
    w = PdfWriter()
    w.add_page(page)
    out = io.BytesIO()
    w.write(out)
    return text_of(out.getvalue())


V1 = "/api/v1"


def agreed(ref: str) -> str:
    case_no, case_id = walk_in(ref)
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    record_session(
        case_no,
        SessionRecord(
            1, datetime(2026, 11, 24, 2, tzinfo=UTC), "调解室", ("张三", "李四"), ("卫红",), "议定赔偿。", "M-C01"
        ),
    )
    add_signed_copy(case_no, a_pdf(2), "signed.pdf", actor="M-C01", attempt=1)  # the gate asks for it first
    record_agreement(case_no, TERMS, actor="M-C01")
    assert drive(case_no, case_id, []) == ["closed"]
    add_signed_copy(case_no, a_png(), "photo.png", actor="M-C01", attempt=1)
    return case_no


INDEX = """卷 内 目 录
Index
序号 no. 文书名称 document 版本 v 页号 page 页数 pages
1 人民调解申请书 Application for
People's Mediation
1 3 1
2 人民调解受理登记表 Registration of
a Mediation Case
1 4 1
3 人民调解笔录 Record of a
Mediation Session
1 5 1
4 人民调解协议书 People's Mediation
Agreement
1 6 1
5 调解协议书(签字盖章件) Signed
Copy of the Agreement
2 7 1
6 司法确认申请书 Application for
Judicial Confirmation
1 8 1"""


def pages_of(pdf: bytes) -> list[str]:
    return [text_of_page(p) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_the_case_file_joins_the_stored_papers_in_the_standard_order_with_an_index(network):
    case_no = agreed("FILE-1")

    pages = pages_of(case_file_pdf(case_no, unmask=True))

    assert len(pages) == 8
    assert pages[0].startswith("人 民 调 解 卷 宗\nCase File of People's Mediation\n")
    assert f"\n{case_no}\n" in pages[0] and "申请人 applicant 张三" in pages[0]
    assert pages[1] == squash(INDEX)
    titles = ["人 民 调 解 申 请 书", "人 民 调 解 受 理 登 记 表", "人 民 调 解 笔 录", "人 民 调 解 协 议 书"]
    assert [p.splitlines()[1] for p in pages[2:6]] == titles
    assert pages[6] == ""  # the photographed signed copy: an image, no text
    assert pages[7].splitlines()[1] == "司 法 确 认 申 请 书"


def test_the_case_file_is_masked_for_who_may_not_unmask_and_whole_with_a_reason(api):
    case_no = agreed("FILE-MASKED")

    masked = api.get(f"{V1}/cases/{case_no}/case-file", headers=a_key("integrator", name="I-F01"))
    whole = api.get(
        f"{V1}/cases/{case_no}/case-file",
        params={"unmask": True, "reason": "立卷归档"},
        headers=a_key("coordinator", name="C-F01"),
    )
    refused = api.get(f"{V1}/cases/{case_no}/case-file", params={"unmask": True, "reason": "x"}, headers=a_key("admin"))

    assert (masked.status_code, masked.headers["content-type"]) == (200, "application/pdf")
    shown = pages_of(masked.content)
    assert unmasked_in("\n".join(shown)) == []
    assert "申请人 applicant 张*" in shown[0]
    assert "5 调解协议书(签字盖章件) Signed\nCopy of the Agreement\n2 — 不予显示\nwithheld" in shown[1]
    assert "申请人身份证号 ID no. 110101********4514" in "\n".join(shown[2:])
    assert len(pages_of(whole.content)) == 8
    assert refused.status_code == 403


def test_fengqiao_case_file_writes_the_pdf(network, tmp_path):
    from typer.testing import CliRunner

    from fengqiao.cli.main import app
    from tests.drive import register
    from tests.factories import a_new_case

    case_no, _ = register(a_new_case(channel_ref="FILE-CLI"))
    target = tmp_path / "file.pdf"

    done = CliRunner().invoke(app, ["case-file", case_no, "--out", str(target), "--masked"])

    assert done.exit_code == 0, done.output
    assert done.output == f"已写出 written: {target} ({target.stat().st_size} bytes)\n"
    assert len(pages_of(target.read_bytes())) == 3  # cover, index, the registration (masked)


def test_the_masked_case_file_hides_every_party_and_attendee(api):
    case_no, case_id = walk_in("FILE-ATTENDEES")
    assert drive(case_no, case_id, []) == ["waiting:outcome"]
    attendees = ("张三（申请人）", "李四（被申请人）", "王五（证人）", "赵六")
    said = "证人王五（电话13700001234）称漏水属实；赵六陪同张三（身份证110101199003074514）到场。"
    record_session(
        case_no,
        SessionRecord(1, datetime(2026, 11, 24, 2, tzinfo=UTC), "朝阳社区调解室", attendees, ("卫红",), said, "M-C01"),
    )

    masked = api.get(f"{V1}/cases/{case_no}/case-file", headers=a_key("integrator", name="I-F02"))

    pages = pages_of(masked.content)
    session = next(p for p in pages if p.splitlines()[1:2] == ["人 民 调 解 笔 录"])
    assert "参加人 attendees 张*(申请人)、李*(被申请人)、王*(证人)、赵*\n" in session
    assert "证人王*(电话137****1234)称漏水属实;赵*陪同张*(身份证110101********4514)到场。" in session
    shown = "\n".join(pages)
    for whole in ("张三", "李四", "王五", "赵六", "13812345678", "13900001111", "13700001234", "110101199003074514"):
        assert whole not in shown
    assert unmasked_in(shown) == []


def test_an_out_path_that_cannot_be_written_is_one_line_exit_2_not_a_traceback(network, tmp_path):
    from typer.testing import CliRunner

    from fengqiao.cli.main import app
    from fengqiao.models.clocks import CST
    from fengqiao.services.runtime import now
    from tests.drive import register
    from tests.factories import a_new_case

    case_no, _ = register(a_new_case(channel_ref="FILE-NOWHERE"))
    missing, a_file = tmp_path / "missing", tmp_path / "a-file"
    a_file.write_text("")
    this_month = now().astimezone(CST).strftime("%Y-%m")

    asked = [
        ["case-file", case_no, "--out", str(missing / "file.pdf"), "--masked"],
        ["case-file", case_no, "--out", str(tmp_path / "cf.txt"), "--masked"],
        ["documents", case_no, "--out", str(a_file / "papers")],
        ["subsidies", "--month", this_month, "--out", str(missing / "s.csv")],
    ]
    done = [CliRunner().invoke(app, args) for args in asked]

    assert [(d.exit_code, d.output.splitlines()[-1]) for d in done] == [
        (2, f"invalid_input: 文件无法读写 cannot read or write '{missing / 'file.pdf'}': No such file or directory"),
        (
            2,
            f"invalid_input: --out: '{tmp_path / 'cf.txt'}' 卷宗是 PDF 文件，请以 .pdf 结尾 the case file is a PDF: name it ….pdf",
        ),
        (2, f"invalid_input: 文件无法读写 cannot read or write '{a_file / 'papers'}': Not a directory"),
        (2, f"invalid_input: 文件无法读写 cannot read or write '{missing / 's.csv'}': No such file or directory"),
    ]
    assert not missing.exists() and a_file.read_text() == "" and not (tmp_path / "cf.txt").exists()

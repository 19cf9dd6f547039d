"""A mediator's own pages: sign in with a mediator's key, the worklist, and the paperwork of a case."""

from __future__ import annotations

import re
from urllib.parse import quote

from fengqiao.db import cases as case_store
from fengqiao.db import documents as document_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.services.agreements import agreement_of
from fengqiao.services.runtime import engine
from fengqiao.services.session_records import read_sessions
from tests.factories import a_key
from tests.paperwork import PDF, a_png, mediating
from tests.test_documents import text_of


def signed_in_as_mediator(api, case_no: str) -> str:  # type: ignore[no-untyped-def]
    """Signs in with a key named by the case's mediator's code; that code."""
    with UnitOfWork(engine()) as uow:
        mediator = case_store.find_case(uow.conn, case_no).mediator
    assert mediator is not None
    key = a_key("mediator", name=mediator)["Authorization"].removeprefix("Bearer ")
    answer = api.post("/dashboard/login", data={"key": key}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard/my")
    return mediator


def test_a_mediator_records_a_session_uploads_the_signed_copy_and_the_agreement(api):
    case_no, case_id = mediating("PAGES-1")
    mediator = signed_in_as_mediator(api, case_no)

    listed = api.get("/dashboard/my")
    board = api.get("/dashboard/", follow_redirects=False)
    page = api.get(f"/dashboard/my/cases/{case_no}")
    token = re.search(r'name="csrf" value="(\w+)"', page.text).group(1)  # type: ignore[union-attr]
    url = f"/dashboard/my/cases/{case_no}"
    sitting = {
        "csrf": token,
        "held_at": "2026-11-24T10:00",
        "place": "朝阳社区调解室",
        "attendees": "张三（申请人）\n李四（被申请人）",
        "mediators": mediator,
        "content": "双方同意赔偿800元。",
    }
    session = api.post(f"{url}/sessions", data=sitting, follow_redirects=False)
    renamed = api.post(
        f"{url}/documents", data={"csrf": token}, files={"file": ("协议.pdf", b"\x89PNG\r\n\x1a\n", "application/pdf")}
    )
    upload = api.post(
        f"{url}/documents",
        data={"csrf": token},
        files={"file": ("协议.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    forged = api.post(f"{url}/documents", data={"csrf": "x"}, files={"file": ("协议.pdf", PDF, "application/pdf")})
    terms = {"csrf": token, "terms": "李四赔偿800元。", "amount": "800", "perform_by": "2026-12-31", "manner": "现金"}
    to_sign = api.post(f"{url}/agreement/to-sign", data=terms, follow_redirects=False)
    unsignable = api.post(f"{url}/agreement/to-sign", data=terms | {"manner": ""}, follow_redirects=False)
    agreement = api.post(f"{url}/agreement", data=terms, follow_redirects=False)
    after = api.get(url)

    assert listed.status_code == 200 and f'data-case="{case_no}"' in listed.text
    assert board.status_code == 403  # the coordinators' board is not a mediator's page
    assert page.status_code == 200 and 'id="session-form"' in page.text
    assert (session.status_code, session.headers["location"]) == (303, url)
    assert "文件内容与扩展名不符" in renamed.text  # shown on the case's page after the redirect
    assert (upload.status_code, upload.headers.get("location")) == (303, url), upload.text[:3000]
    assert forged.status_code == 403
    assert (to_sign.status_code, to_sign.headers["content-type"]) == (200, "application/pdf")
    assert "李四赔偿800元。" in text_of(to_sign.content) and "李四" in text_of(to_sign.content)
    assert (unsignable.status_code, unsignable.headers["location"]) == (  # the refusal, shown on the page
        303,
        f"{url}?error={quote('field manner: 不能为空 must not be empty')}",
    )
    assert (agreement.status_code, agreement.headers["location"]) == (303, url)
    _, sessions = read_sessions(case_no)
    assert [(s.number, s.place, s.actor) for s in sessions] == [(1, "朝阳社区调解室", mediator)]
    with UnitOfWork(engine()) as uow:
        case = case_store.get_case(uow.conn, case_id)
        kept = agreement_of(uow.conn, case)
    assert kept is not None and (kept.terms, str(kept.amount), kept.manner) == ("李四赔偿800元。", "800.00", "现金")
    assert "调解协议书（签字盖章件） Signed Copy of the Agreement" in after.text
    assert 'id="case-file"' in after.text


def test_a_mediator_may_not_open_another_organisations_case(api):
    case_no, _ = mediating("PAGES-OTHER")
    key = a_key("mediator", name="M-C03", orgs=("C-JINSHA",))["Authorization"].removeprefix("Bearer ")
    api.post("/dashboard/login", data={"key": key})

    mine = api.get("/dashboard/my")
    theirs = api.get(f"/dashboard/my/cases/{case_no}")

    assert 'id="no-cases"' in mine.text
    assert theirs.status_code == 403


def test_a_scan_with_binary_bytes_and_over_the_json_limit_is_uploaded_from_the_case_page(api):
    """A real PNG holds NUL bytes and a scanned PDF is larger than a JSON body may be: the case page's
    upload goes through as the API's does, up to FENGQIAO_DOCUMENT_MAX_BYTES (10 MiB)."""
    case_no, case_id = mediating("PAGES-SCAN")
    signed_in_as_mediator(api, case_no)
    url = f"/dashboard/my/cases/{case_no}"
    token = re.search(r'name="csrf" value="(\w+)"', api.get(url).text).group(1)  # type: ignore[union-attr]
    photo, scan = a_png(), PDF + bytes(70_000)

    sent = [
        api.post(f"{url}/documents", data={"csrf": token}, files={"file": name_and_file}, follow_redirects=False)
        for name_and_file in (("协议.png", photo, "image/png"), ("协议.pdf", scan, "application/pdf"))
    ]
    forged = api.post(f"{url}/documents", data={"csrf": "x"}, files={"file": ("协议.png", photo, "image/png")})

    assert b"\x00" in photo and len(scan) > 65_536
    assert [(a.status_code, a.headers.get("location")) for a in sent] == [(303, url), (303, url)]
    assert forged.status_code == 403
    with UnitOfWork(engine()) as uow:
        kept = document_store.documents_of(uow.conn, case_id)
    assert [(d.kind, d.subject, d.version, d.media_type, d.size) for d in kept if d.origin == "uploaded"] == [
        ("signed_copy", "attempt:1", 1, "image/png", len(photo)),
        ("signed_copy", "attempt:1", 2, "application/pdf", len(scan)),
    ]


def test_every_link_of_a_mediators_navigation_opens_and_a_coordinators_too(api):
    case_no, _ = mediating("PAGES-NAV")
    signed_in_as_mediator(api, case_no)
    mine = api.get("/dashboard/my")
    nav = re.search(r"<nav>(.*?)</nav>", mine.text, re.S).group(1)  # type: ignore[union-attr]
    links = re.findall(r'href="([^"]+)"', nav)

    assert links == ["/dashboard/my"]  # the centre's pages (board, statistics…) answer a mediator 403
    assert "等待调解结果 waiting:outcome <small>#1</small>" in mine.text  # the step in words, not `outcome outcome`
    assert [api.get(link).status_code for link in links] == [200]

    key = a_key("coordinator")["Authorization"].removeprefix("Bearer ")
    assert api.post("/dashboard/login", data={"key": key}, follow_redirects=False).status_code == 303
    board = api.get("/dashboard/")
    links = re.findall(r'href="([^"]+)"', re.search(r"<nav>(.*?)</nav>", board.text, re.S).group(1))  # type: ignore[union-attr]
    assert len(links) == 8 and [link for link in links if api.get(link).status_code != 200] == []

"""Signed copies uploaded (PDF, JPEG, PNG by content; a size limit), and a case's documents listed and read."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from fengqiao.cli.main import app
from fengqiao.db import documents as document_store
from fengqiao.db.uow import UnitOfWork
from fengqiao.models.vocabulary import InputKind
from fengqiao.services.runtime import engine
from tests.drive import drive, register
from tests.factories import a_key, a_new_case
from tests.paperwork import PDF, error, mediating

V1 = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)


def test_a_signed_copy_is_kept_as_it_came_with_its_sha256_each_upload_a_new_version(api):
    case_no, _ = mediating("SIGNED-1")
    mediator = a_key("mediator", name="M-U01")

    first = api.post(
        f"{V1}/cases/{case_no}/documents", files={"file": ("协议书.pdf", PDF, "application/pdf")}, headers=mediator
    )
    photo = api.post(
        f"{V1}/cases/{case_no}/documents", files={"file": ("scan.JPG", JPEG, "image/jpeg")}, headers=mediator
    )

    assert first.status_code == 201, first.text
    body = first.json()
    assert {k: v for k, v in body.items() if k not in ("document_id", "created_at", "href")} == {
        "kind": "signed_copy",
        "title": "调解协议书（签字盖章件） Signed Copy of the Agreement",
        "subject": "attempt:1",
        "version": 1,
        "origin": "uploaded",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "actor": "M-U01",
    }
    assert body["href"] == f"/api/v1/cases/{case_no}/documents/{body['document_id']}"
    assert (photo.status_code, photo.json()["version"], photo.json()["media_type"]) == (201, 2, "image/jpeg")
    coordinator = a_key("coordinator", name="C-U01")
    read = api.get(body["href"], params={"unmask": True, "reason": "归档核对"}, headers=coordinator)
    assert (read.status_code, read.content, read.headers["content-type"]) == (200, PDF, "application/pdf")


def test_a_file_is_judged_by_its_content_not_its_name(api):
    case_no, _ = mediating("SIGNED-SNIFF")
    mediator = a_key("mediator", name="M-U02")

    renamed = api.post(
        f"{V1}/cases/{case_no}/documents", files={"file": ("协议书.pdf", PNG, "application/pdf")}, headers=mediator
    )
    broken = api.post(
        f"{V1}/cases/{case_no}/documents",
        files={"file": ("协议书.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=mediator,
    )
    text = api.post(
        f"{V1}/cases/{case_no}/documents",
        files={"file": ("协议书.pdf", b"just text", "application/pdf")},
        headers=mediator,
    )

    assert error(renamed) == (
        422,
        {
            "code": "invalid_input",
            "message": "field file: 文件内容与扩展名不符 the file is a PNG image by its content, but its name '协议书.pdf' says .pdf",
            "field": "file",
        },
    )
    assert error(broken) == (
        422,
        {
            "code": "invalid_input",
            "message": "field file: PDF无法读取 the PDF cannot be read: PdfReadError",
            "field": "file",
        },
    )
    assert error(text) == (
        415,
        {
            "code": "unsupported_media_type",
            "message": "field file: 文件须为PDF、JPEG或PNG the file is not a PDF, JPEG or PNG by its content",
            "field": "file",
        },
    )


def test_an_upload_over_the_limit_is_refused_with_413_and_json_stays_at_its_own(network, monkeypatch):
    from fengqiao.api.app import create_app
    from fengqiao.config.settings import get_settings
    from tests.scanning import scanned_client

    monkeypatch.setenv("FENGQIAO_DOCUMENT_MAX_BYTES", "2000")
    get_settings.cache_clear()
    client = scanned_client(create_app(get_settings()))
    case_no, _ = mediating("SIGNED-BIG")
    mediator = a_key("mediator", name="M-U03")

    big = client.post(
        f"{V1}/cases/{case_no}/documents",
        files={"file": ("big.pdf", PDF + bytes(3000), "application/pdf")},
        headers=mediator,
    )
    fits = client.post(
        f"{V1}/cases/{case_no}/documents",
        files={"file": ("ok.pdf", PDF + bytes(1000), "application/pdf")},
        headers=mediator,
    )

    assert error(big) == (
        413,
        {"code": "body_too_large", "message": "请求内容过大 the request body is over 2000 bytes", "field": None},
    )
    assert fits.status_code == 201


def test_the_list_brings_the_papers_up_to_date_and_content_is_for_who_may_unmask(api):
    case_no, _ = mediating("SIGNED-LIST")
    mediator = a_key("mediator", name="M-U04")
    api.post(
        f"{V1}/cases/{case_no}/documents", files={"file": ("signed.pdf", PDF, "application/pdf")}, headers=mediator
    )

    listed = api.get(f"{V1}/cases/{case_no}/documents", headers=a_key("integrator"))
    first = listed.json()[0]["href"]
    masked = api.get(first, headers=mediator)
    integrator = api.get(first, params={"unmask": True, "reason": "x"}, headers=a_key("integrator", name="I-U04"))
    missing = api.get(
        f"{V1}/cases/{case_no}/documents/999999", params={"unmask": True, "reason": "x"}, headers=mediator
    )

    assert [(d["kind"], d["subject"], d["version"], d["origin"]) for d in listed.json()] == [
        ("signed_copy", "attempt:1", 1, "uploaded"),
        ("registration", "case", 1, "generated"),
    ]
    assert error(masked) == (
        422,
        {
            "code": "invalid_input",
            "message": "unmask: 文书含完整个人信息，须 unmask=true a document shows personal data whole: ask with unmask=true",
            "field": "unmask",
        },
    )
    assert error(integrator)[0] == 403
    assert error(missing) == (
        404,
        {
            "code": "case_not_found",
            "message": "本案没有文书 999999 no document 999999 on this case",
            "field": "document_id",
        },
    )


def test_fengqiao_documents_lists_and_writes_the_latest_of_each(network, tmp_path: Path):
    case_no, _ = register(a_new_case(channel_ref="SIGNED-CLI"))

    first = CliRunner().invoke(app, ["documents", case_no, "--out", str(tmp_path / "papers")])

    assert first.exit_code == 0, first.output
    written = sorted(p.name for p in (tmp_path / "papers").iterdir())
    assert written == ["01-registration-case-v1.pdf"]
    assert (tmp_path / "papers" / written[0]).read_bytes().startswith(b"%PDF-")
    assert first.output.splitlines()[-1].startswith(f"已写出 written: {tmp_path / 'papers' / written[0]} (")


def test_a_signed_copy_belongs_to_the_attempt_under_way_or_one_agreed_and_is_refused_else(api):
    """A stored paper is never deleted: a copy for an attempt that never was, or for a case whose party
    refused mediation (no agreement to sign), is refused (409 naming attempt) and nothing is kept."""
    case_no, case_id = mediating("SIGNED-ATTEMPT")
    mediator = a_key("mediator", name="M-U05")

    def upload(**form: str):  # type: ignore[no-untyped-def]
        files = {"file": ("协议书.pdf", PDF, "application/pdf")}
        return api.post(f"{V1}/cases/{case_no}/documents", files=files, data=form, headers=mediator)

    unknown = upload(attempt="7")
    under_way = upload()
    assert drive(case_no, case_id, [(InputKind.OUTCOME, "refused", "M-U05")])[-1] == "waiting:handoff_result"
    after_refusal = upload()

    said = "and a signed copy belongs to the attempt under way or to one that reached an agreement"
    assert error(unknown) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"没有可签署的调解协议 case {case_no} has no agreement of attempt 7 to sign: "
            f"it is mediating in attempt 1, {said}",
            "field": "attempt",
        },
    )
    assert (under_way.status_code, under_way.json()["subject"]) == (201, "attempt:1")
    assert error(after_refusal) == (
        409,
        {
            "code": "not_waiting_for_input",
            "message": f"没有可签署的调解协议 case {case_no} has no agreement of attempt 1 to sign: "
            f"it is handed_off in attempt 1, {said}",
            "field": "attempt",
        },
    )
    with UnitOfWork(engine()) as uow:
        kept = document_store.documents_of(uow.conn, case_id)
    assert [(d.subject, d.version) for d in kept if d.origin == "uploaded"] == [("attempt:1", 1)]

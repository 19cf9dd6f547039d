"""The papers a mediation committee keeps (人民调解文书), made from what is stored about a case.

papers_of(record) says which papers the case has now and what each says, as plain data (a title,
labelled fields, paragraphs, places to sign): the data is what a PDF is printed from and is kept
with it, so a paper is made again, as a new version, only when what it says changed. Nothing here
depends on when it is asked: the dates are the record's own.

The kinds follow the Ministry of Justice's formats, in the case file's standard order (ORDER).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from fengqiao.models.aftercare import Aftercare
from fengqiao.models.agreements import AgreementTerms
from fengqiao.models.case import Case, HumanInput, Party
from fengqiao.models.clocks import CST
from fengqiao.models.names import dispute_type
from fengqiao.models.network import LegalBodies
from fengqiao.models.session_records import SessionRecord
from fengqiao.models.transitions import Transition
from fengqiao.models.vocabulary import AGREEMENTS, InputKind, Outcome, Stage, bilingual


class PaperKind(StrEnum):
    APPLICATION = "application"  # 人民调解申请书
    REGISTRATION = "registration"  # 受理登记表
    SESSION_RECORD = "session_record"  # 调解笔录
    EXPERT_OPINION = "expert_opinion"  # 专家意见
    AGREEMENT = "agreement"  # 人民调解协议书
    ORAL_AGREEMENT = "oral_agreement"  # 口头调解协议登记
    SIGNED_COPY = "signed_copy"  # 签字盖章的协议书 (uploaded)
    RIGHTS_NOTICE = "rights_notice"  # 告知书
    JUDICIAL_CONFIRMATION = "judicial_confirmation"  # 司法确认申请书
    FOLLOW_UP = "follow_up"  # 回访记录


TITLES: dict[PaperKind, tuple[str, str]] = {
    PaperKind.APPLICATION: ("人民调解申请书", "Application for People's Mediation"),
    PaperKind.REGISTRATION: ("人民调解受理登记表", "Registration of a Mediation Case"),
    PaperKind.SESSION_RECORD: ("人民调解笔录", "Record of a Mediation Session"),
    PaperKind.EXPERT_OPINION: ("专家咨询意见", "Expert Opinion"),
    PaperKind.AGREEMENT: ("人民调解协议书", "People's Mediation Agreement"),
    PaperKind.ORAL_AGREEMENT: ("口头调解协议登记表", "Register of an Oral Mediation Agreement"),
    PaperKind.SIGNED_COPY: ("调解协议书（签字盖章件）", "Signed Copy of the Agreement"),
    PaperKind.RIGHTS_NOTICE: ("权利告知书", "Notice of Rights"),
    PaperKind.JUDICIAL_CONFIRMATION: ("司法确认申请书", "Application for Judicial Confirmation"),
    PaperKind.FOLLOW_UP: ("人民调解回访记录", "Record of the Follow-up Visit"),
}
ORDER = list(PaperKind)  # the case file's index (卷内目录) lists papers in this order
ROLE_ZH = {"applicant": "申请人", "respondent": "被申请人"}
WITH_APPLICATION = frozenset({"walk_in", "online"})  # a party applied in writing (窗口来访, 网上申请)


@dataclass(frozen=True)
class CaseRecord:
    """Everything the papers are made from, read in one transaction."""

    case: Case
    committee: str  # the committee that holds (or last held) the case
    accepted_by: str  # the committee of its first assignment (受理), else its district's
    district: str  # its district's name, e.g. 翠屏区
    bodies: LegalBodies  # the court, arbitration commission, review and adjudication bodies of its area
    mediator: str | None  # the mediator's name
    parties: tuple[Party, ...]
    timeline: tuple[Transition, ...]
    inputs: Mapping[tuple[InputKind, int], HumanInput]
    sessions: tuple[SessionRecord, ...] = ()
    terms: Mapping[int, AgreementTerms] = field(default_factory=dict)
    aftercare: Aftercare | None = None
    experts: Mapping[str, str] = field(default_factory=dict)  # the network's experts: code → name
    seal: str | None = None  # the holding committee's seal image (a data: URI), if the network has one
    mediators: Mapping[str, str] = field(default_factory=dict)  # the network's mediators: code → name


def person(record: CaseRecord, actor: str) -> str:
    """`卫红 M-C01`: a mediator who wrote or visited by name, the code beside; anyone else as recorded."""
    return f"{record.mediators[actor]} {actor}" if actor in record.mediators else actor


@dataclass(frozen=True)
class Paper:
    kind: PaperKind
    subject: str  # which one of its kind: "case", "session:2", "attempt:1"
    data: dict[str, Any]  # JSON: what the PDF shows, and all it is made from


def day(at: datetime | date | None) -> str:
    if at is None:
        return "—"
    d = at.astimezone(CST).date() if isinstance(at, datetime) else at
    return f"{d.year}年{d.month}月{d.day}日"


def minute(at: datetime) -> str:
    t = at.astimezone(CST)
    return f"{day(t)} {t:%H:%M}"


def _paper(kind: PaperKind, subject: str, record: CaseRecord, **parts: Any) -> Paper:
    """A paper's data; its committee the one that holds the case, unless the parts name another."""
    zh, en = TITLES[kind]
    data = {"title": zh, "title_en": en, "case_no": record.case.case_no, "committee": record.committee, **parts}
    data.setdefault("fields", [])
    data.setdefault("paragraphs", [])
    data.setdefault("signatures", [])
    return Paper(kind, subject, data)


def _field(zh: str, en: str, value: object) -> list[str]:
    return [zh, en, "—" if value in (None, "") else str(value)]


def _parties(record: CaseRecord) -> list[list[str]]:
    rows = []
    for p in record.parties:
        role = ROLE_ZH.get(p.role, p.role)
        rows.append(_field(role, p.role, p.name))
        if p.id_number:
            rows.append(_field(f"{role}身份证号", "ID no.", p.id_number))
        if p.phone:
            rows.append(_field(f"{role}联系电话", "phone", p.phone))
    return rows


def _signatures(record: CaseRecord) -> list[list[str]]:
    signs = [[f"{ROLE_ZH.get(p.role, p.role)}（签名）", f"{p.role}'s signature"] for p in record.parties]
    signs.append(["调解员（签名）", "mediator's signature"])
    return signs


def _seal(record: CaseRecord) -> dict[str, str | None]:
    """Where the committee's seal goes: its image if the network has one, else a box marked 盖章处."""
    return {"label": f"{record.committee}（印章）", "label_en": "the committee's seal", "image": record.seal}


def _registered(record: CaseRecord) -> datetime:
    return record.case.created_at or record.timeline[0].at


def registration(record: CaseRecord) -> Paper:
    c = record.case
    fields = [
        _field("案件编号", "case number", c.case_no),
        _field("受理日期", "registered", day(_registered(record))),
        _field("来源渠道", "channel", bilingual(c.channel)),
        _field("纠纷类型", "dispute type", dispute_type(c.dispute_type)),
        _field("发生地区划", "area code", c.area_code),
        _field("受理调委会", "committee", record.accepted_by),
        *_parties(record),
    ]
    summary = [["纠纷简要情况", c.summary]]
    return _paper(
        PaperKind.REGISTRATION, "case", record, committee=record.accepted_by, fields=fields, paragraphs=summary
    )


def application(record: CaseRecord) -> Paper:
    fields = _parties(record)
    asked = [
        ["申请事项及事实理由", record.case.summary],
        ["", "申请人自愿申请人民调解。The applicant asks for mediation of their own will."],
    ]
    signs = [[f"{ROLE_ZH['applicant']}（签名）", "applicant's signature"]]
    return _paper(
        PaperKind.APPLICATION,
        "case",
        record,
        fields=fields,
        paragraphs=asked,
        signatures=signs,
        dated=day(_registered(record)),
    )


def session_paper(record: CaseRecord, s: SessionRecord) -> Paper:
    fields = [
        _field("第几次调解", "session", f"第{s.number}次（第{s.attempt}轮调解）"),
        _field("时间", "held", minute(s.held_at)),
        _field("地点", "place", s.place),
        _field("参加人", "attendees", "、".join(s.attendees)),
        _field("调解员", "mediators", "、".join(s.mediators)),
        _field("记录人", "recorded by", person(record, s.actor)),
    ]
    signs = [["参加人（签名）", "attendees' signatures"], ["调解员（签名）", "mediators' signatures"]]
    return _paper(
        PaperKind.SESSION_RECORD,
        f"session:{s.number}",
        record,
        fields=fields,
        paragraphs=[["调解情况记录", s.content]],
        signatures=signs,
    )


def _agreed_at(record: CaseRecord, attempt: int) -> datetime | None:
    """When that attempt's agreement was reached: the agreements' resolution moves, in round order."""
    rounds = sorted(r for (k, r), a in record.inputs.items() if k is InputKind.OUTCOME and a.value in AGREEMENTS)
    agreed = [t.at for t in record.timeline if t.stage is Stage.RESOLUTION]
    i = rounds.index(attempt) if attempt in rounds else len(agreed)
    return agreed[i] if i < len(agreed) else None


def _terms(record: CaseRecord, answer: HumanInput) -> AgreementTerms:
    oral = answer.value == Outcome.ORAL_AGREEMENT
    return record.terms.get(answer.round) or AgreementTerms(answer.round, oral, answer.note or "—", "—")


TO_BE_DATED = "\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日"  # filled in by hand when signed


def agreement_to_sign(record: CaseRecord, terms: AgreementTerms) -> Paper:
    """The 人民调解协议书 (or 口头调解协议登记表) of the attempt under way with these terms, before
    the agreement is recorded: the paper the parties sign, undated (dated when signed); once the
    agreement is recorded with the same terms, the paper kept says the same, dated that day."""
    return _agreement_paper(record, terms, f"attempt:{record.case.attempt}", TO_BE_DATED)


def agreement_papers(record: CaseRecord, answer: HumanInput) -> list[Paper]:
    """The agreement (written or oral) an outcome reached, and for a written one the joint
    application for judicial confirmation (within the window from its date)."""
    terms = _terms(record, answer)
    at = _agreed_at(record, answer.round)
    subject = f"attempt:{answer.round}"
    written = _agreement_paper(record, terms, subject, day(at))
    if terms.oral:
        return [written]  # 口头调解协议登记表: no court confirms an oral agreement
    court = record.bodies.court
    confirm_by = record.aftercare.confirm_by if record.aftercare else None
    asked = [
        ["申请事项", f"请求确认双方于{day(at)}在{record.committee}主持下达成的人民调解协议有效。"],
        [
            "事实和理由",
            "该协议系双方自愿达成，内容不违反法律、行政法规的强制性规定，不损害国家利益、社会公共利益和他人合法权益。",
        ],
        ["附件", f"人民调解协议书（{record.case.case_no}）一份"],
        ["申请期限", f"自调解协议生效之日起三十日内，即{day(confirm_by)}前，向{court}共同提出。"],
    ]
    confirmation = _paper(
        PaperKind.JUDICIAL_CONFIRMATION,
        subject,
        record,
        addressee=f"此致 {court}",
        fields=_parties(record),
        paragraphs=asked,
        signatures=[s for s in _signatures(record) if not s[0].startswith("调解员")],
    )
    return [written, confirmation]


def _agreement_paper(record: CaseRecord, terms: AgreementTerms, subject: str, dated: str) -> Paper:
    fields = [
        *_parties(record),
        _field("纠纷主要事实", "the dispute", record.case.summary),
    ]
    agreed = [
        ["达成协议内容", terms.terms],
        ["履行方式", terms.manner],
        ["履行期限", day(terms.perform_by) if terms.perform_by else "—"],
    ]
    if terms.amount is not None:
        agreed.insert(1, ["涉及金额", f"{terms.amount}元"])
    if terms.oral:
        return _paper(
            PaperKind.ORAL_AGREEMENT,
            subject,
            record,
            fields=fields,
            paragraphs=agreed,
            signatures=_signatures(record),
            dated=dated,
        )
    closing = [
        "",
        "本协议自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。本协议书一式三份，双方当事人、人民调解委员会各持一份。",
    ]
    return _paper(
        PaperKind.AGREEMENT,
        subject,
        record,
        fields=fields,
        paragraphs=[*agreed, closing],
        signatures=_signatures(record),
        seal=_seal(record),
        dated=dated,
    )


ROADS = {  # 告知书: where a party may go next, to the body the network names for the case's area
    "litigation": "向{b.court}提起诉讼",
    "labour_arbitration": "向{b.arbitration}申请劳动争议仲裁；对仲裁裁决不服的，可依法向{b.court}提起诉讼",
    "agreed_arbitration": "当事人订有仲裁协议的，可向约定的仲裁机构申请仲裁",
    "administrative_adjudication": "向{b.administrative_adjudication}申请处理（行政裁决）",
    "administrative_review": "对行政机关的处理决定不服的，可向{b.administrative_review}申请行政复议或依法提起行政诉讼",
}
# Which roads the law leaves open, by dispute type; any other type: the court. A labour dispute goes
# to labour arbitration before any court (劳动争议调解仲裁法 Art. 5, 50); marriage, adoption,
# guardianship, support and succession are not arbitrable (仲裁法 Art. 3); a land ownership dispute
# is decided by the people's government, whose decision may be reviewed (土地管理法 Art. 14).
ROADS_BY_TYPE = {
    "labour": ("labour_arbitration",),
    "family": ("litigation",),
    "land": ("administrative_adjudication", "administrative_review"),
    "contract": ("litigation", "agreed_arbitration"),
    "property": ("litigation", "agreed_arbitration"),
}


def roads_open(dispute_type: str | None, handoff_target: str | None) -> list[str]:
    """The roads a notice lists, the one the case was handed to first (the path's on_failed target)."""
    roads = list(ROADS_BY_TYPE.get(dispute_type or "", ("litigation",)))
    target = handoff_target
    if target == "arbitration":
        target = "labour_arbitration" if dispute_type == "labour" else "agreed_arbitration"
    if target in ROADS:
        roads = [target, *(r for r in roads if r != target)]
    return roads


def rights_notice(record: CaseRecord, why: Transition) -> Paper:
    """Why mediation ends here, and the roads still open (People's Mediation Law Art. 26)."""
    reason = {
        "withdrawn": "申请人撤回调解申请",
        "not_suitable": "该纠纷不宜通过人民调解解决",
        "voluntary:refused": "当事人拒绝调解",
    }.get(why.rule or why.reason, "调解不成")
    roads = roads_open(record.case.dispute_type, record.case.handoff_target)
    paragraphs = [
        ["告知事由", f"因{reason}，本委员会终止调解（{day(why.at)}）。"],
        *[[f"途径{i}", ROADS[road].format(b=record.bodies)] for i, road in enumerate(roads, 1)],
        ["", "当事人可依法维护自己的权利。"],
    ]
    return _paper(
        PaperKind.RIGHTS_NOTICE,
        "case",
        record,
        fields=_parties(record),
        paragraphs=paragraphs,
        seal=_seal(record),
        dated=day(why.at),
    )


def expert_opinion_paper(record: CaseRecord, opinion: HumanInput, at: datetime | None) -> Paper:
    """The expert pool's opinion, kept as the expert gave it (专家咨询意见)."""
    name = record.experts.get(opinion.actor)
    fields = [
        _field("咨询专家", "expert", f"{name}（{opinion.actor}）" if name else opinion.actor),
        _field("出具日期", "given", day(at)),
    ]
    return _paper(
        PaperKind.EXPERT_OPINION,
        f"attempt:{opinion.round}",
        record,
        fields=fields,
        paragraphs=[["专家意见", opinion.value]],
        signatures=[["专家（签名）", "expert's signature"]],
    )


def follow_up_paper(record: CaseRecord, visit: HumanInput, at: datetime | None) -> Paper:
    honoured = visit.value == "honoured"
    fields = [
        _field("回访时间", "visited", day(at)),
        _field("回访人", "visited by", person(record, visit.actor)),
        _field("协议履行情况", "performance", "已履行 honoured" if honoured else "未履行 not honoured"),
        _field("当事人满意度", "satisfaction", visit.note.removeprefix("satisfaction ") + "/5"),
    ]
    return _paper(
        PaperKind.FOLLOW_UP,
        f"attempt:{visit.round}",
        record,
        fields=fields,
        signatures=[["回访人（签名）", "visitor's signature"]],
    )


def papers_of(record: CaseRecord) -> list[Paper]:
    """The papers the case has now, in the case file's order."""
    found: list[Paper] = []
    if record.case.channel in WITH_APPLICATION:
        found.append(application(record))
    found.append(registration(record))
    found += [session_paper(record, s) for s in record.sessions]
    given = [t.at for t in record.timeline if t.stage is Stage.EXPERT_OPINION]
    opinions = sorted((r, a) for (k, r), a in record.inputs.items() if k is InputKind.EXPERT_OPINION)
    for i, (_, opinion) in enumerate(opinions):
        found.append(expert_opinion_paper(record, opinion, given[i] if i < len(given) else None))
    for (kind, _), answer in sorted(record.inputs.items(), key=lambda kv: kv[0][1]):
        if kind is InputKind.OUTCOME and answer.value in AGREEMENTS and _agreed_at(record, answer.round):
            found += agreement_papers(record, answer)
    ended = [t for t in record.timeline if t.stage in (Stage.WITHDRAWAL, Stage.HANDOFF)]
    if ended:
        found.append(rights_notice(record, ended[-1]))
    visits = [t for t in record.timeline if t.stage is Stage.FOLLOW_UP]
    for i, (_, visit) in enumerate(sorted((k, v) for k, v in record.inputs.items() if k[0] is InputKind.FOLLOW_UP)):
        found.append(follow_up_paper(record, visit, visits[i].at if i < len(visits) else None))
    return sorted(found, key=lambda p: ORDER.index(p.kind))


def in_order(kinds: Sequence[tuple[PaperKind, str]]) -> list[tuple[PaperKind, str]]:
    return sorted(kinds, key=lambda k: (ORDER.index(k[0]), k[1]))


@dataclass(frozen=True)
class StoredPaper:
    """A stored document as listed: never its content (that is read one at a time, logged)."""

    id: int
    kind: PaperKind
    subject: str
    version: int
    origin: str  # generated | uploaded
    media_type: str
    size: int
    sha256: str
    actor: str
    created_at: datetime

    @property
    def title(self) -> str:
        zh, en = TITLES[self.kind]
        return f"{zh} {en}"

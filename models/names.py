"""Names where people expect names: organisations, mediators, places, dispute types and timeline reasons.

The pipeline stores codes (S-BAISHAWAN, M-S03, 511502, labour): they are stable, and the API and
every JSON output keep them for integrators. People read names: Chinese first, English beside,
the code beside that (`白沙湾街道人民调解委员会 S-BAISHAWAN`, `劳动争议 labour`). A code the
network does not know is shown as it is.

A timeline's reason is a sentence the system wrote in English (older rows, and rows whose words
are fixed by the contract); `reason_shown` puts a Chinese sentence before it, made from the same
facts, so the English stays the record and the Chinese is what a coordination centre reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fengqiao.models.network import Network
from fengqiao.models.vocabulary import LABELS_ZH, Level

DISPUTE_TYPES_ZH = {  # the screening ledger's names (矛盾纠纷排查台账) of the dispute types
    "neighbourhood": "邻里纠纷",
    "family": "婚姻家庭纠纷",
    "property": "物业纠纷",
    "land": "土地纠纷",
    "contract": "合同纠纷",
    "labour": "劳动争议",
    "medical": "医疗纠纷",
    "traffic": "交通事故纠纷",
}
GRADES_ZH = {"chief": "首席调解员", "first": "一级调解员", "second": "二级调解员", "mediator": "调解员"}
RISKS_ZH = {"normal": "一般", "emergency": "紧急"}
SUFFIX = "人民调解委员会"  # a committee's name without it is its place's name


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@dataclass(frozen=True)
class Names:
    """The names of one network's codes; empty (codes shown as they are) before any is applied."""

    orgs: dict[str, str]
    mediators: dict[str, str]
    places: dict[str, str]  # area code → the place a territorial organisation serves there

    @classmethod
    def of(cls, network: Network | None) -> Names:
        if network is None:
            return cls({}, {}, {})
        territorial = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
        places = {
            o.area_code: o.name.removesuffix(SUFFIX)
            for o in network.organisations.values()
            if o.area_code and o.level in territorial and not o.is_room
        }
        return cls(
            {o.code: o.name for o in network.organisations.values()},
            {m.code: m.name for m in network.mediators},
            places,
        )

    @classmethod
    def of_document(cls, document: Mapping[str, Any] | None) -> Names:
        """The same names read from a stored network document (checked when it was applied) without
        building its network, which validates the whole document first (config/network.py, about
        0.02 s of `fengqiao cases`). Committees and rooms are organisations; rooms are no place's."""
        if document is None:
            return cls({}, {}, {})
        committees = document.get("organisations", [])
        territorial = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)
        return cls(
            {o["code"]: o["name"] for o in [*committees, *document.get("stationed_rooms", [])]},
            {m["code"]: m["name"] for m in document.get("mediators", [])},
            {
                o["area_code"]: o["name"].removesuffix(SUFFIX)
                for o in committees
                if o.get("area_code") and o["level"] in territorial
            },
        )

    def org(self, code: str | None) -> str:
        """`白沙湾街道人民调解委员会 S-BAISHAWAN`; — for none."""
        if not code:
            return "—"
        return f"{self.orgs[code]} {code}" if code in self.orgs else code

    def mediator(self, code: str | None) -> str:
        """`郑明 M-S01`; — for none."""
        if not code:
            return "—"
        return f"{self.mediators[code]} {code}" if code in self.mediators else code

    def place(self, area_code: str | None) -> str:
        """`朝阳社区 511502001001`: the place of the longest area code of the network the code lies in."""
        if not area_code:
            return "—"
        known = [a for a in self.places if area_code.startswith(a)]
        if not known:
            return area_code
        return f"{self.places[max(known, key=len)]} {area_code}"

    def rung(self, label: str) -> str:
        """A rung of a path as its label names it: a panel's code, or a level."""
        if label in self.orgs:
            return self.orgs[label]
        return LABELS_ZH.get(label, label)

    def rung_coded(self, label: str) -> str:
        """`劳动争议专业调解委员会 P-LABOUR`, `社区/村 community`: the rung's name, its code beside."""
        name = self.rung(label)
        return f"{name} {label}" if name != label else label


STEPS_ZH = {  # what a case needs next (models.case.Step.label), as a coordination centre reads it
    "waiting:outcome": "等待调解结果",
    "waiting:exit": "等待当事人退出",
    "waiting:expert_opinion": "等待专家意见",
    "waiting:handoff_result": "等待接收机关反馈结果",
    "waiting:follow_up": "等待回访",
    "triage": "待分流",
    "hand_off_unsuitable": "不宜调解，待移交",
    "assign": "待指派调解员",
    "apply_outcome": "待办理调解结果",
    "apply_exit": "待办理当事人退出",
    "record_opinion": "待记录专家意见",
    "close": "待结案",
    "held": "疑似重复，待决定并单或分立",
    "done": "已办结",
}
WHATIF_RESULTS_ZH = {"resolved": "化解", "withdrawn": "撤回", "mediating": "仍在调解", "handed_off": "导入法治轨道"}


def step_shown(label: str) -> str:
    """`等待调解结果 waiting:outcome`: the next step's Chinese, its label beside."""
    return f"{STEPS_ZH[label]} {label}" if label in STEPS_ZH else label


def whatif_result(result: str) -> str:
    """`导入法治轨道：诉讼 handed_off:litigation`: a replay's ending (models.whatif.Route.result) in words."""
    head, _, target = result.partition(":")
    if head not in WHATIF_RESULTS_ZH:
        return result
    return f"{WHATIF_RESULTS_ZH[head]}{'：' + _zh(target) if target else ''} {result}"


DUPLICATE_STATES_ZH = {"suspected": "疑似重复", "confirmed": "已并单", "split": "已分立"}


def duplicate_state_shown(state: str | None) -> str:
    """`疑似重复 suspected`: a report's standing beside the case it repeats (None: the original case)."""
    if state is None:
        return "原案 original"
    return f"{DUPLICATE_STATES_ZH[state]} {state}" if state in DUPLICATE_STATES_ZH else state


def dispute_type(code: str | None) -> str:
    """`劳动争议 labour` (the code is the English); — before triage."""
    if not code:
        return "—"
    return f"{DISPUTE_TYPES_ZH[code]} {code}" if code in DISPUTE_TYPES_ZH else code


_PATH_RUNG = re.compile(r"path:(\w+)\[(\d+)\]")  # models/steps.py's escalation: the rung it climbed to
_PATH_END = re.compile(r"path:(\w+)\.on_failed")


def rule_shown(rule: str | None) -> str:
    """`劳动争议路径第2级 labour path, rung 2` for the stored `path:labour[1]`: rungs counted from 1, as
    `fengqiao config show` counts them. Other rules are shown as stored."""
    if not rule:
        return ""
    if m := _PATH_RUNG.fullmatch(rule):
        rung = int(m[2]) + 1
        return f"{DISPUTE_TYPES_ZH.get(m[1], m[1])}路径第{rung}级 {m[1]} path, rung {rung}"
    if m := _PATH_END.fullmatch(rule):
        return f"{DISPUTE_TYPES_ZH.get(m[1], m[1])}路径最高级未成功 {m[1]} path, failed at the top"
    return rule


def _zh(code: str) -> str:
    return LABELS_ZH.get(code, code)


ROLES_ZH = {"applicant": "申请人", "respondent": "被申请人"}
TIES_ZH = {"belongs to": "为{role}一方", "is related to": "与{role}有亲友关系"}  # models.assignment.conflict
MATCHED_BY_ZH = {"name": "姓名", "phone": "电话", "ID number": "身份证号"}  # models.duplicates._same_person

# models/steps.py's assignment: the room (first attempt) and the notes (models.assignment.Choice) after "; "
_ASSIGNED = re.compile(
    r"assigned to mediator (\S+) \((\w+)\), attempt (\d+)"
    r"(?:, in the stationed room (\S+) at (.+?) \(派驻调解室\))?((?:; .*)?)$"
)
_NOTES: list[tuple[re.Pattern[str], Callable[[re.Match[str], Names], str]]] = [
    (
        re.compile(r"(\S+) (belongs to|is related to) the (\w+)"),
        lambda m, n: f"{n.mediators.get(m[1], m[1])}{TIES_ZH[m[2]].format(role=ROLES_ZH.get(m[3], m[3]))}",
    ),
    (re.compile(r"every mediator of (\S+) is at capacity"), lambda m, n: f"{n.rung(m[1])}调解员均已满额"),
    (
        re.compile(r"(\S+) is at its capacity \((\d+)/(\d+) open cases\)"),
        lambda m, n: f"{n.rung(m[1])}已达承办上限（在办{m[2]}/{m[3]}件）",
    ),
]


def _note_zh(note: str, names: Names) -> str | None:
    for pattern, chinese in _NOTES:
        if m := pattern.fullmatch(note):
            return chinese(m, names)
    return None


def _assigned_zh(m: re.Match[str], names: Names) -> str:
    """`指派一级调解员王丽，第2次调解；回避：郑明为被申请人一方`: who stepped aside and who was full, too."""
    said = f"指派{GRADES_ZH.get(m[2], m[2])}{names.mediators.get(m[1], m[1])}，第{m[3]}次调解"
    if m[4]:
        said += f"，在{names.orgs.get(m[4], m[4])}（派驻{m[5]}）"
    for note in m[6].split("; ")[1:]:
        if note.startswith("stepped aside: "):
            who = [_note_zh(one, names) for one in note.removeprefix("stepped aside: ").split(", ")]
            said += f"；回避：{'、'.join(w for w in who if w)}" if all(who) else ""
        elif chinese := _note_zh(note, names):
            said += f"；{chinese}"
    return said


def _named_codes(english: str, names: Names) -> str:
    """The English of an assignment with the mediators' and organisations' names before their codes."""

    def named(m: re.Match[str]) -> str:
        code = m[0]
        return names.mediator(code) if code in names.mediators else names.org(code)

    return re.sub(r"\b[A-Z]+(?:-[A-Z0-9]+)+\b", named, english)


def _duplicate_zh(m: re.Match[str], names: Names) -> str:
    """`同一被申请人（姓名）、同一地点 金沙社区 511502001001、同一纠纷类型 劳动争议 labour、相隔0天`."""
    if m[2]:
        who = f"同一申请人（{MATCHED_BY_ZH.get(m[1], m[1])}）、同一被申请人（{MATCHED_BY_ZH.get(m[2], m[2])}）"
    elif m[3]:
        who = f"同一被申请人（{MATCHED_BY_ZH.get(m[3], m[3])}）"
    else:
        who = f"同一申请人（{MATCHED_BY_ZH.get(m[4], m[4])}）、其中一份报告未列被申请人"
    return f"{who}、同一地点 {names.place(m[5])}、同一纠纷类型 {dispute_type(m[6])}、相隔{m[7]}天"


def _received_zh(m: re.Match[str], names: Names) -> str:
    """`经网格登记；疑似与FQ20260000001重复：同一被申请人（姓名）、…`: intake, and why it was held."""
    said = f"经{_zh(m[1])}登记"
    if m[2]:
        said += f"；疑似与{m[2]}重复" + (f"：{why}" if (why := reason_zh(m[3], names)) else "")
    return said


# The system's sentences (models/steps.py, triage, intake, reconfiguration, duplicates, aftercare),
# each with the Chinese made from its parts. The first that matches the start of a reason wins.
_SENTENCES: list[tuple[re.Pattern[str], Callable[[re.Match[str], Names], str]]] = [
    (re.compile(r"received via (\w+)(?: ref [^\s;]+)?(?:; suspected duplicate of (\S+): (.*))?"), _received_zh),
    (
        re.compile(r"type (\w+), risk (\w+), starts at (\S+)"),
        lambda m, n: (
            f"分流为{DISPUTE_TYPES_ZH.get(m[1], m[1])}，风险{RISKS_ZH.get(m[2], m[2])}，自{n.rung(m[3])}开始调解"
        ),
    ),
    (_ASSIGNED, _assigned_zh),
    (
        re.compile(r"failed at the top of the path, handed off to (\w+)"),
        lambda m, n: f"调解至最高层级仍未成功，导入{_zh(m[1])}",
    ),
    (
        re.compile(r"failed at (\S+), escalated to (\S+)"),
        lambda m, n: f"{n.rung(m[1])}调解未成功，升级至{n.rung(m[2])}",
    ),
    (re.compile(r"a party refused mediation, handed off to (\w+)"), lambda m, n: f"当事人拒绝调解，导入{_zh(m[1])}"),
    (re.compile(r"withdrawn$"), lambda m, n: "申请人撤回"),
    (re.compile(r"expert opinion given$"), lambda m, n: "专家意见已出具"),
    (re.compile(r"result from (\w+)"), lambda m, n: f"{_zh(m[1])}结果已反馈（结果同悉）"),
    (re.compile(r"agreement archived$"), lambda m, n: "调解协议归档结案"),
    (re.compile(r"withdrawal archived$"), lambda m, n: "撤回归档结案"),
    (re.compile(r"(agreement|oral_agreement)$"), lambda m, n: f"调解成功：{_zh(m[1])}"),
    (re.compile(r"configuration version (\d+) → (\d+)"), lambda m, n: f"配置版本由第{m[1]}版迁移至第{m[2]}版"),
    (  # models.duplicates.find_duplicate: a case's duplicate_reason, not a timeline's
        re.compile(
            r"(?:same applicant \(([\w ]+)\) and respondent \(([\w ]+)\)|same respondent \(([\w ]+)\)"
            r"|same applicant \(([\w ]+)\), one report names no respondent), "
            r"same place (\d+), same type (\w+), (\d+) days apart$"
        ),
        _duplicate_zh,
    ),
]


def reason_zh(reason: str, names: Names) -> str | None:
    """The Chinese of a system sentence, or None (a reason written with its Chinese first already, or
    unknown). An assignment to a stationed room names its host in Chinese, after the English."""
    if _has_chinese(reason[:1]):
        return None
    for pattern, chinese in _SENTENCES:
        if m := pattern.match(reason):
            return chinese(m, names)
    return None


def reason_shown(reason: str, names: Names) -> str:
    """`街道/乡镇调解未成功，升级至区县 failed at street, escalated to district`: Chinese first, the
    stored English beside."""
    chinese = reason_zh(reason, names)
    if not chinese:
        return reason
    return f"{chinese} {_named_codes(reason, names) if _ASSIGNED.match(reason) else reason}"

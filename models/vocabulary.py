"""The pipeline's fixed names (statuses, stages, outcomes, channels, levels), each with its Chinese label."""

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    MEDIATING = "mediating"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    HANDED_OFF = "handed_off"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Stage(StrEnum):
    """The step of the pipeline that made a transition."""

    INTAKE = "intake"
    TRIAGE = "triage"
    ASSIGNMENT = "assignment"
    MEDIATION = "mediation"
    ESCALATION = "escalation"
    EXPERT_OPINION = "expert_opinion"
    HANDOFF = "handoff"
    RESOLUTION = "resolution"
    WITHDRAWAL = "withdrawal"
    CLOSING = "closing"
    DUPLICATE = "duplicate"  # 并单: a report linked to, merged into or split from an open case
    RECONFIGURATION = "reconfiguration"  # an administrator moved the case to another configuration version
    CLOCK = "clock"  # a statutory clock paused, resumed or extended
    FOLLOW_UP = "follow_up"  # 回访: the agreement honoured, or the case re-opened or handed off
    SESSION = "session"  # 调解笔录: a mediation session recorded (no status change)


class Outcome(StrEnum):
    AGREEMENT = "agreement"
    ORAL_AGREEMENT = "oral_agreement"
    FAILED = "failed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class HandoffTarget(StrEnum):
    LITIGATION = "litigation"
    ARBITRATION = "arbitration"
    ADMINISTRATIVE_REVIEW = "administrative_review"
    ADMINISTRATIVE_ADJUDICATION = "administrative_adjudication"


class Channel(StrEnum):
    HOTLINE_12345 = "hotline_12345"
    GRID = "grid"
    WALK_IN = "walk_in"
    POLICE = "police"
    COURT = "court"
    PETITION = "petition"
    ONLINE = "online"


class Level(StrEnum):
    """Where an organisation stands: four territorial levels, then the rest."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    PANEL = "panel"
    EXPERT_POOL = "expert_pool"


class Risk(StrEnum):
    NORMAL = "normal"
    EMERGENCY = "emergency"


class InputKind(StrEnum):
    """What a person supplies while a case waits."""

    OUTCOME = "outcome"  # a mediation attempt's outcome
    EXIT = "exit"  # a party refuses or the applicant withdraws, at any open status
    EXPERT_OPINION = "expert_opinion"
    HANDOFF_RESULT = "handoff_result"
    FOLLOW_UP = "follow_up"  # a follow-up visit's finding, once per agreement (round = the attempt that reached it)


OPEN_STATUSES = frozenset({Status.RECEIVED, Status.TRIAGED, Status.MEDIATING, Status.ESCALATED})
VOLUNTARY_EXITS = frozenset({Outcome.REFUSED, Outcome.WITHDRAWN})
AGREEMENTS = frozenset({Outcome.AGREEMENT, Outcome.ORAL_AGREEMENT})

CHANNELS_ZH: dict[str, str] = {
    Channel.HOTLINE_12345: "12345热线",
    Channel.GRID: "网格上报",
    Channel.WALK_IN: "窗口来访",
    Channel.POLICE: "警调对接",
    Channel.COURT: "诉调对接",
    Channel.PETITION: "访调对接",
    Channel.ONLINE: "网上申请",
}
LABELS_ZH: dict[str, str] = {
    Status.RECEIVED: "已受理",
    Status.TRIAGED: "已分流",
    Status.MEDIATING: "调解中",
    Status.ESCALATED: "已升级",
    Status.RESOLVED: "已化解",
    Status.HANDED_OFF: "已导入法治轨道",
    Status.CLOSED: "已结案",
    Status.WITHDRAWN: "已撤回",
    Stage.INTAKE: "登记",
    Stage.TRIAGE: "分流",
    Stage.ASSIGNMENT: "指派",
    Stage.MEDIATION: "调解",
    Stage.ESCALATION: "升级",
    Stage.EXPERT_OPINION: "专家意见",
    Stage.HANDOFF: "移交",
    Stage.RESOLUTION: "化解",
    Stage.WITHDRAWAL: "撤回",
    Stage.CLOSING: "结案",
    Stage.DUPLICATE: "并单",
    Stage.RECONFIGURATION: "配置迁移",
    Stage.CLOCK: "时限",
    Stage.FOLLOW_UP: "回访",
    Stage.SESSION: "调解笔录",
    Outcome.AGREEMENT: "书面协议",
    Outcome.ORAL_AGREEMENT: "口头协议",
    Outcome.FAILED: "调解不成",
    Outcome.REFUSED: "拒绝调解",
    HandoffTarget.LITIGATION: "诉讼",
    HandoffTarget.ARBITRATION: "仲裁",
    HandoffTarget.ADMINISTRATIVE_REVIEW: "行政复议",
    HandoffTarget.ADMINISTRATIVE_ADJUDICATION: "行政裁决",
    **CHANNELS_ZH,  # then the levels: grid is both, and LABELS_ZH's grid is the level's (网格)
    Level.DISTRICT: "区县",
    Level.STREET: "街道/乡镇",
    Level.COMMUNITY: "社区/村",
    Level.GRID: "网格",
    Level.PANEL: "专业调委会",
    Level.EXPERT_POOL: "专家库",
}


def bilingual(value: str) -> str:
    """'调解中 mediating' where a Chinese label exists, else the code itself."""
    zh = LABELS_ZH.get(value)
    return f"{zh} {value}" if zh else str(value)


def channel_shown(value: str) -> str:
    """'网格上报 grid': a channel by its own label, where bilingual would read grid as the level (网格 grid)."""
    return f"{CHANNELS_ZH[value]} {value}" if value in CHANNELS_ZH else str(value)

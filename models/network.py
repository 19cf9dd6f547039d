"""The mediation network and the administrators' escalation paths, as plain values.

Area codes are hierarchical (district 511502 → street 511502001 → community 511502001001
→ grid 511502001001001): an organisation serves every area whose code starts with its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fengqiao.models.errors import ConfigurationError
from fengqiao.models.official import StatisticsRules
from fengqiao.models.points import PointsRules
from fengqiao.models.vocabulary import LABELS_ZH, HandoffTarget, Level

TERRITORIAL_RANK = {Level.GRID: 0, Level.COMMUNITY: 1, Level.STREET: 2, Level.DISTRICT: 3}


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    level: Level
    parent: str | None = None
    area_code: str | None = None
    dispute_types: tuple[str, ...] = ()  # panels: the types they take
    fields: tuple[str, ...] = ()  # expert pools: the fields they cover
    capacity: int | None = None  # open cases at once, over all its mediators; None: no limit set
    channels: tuple[str, ...] = ()  # a stationed room (派驻调解室): the referring channels it takes
    host: str | None = None  # where a stationed room sits: a police station, a court, a petition office
    committee_kind: str | None = None  # how the bureau counts it (models/roster.py), if not by its level
    seal: str | None = None  # 印章: the committee's seal image as a data: URI (PNG or SVG), checked on load

    @property
    def is_room(self) -> bool:
        return bool(self.channels)


@dataclass(frozen=True)
class Mediator:
    code: str
    name: str
    org: str
    specialties: tuple[str, ...] = ()
    grade: str = "mediator"
    full_time: bool = True
    capacity: int = 20  # open cases at once
    affiliations: tuple[str, ...] = ()  # organisations they belong to (回避)
    relations: tuple[str, ...] = ()  # people they are related to (回避)


@dataclass(frozen=True)
class Expert:
    code: str
    name: str
    pool: str
    field: str


@dataclass(frozen=True)
class PathStep:
    """One rung of an escalation path: a territorial level or a named panel."""

    level: Level | None = None
    panel: str | None = None
    expert_pool: str | None = None  # an expert opinion is recorded before this step mediates
    deadline_days: int = 30
    working_days: bool = False  # count only working days (China's official calendar)

    @property
    def label(self) -> str:
        return self.panel or str(self.level)


@dataclass(frozen=True)
class EscalationPath:
    dispute_type: str
    steps: tuple[PathStep, ...]
    on_failed: HandoffTarget = HandoffTarget.LITIGATION
    on_refused: HandoffTarget = HandoffTarget.LITIGATION
    emergency_start: int = 0  # the step an emergency case starts at (skipping levels)


@dataclass(frozen=True)
class AftercareRules:
    """After an agreement: days to ask for judicial confirmation, and days until the follow-up visit."""

    judicial_confirmation_days: int = 30
    follow_up_days: int = 30


@dataclass(frozen=True)
class LegalBodies:
    """The bodies of an area a case's papers name: where a party goes next (告知书) and the court
    its agreement is confirmed by (司法确认申请书). Administrators' data, per area (legal_bodies)."""

    area_code: str
    court: str  # 基层人民法院: litigation and judicial confirmation
    arbitration: str  # 劳动人事争议仲裁委员会
    administrative_review: str  # 行政复议机关
    administrative_adjudication: str  # 行政裁决: e.g. the people's government for land (土地管理法 Art. 14)

    @classmethod
    def named_after(cls, area_code: str, district: str) -> LegalBodies:
        """The fallback for a configuration stored before legal_bodies existed: the district's own
        bodies by name (翠屏区人民法院…), as the papers named them then."""
        return cls(
            area_code,
            f"{district}人民法院",
            f"{district}劳动人事争议仲裁委员会",
            f"{district}人民政府",
            f"{district}有关行政机关",
        )


@dataclass(frozen=True)
class Network:
    organisations: dict[str, Organisation]
    mediators: tuple[Mediator, ...]
    experts: tuple[Expert, ...]
    paths: dict[str, EscalationPath] = field(default_factory=dict)
    aftercare: AftercareRules = field(default_factory=AftercareRules)
    statistics: StatisticsRules = field(default_factory=StatisticsRules)  # 统计口径: the official definitions
    points: PointsRules = field(default_factory=PointsRules)  # 积分制: the weights of studio points
    case_file: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 卷宗: papers an agreement requires
    legal_bodies: tuple[LegalBodies, ...] = ()  # per area: the bodies its papers name

    def bodies_for(self, area_code: str) -> LegalBodies | None:
        """The entry with the longest area code that begins the case's area code."""
        found = [b for b in self.legal_bodies if area_code.startswith(b.area_code)]
        return max(found, key=lambda b: len(b.area_code), default=None)

    def path_for(self, dispute_type: str) -> EscalationPath:
        try:
            return self.paths[dispute_type]
        except KeyError:
            raise ConfigurationError(
                f"纠纷类型 {dispute_type!r} 没有调解路径 no escalation path for dispute type {dispute_type!r}",
                field="paths",
            ) from None

    def path_if_known(self, dispute_type: str | None) -> EscalationPath | None:
        """Before triage a case has no dispute type, and so no path yet."""
        return self.path_for(dispute_type) if dispute_type else None

    def org_for_step(self, step: PathStep, area_code: str) -> Organisation:
        """The organisation that mediates this step for a case arising at area_code (属地管理)."""
        if step.panel:
            return self.organisations[step.panel]
        candidates = [
            o
            for o in self.organisations.values()
            if o.level == step.level and not o.is_room and o.area_code and area_code.startswith(o.area_code)
        ]
        if not candidates:
            raise ConfigurationError(
                f"区划代码{area_code}没有{LABELS_ZH.get(str(step.level), step.level)}级调解组织 "
                f"no {step.level} organisation serves area {area_code}",
                field="area_code",
            )
        return max(candidates, key=lambda o: len(o.area_code or ""))

    def room_for(self, step: PathStep, area_code: str, channel: str) -> Organisation | None:
        """The stationed room that takes a referral's first attempt in place of this rung, if any.

        The referring body (police, court, petition office) has already brought the parties to
        its room (警调/诉调/访调对接); the room stands in for a territorial rung at or below its
        own level, in its own area. Later rungs are mediated as the path says.
        """
        if step.level not in TERRITORIAL_RANK:
            return None
        rooms = [
            o
            for o in self.organisations.values()
            if channel in o.channels
            and o.area_code
            and area_code.startswith(o.area_code)
            and TERRITORIAL_RANK[o.level] >= TERRITORIAL_RANK[step.level]
        ]
        return max(rooms, key=lambda o: len(o.area_code or ""), default=None)

    def open_cases_of(self, org: str, open_cases: Mapping[str, int]) -> int:
        """An organisation's load: the open cases of its mediators."""
        return sum(open_cases.get(m.code, 0) for m in self.mediators_of(org))

    def mediators_of(self, org: str) -> list[Mediator]:
        return [m for m in self.mediators if m.org == org]

    def knows_area(self, area_code: str) -> bool:
        return any(o.area_code and area_code.startswith(o.area_code) for o in self.organisations.values())

    def unserved_level(self, area_code: str, channel: str) -> Level | None:
        """A territorial level some path may bring a case from this area to, with no organisation
        of that level serving it (assignment there could only fail); None when every rung is served.

        Any path counts: the dispute type is triage's to decide, and a failure climbs the path.
        A stationed room taking the channel may stand in for a path's starting rung (normal or
        emergency) only, as assignment does on a first attempt.
        """
        for path in self.paths.values():
            starts = {0, path.emergency_start}
            for index, step in enumerate(path.steps):
                if step.level not in TERRITORIAL_RANK:
                    continue
                if any(
                    o.level == step.level and not o.is_room and o.area_code and area_code.startswith(o.area_code)
                    for o in self.organisations.values()
                ):
                    continue
                if index in starts and self.room_for(step, area_code, channel) is not None:
                    continue
                return step.level
        return None

"""The network YAML: parsed, validated with pydantic, errors as file:line: field: message."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from fengqiao.config.seals import seal_uri
from fengqiao.models import path_checks
from fengqiao.models.duplicates import DuplicateRules
from fengqiao.models.errors import ConfigurationError
from fengqiao.models.invalid import why
from fengqiao.models.network import (
    AftercareRules,
    EscalationPath,
    Expert,
    LegalBodies,
    Mediator,
    Network,
    Organisation,
    PathStep,
)
from fengqiao.models.official import RateBase, StatisticsRules
from fengqiao.models.points import PointsRules
from fengqiao.models.triage import KeywordRule, NotSuitableRule, TriageRules
from fengqiao.models.vocabulary import HandoffTarget, Level

if TYPE_CHECKING:  # PyYAML is imported where a document is read: a stored version is plain data already
    import yaml

SAMPLE_NETWORK = Path(__file__).with_name("sample_network.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]
DisputeTypeName = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class OrgDoc(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    level: Level
    parent: str | None = None
    area_code: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,3}$")
    dispute_types: list[str] = []
    fields: list[str] = []
    capacity: int | None = Field(default=None, gt=0, description="open cases at once, over all its mediators")
    committee_kind: Literal["village", "township", "enterprise", "sector", "other"] | None = Field(
        default=None, description="统计类型 how the bureau counts the committee, if not by its level (models/roster.py)"
    )
    seal: str | None = Field(
        default=None, description="印章: a PNG or SVG file beside the YAML (kept as a data: URI), or that data: URI"
    )


class RoomDoc(_Strict):
    """A stationed mediation room (派驻调解室): a committee's room inside a referring body."""

    code: Code
    name: str = Field(min_length=1, max_length=200)
    host: str = Field(min_length=1, description="where it sits: 西郊派出所, 翠屏区人民法院…")
    channels: list[Literal["police", "court", "petition"]] = Field(min_length=1)
    level: Literal["district", "street", "community"] = "street"
    parent: str
    area_code: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$")
    capacity: int | None = Field(default=None, gt=0)
    seal: str | None = Field(
        default=None, description="印章: a PNG or SVG file beside the YAML (kept as a data: URI), or that data: URI"
    )


class MediatorDoc(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=100)
    org: str
    specialties: list[str] = []
    grade: Literal["chief", "first", "mediator"] = "mediator"
    full_time: bool = True
    capacity: int = Field(default=20, gt=0, description="open cases at once")
    affiliations: list[str] = []
    relations: list[str] = []


class ExpertDoc(_Strict):
    code: Code
    name: str = Field(min_length=1, max_length=100)
    pool: str
    field: str = Field(min_length=1, max_length=50)


class StepDoc(_Strict):
    level: Level | None = None
    panel: str | None = None
    expert_pool: str | None = None
    deadline_days: int = Field(gt=0)
    working_days: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> StepDoc:
        if (self.level is None) == (self.panel is None):
            raise ValueError("每一级须写明 level 或 panel 之一 a step names exactly one of level or panel")
        return self


class PathDoc(_Strict):
    steps: list[StepDoc] = Field(min_length=1)
    on_failed: HandoffTarget = HandoffTarget.LITIGATION
    on_refused: HandoffTarget = HandoffTarget.LITIGATION
    emergency_start: int = Field(default=0, ge=0)


class TriageDoc(_Strict):
    default_type: str
    emergency_people: int = Field(default=10, gt=1)
    emergency_keywords: list[str] = []
    classify: list[KeywordRuleDoc] = []
    not_suitable: list[NotSuitableDoc] = []
    duplicate_window_days: int = Field(default=30, ge=0, le=366)
    duplicate_same_place_digits: Literal[6, 9, 12, 15] = 9
    emergency_reports: int = Field(default=3, ge=2)


class KeywordRuleDoc(_Strict):
    name: str
    dispute_type: str
    keywords: list[str] = Field(min_length=1)


class NotSuitableDoc(_Strict):
    name: str
    target: HandoffTarget
    keywords: list[str] = []
    dispute_types: list[str] = []


class AftercareDoc(_Strict):
    judicial_confirmation_days: int = Field(default=30, gt=0)
    follow_up_days: int = Field(default=30, gt=0)


class StatisticsDoc(_Strict):
    """统计口径: how the official figures are counted where this network reports (models/official.py)."""

    success_rate: RateBase = Field(
        default=RateBase.MEDIATED, description="调解成功率 = 调解成功 ÷ 调解 (mediated) or ÷ 受理 (received)"
    )
    group_dispute_people: int = Field(default=5, ge=2, le=10_000, description="群体性纠纷: at least this many people")


Weight = Annotated[float, Field(ge=0, le=1000)]


class PointsDoc(_Strict):
    """积分制: points for each unit of work (models/points.py)."""

    per_case: Weight = 10.0
    per_agreement: Weight = 5.0
    per_session: Weight = 2.0
    per_day: Weight = 0.5
    per_satisfaction: Weight = 1.0


Body = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LegalBodiesDoc(_Strict):
    """The bodies an area's papers name (告知书, 司法确认申请书); every district needs one."""

    area_code: str = Field(pattern=r"^\d{6}(\d{3}){0,3}$")
    court: Body = Field(description="基层人民法院: litigation, and the court that confirms agreements")
    arbitration: Body = Field(description="劳动人事争议仲裁委员会")
    administrative_review: Body = Field(description="行政复议机关, e.g. the district's people's government")
    administrative_adjudication: Body = Field(description="行政裁决: e.g. the district's people's government for land")


AgreementKind = Literal["agreement", "oral_agreement"]
Requirement = Literal["session_record", "signed_copy", "oral_agreement"]  # models/case_file_rules.py


class NetworkDoc(_Strict):
    organisations: list[OrgDoc] = Field(min_length=1)
    stationed_rooms: list[RoomDoc] = []
    mediators: list[MediatorDoc] = []
    experts: list[ExpertDoc] = []
    paths: dict[DisputeTypeName, PathDoc] = Field(min_length=1)
    triage: TriageDoc
    aftercare: AftercareDoc = AftercareDoc()
    statistics: StatisticsDoc = StatisticsDoc()
    points: PointsDoc = PointsDoc()
    case_file: dict[AgreementKind, list[Requirement]] = Field(
        default={}, description="卷宗齐全: the papers each agreement requires before the case may resolve"
    )
    legal_bodies: list[LegalBodiesDoc] = []


def reference_errors(doc: NetworkDoc) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-references pydantic cannot see: each error with the exact location it is about."""
    orgs = {o.code: o for o in doc.organisations}
    errors: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    codes = [("organisations", i, o.code) for i, o in enumerate(doc.organisations)]
    for section, i, code in codes + [("stationed_rooms", i, r.code) for i, r in enumerate(doc.stationed_rooms)]:
        if code in seen:
            errors.append(((section, i, "code"), f"代码 {code!r} 重复使用 {code!r} is used twice"))
        seen.add(code)
    for i, o in enumerate(doc.organisations):
        if o.parent and o.parent not in orgs:
            errors.append((("organisations", i, "parent"), f"不认识的调解组织 unknown organisation {o.parent!r}"))
        elif _parent_cycle(o.code, orgs):
            errors.append(
                (
                    ("organisations", i, "parent"),
                    f"{o.code} 的上级组织构成循环 {o.code} is its own ancestor: parents must not cycle",
                )
            )
    errors += _room_errors(doc, orgs)
    errors += _legal_body_errors(doc)
    workplaces = set(orgs) | {r.code for r in doc.stationed_rooms}
    for i, m in enumerate(doc.mediators):
        if m.org not in workplaces:
            errors.append((("mediators", i, "org"), f"不认识的调解组织 unknown organisation {m.org!r}"))
    for i, e in enumerate(doc.experts):
        if e.pool not in orgs or orgs[e.pool].level is not Level.EXPERT_POOL:
            errors.append((("experts", i, "pool"), f"{e.pool!r} 不是专家库 is not an expert pool"))
    for dtype, path in doc.paths.items():
        for i, step in enumerate(path.steps):
            if step.panel and (step.panel not in orgs or orgs[step.panel].level is not Level.PANEL):
                errors.append((("paths", dtype, "steps", i, "panel"), f"{step.panel!r} 不是专业调委会 is not a panel"))
            if step.expert_pool and (
                step.expert_pool not in orgs or orgs[step.expert_pool].level is not Level.EXPERT_POOL
            ):
                errors.append(
                    (
                        ("paths", dtype, "steps", i, "expert_pool"),
                        f"{step.expert_pool!r} 不是专家库 is not an expert pool",
                    )
                )
        if path.emergency_start >= len(path.steps):
            errors.append(
                (("paths", dtype, "emergency_start"), f"{path.emergency_start} 超出了最后一级 is past the last step")
            )
    if doc.triage.default_type not in doc.paths:
        errors.append((("triage", "default_type"), f"{doc.triage.default_type!r} 没有调解路径 has no path"))
    for i, rule in enumerate(doc.triage.classify):
        if rule.dispute_type not in doc.paths:
            errors.append(
                (("triage", "classify", i, "dispute_type"), f"{rule.dispute_type!r} 没有调解路径 has no path")
            )
    for i, o in enumerate(doc.organisations):
        for t in o.dispute_types:
            if t not in doc.paths:
                errors.append((("organisations", i, "dispute_types"), f"{t!r} 没有调解路径 has no path"))
    return errors


def _parent_cycle(code: str, orgs: dict[str, OrgDoc]) -> bool:
    seen = {code}
    parent = orgs[code].parent
    while parent in orgs:
        if parent in seen:
            return True
        seen.add(parent)
        parent = orgs[parent].parent
    return False


def _room_errors(doc: NetworkDoc, orgs: dict[str, OrgDoc]) -> list[tuple[tuple[str | int, ...], str]]:
    """A room belongs to a committee, inside its area, and has someone to mediate in it."""
    errors: list[tuple[tuple[str | int, ...], str]] = []
    staffed = {m.org for m in doc.mediators}
    for i, r in enumerate(doc.stationed_rooms):
        parent = orgs.get(r.parent)
        if parent is None:
            errors.append((("stationed_rooms", i, "parent"), f"不认识的调解组织 unknown organisation {r.parent!r}"))
        elif not (parent.area_code and r.area_code.startswith(parent.area_code)):
            message = (
                f"{r.area_code} 不在 {r.parent} 的区域内 "
                f"{r.area_code} is outside the area of {r.parent} ({parent.area_code or 'none'})"
            )
            errors.append((("stationed_rooms", i, "area_code"), message))
        if r.code not in staffed:
            message = (
                f"{r.code} 没有调解员，移来的案件会停在这里 "
                f"no mediator works in {r.code}: its referrals would stop there (dead end)"
            )
            errors.append((("stationed_rooms", i, "code"), message))
    return errors


def _legal_body_errors(doc: NetworkDoc) -> list[tuple[tuple[str | int, ...], str]]:
    """Each district's papers name its court, arbitration commission and review body: one entry
    covers it (its area code begins the district's), and no area has two."""
    errors: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    for i, b in enumerate(doc.legal_bodies):
        if b.area_code in seen:
            errors.append((("legal_bodies", i, "area_code"), f"{b.area_code} 出现了两次 {b.area_code} is given twice"))
        seen.add(b.area_code)
    for i, o in enumerate(doc.organisations):
        if o.level is Level.DISTRICT and o.area_code and not any(o.area_code.startswith(a) for a in seen):
            message = (
                f"区县 {o.code} {o.name} 没有 legal_bodies 条目，须写明其法院、仲裁委员会、行政复议和行政裁决机关 "
                f"district {o.code} {o.name} (area {o.area_code}) has no legal_bodies entry: name its court, "
                "arbitration commission, administrative review and adjudication bodies"
            )
            errors.append((("organisations", i, "area_code"), message))
    return errors


def path_errors(doc: NetworkDoc) -> list[tuple[tuple[str | int, ...], str]]:
    """Cycles and dead ends in the escalation paths, checked on the domain values."""
    network, _ = network_from_document(doc.model_dump(mode="json"))
    return [
        (("paths", f.dispute_type, "steps", f.step, f.part), f.message)
        for f in (*path_checks.cycles(network), *path_checks.dead_ends(network))
    ]


TriageDoc.model_rebuild()


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Walk the composed YAML node tree along a pydantic error location to find its line."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def parse_network_document(text: str, source: str, *, lines: bool = True, base: Path | None = None) -> dict[str, Any]:
    """Validate a network document and return it as plain data (what a config version stores).

    base: the folder of the file it was read from, where a seal's path is read (config.seals)."""
    import yaml

    try:
        raw = yaml.safe_load(text)
        tree = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigurationError(f"{where}: 不是有效的 YAML not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        doc = NetworkDoc.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        _raise_at(tree if lines else None, tuple(err["loc"]), why(err["type"], err["msg"]), source)
    if problems := reference_errors(doc) or path_errors(doc):
        _raise_at(tree if lines else None, *problems[0], source)
    return _with_seals(doc.model_dump(mode="json"), base, tree if lines else None, source)


def _with_seals(document: dict[str, Any], base: Path | None, tree: yaml.Node | None, source: str) -> dict[str, Any]:
    """Each seal read and checked, kept as its data: URI; a bad one named by its line and field."""
    for section in ("organisations", "stationed_rooms"):
        for i, entry in enumerate(document.get(section, [])):
            if entry.get("seal"):
                try:
                    entry["seal"] = seal_uri(entry["seal"], base)
                except ValueError as exc:
                    _raise_at(tree, (section, i, "seal"), str(exc), source)
    return document


def _raise_at(tree: yaml.Node | None, loc: tuple[Any, ...], message: str, source: str) -> NoReturn:
    """tree None: the document did not come from a file a person edits (an API body): no line to name."""
    field = ".".join(str(p) for p in loc) or "(document)"
    where = f"{source}:{_line_of(tree, loc)}" if tree is not None else source
    raise ConfigurationError(f"{where}: {field}: {message}", field=field)


def load_network_file(path: Path | None = None) -> dict[str, Any]:
    path = path or SAMPLE_NETWORK
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: 无法读取 cannot read: {exc.strerror}", field="network_file") from None
    return parse_network_document(text, str(path), base=path.parent)


def network_from_document(doc: dict[str, Any]) -> tuple[Network, TriageRules]:
    """Domain values from a validated document."""
    net = NetworkDoc.model_validate(doc)
    network = Network(
        organisations={
            o.code: Organisation(
                o.code,
                o.name,
                o.level,
                o.parent,
                o.area_code,
                tuple(o.dispute_types),
                tuple(o.fields),
                o.capacity,
                committee_kind=o.committee_kind,
                seal=o.seal,
            )
            for o in net.organisations
        }
        | {
            r.code: Organisation(
                r.code,
                r.name,
                Level(r.level),
                r.parent,
                r.area_code,
                capacity=r.capacity,
                channels=tuple(r.channels),
                host=r.host,
                seal=r.seal,
            )
            for r in net.stationed_rooms
        },
        mediators=tuple(
            Mediator(
                m.code,
                m.name,
                m.org,
                tuple(m.specialties),
                m.grade,
                m.full_time,
                m.capacity,
                tuple(m.affiliations),
                tuple(m.relations),
            )
            for m in net.mediators
        ),
        experts=tuple(Expert(e.code, e.name, e.pool, e.field) for e in net.experts),
        paths={
            dtype: EscalationPath(
                dtype,
                tuple(PathStep(s.level, s.panel, s.expert_pool, s.deadline_days, s.working_days) for s in p.steps),
                p.on_failed,
                p.on_refused,
                p.emergency_start,
            )
            for dtype, p in net.paths.items()
        },
        aftercare=AftercareRules(net.aftercare.judicial_confirmation_days, net.aftercare.follow_up_days),
        statistics=StatisticsRules(net.statistics.success_rate, net.statistics.group_dispute_people),
        points=PointsRules(**net.points.model_dump()),
        case_file={outcome: tuple(required) for outcome, required in net.case_file.items()},
        legal_bodies=tuple(LegalBodies(**b.model_dump()) for b in net.legal_bodies),
    )
    t = net.triage
    rules = TriageRules(
        classify=tuple(KeywordRule(r.name, tuple(r.keywords), r.dispute_type) for r in t.classify),
        not_suitable=tuple(
            NotSuitableRule(r.name, r.target, tuple(r.keywords), tuple(r.dispute_types)) for r in t.not_suitable
        ),
        emergency_people=t.emergency_people,
        emergency_keywords=tuple(t.emergency_keywords),
        default_type=t.default_type,
        duplicates=DuplicateRules(t.duplicate_window_days, t.duplicate_same_place_digits, t.emergency_reports),
    )
    return network, rules

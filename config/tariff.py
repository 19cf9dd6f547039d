"""The case-subsidy tariff (以案定补) YAML: parsed and validated, errors as file:line: field: message."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from fengqiao.config.network import _line_of
from fengqiao.models.errors import ConfigurationError
from fengqiao.models.invalid import why
from fengqiao.models.subsidies import Rule, Tariff
from fengqiao.models.vocabulary import Channel, Level, Risk

Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class RuleDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    label: str = Field(min_length=1, max_length=100, description="如 一般纠纷、疑难复杂纠纷、信访案件")
    yuan: int = Field(gt=0, le=100_000, description="paid once for each case the rule matches")
    results: list[Literal["written", "oral", "handed_off", "refused"]] = Field(min_length=1)
    dispute_types: list[str] = []
    channels: list[Channel] = []
    levels: list[Level] = []
    min_attempts: int = Field(default=0, ge=0)
    min_people: int = Field(default=0, ge=0)
    risk: Risk | None = None


class TariffDoc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[RuleDoc] = Field(min_length=1)
    share: Literal["split", "concluding"] = Field(
        default="split",
        description="split: a case's sum divided equally between its attempts' mediators; concluding: all to the last",
    )

    @model_validator(mode="after")
    def _names_once(self) -> TariffDoc:
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("规则名称重复 a rule's name is used twice")
        return self


def parse_tariff_document(text: str, source: str) -> dict[str, Any]:
    """Validate a tariff document and return it as plain data (what a tariff version stores)."""
    try:
        raw = yaml.safe_load(text)
        tree = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{source}: 不是有效的 YAML not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        return TariffDoc.model_validate(raw).model_dump(mode="json")
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or "(document)"
        said = why(err["type"], err["msg"])
        raise ConfigurationError(f"{source}:{_line_of(tree, loc)}: {field}: {said}", field=field) from None


def tariff_from_document(version: int, effective_from: str, doc: dict[str, Any]) -> Tariff:
    """A stored tariff; one stored before `share` existed paid the concluding mediator, and still does
    (a closed month's statement never changes). parse_tariff_document writes `share` into new ones."""
    parsed = TariffDoc.model_validate({"share": "concluding"} | doc)
    return Tariff(
        version,
        effective_from,
        tuple(
            Rule(
                r.name,
                r.label,
                r.yuan,
                tuple(r.results),
                tuple(r.dispute_types),
                tuple(str(c) for c in r.channels),
                tuple(str(v) for v in r.levels),
                r.min_attempts,
                r.min_people,
                str(r.risk) if r.risk else None,
            )
            for r in parsed.rules
        ),
        parsed.share,
    )

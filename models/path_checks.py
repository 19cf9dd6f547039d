"""Static checks of escalation paths against the network: what would strand a case.

Each finding names the dispute type, the step (None for the path as a whole), the part of the
step it is about (level, panel, expert_pool) and why, so the loader can point at file and line.
"""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.models.errors import ConfigurationError
from fengqiao.models.network import Network, PathStep
from fengqiao.models.vocabulary import LABELS_ZH, Level

TERRITORIAL = (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID)


@dataclass(frozen=True)
class Finding:
    dispute_type: str
    step: int
    part: str  # level | panel | expert_pool
    message: str


def leaf_areas(network: Network) -> list[str]:
    """The finest area codes the network knows: every case arises in one of them."""
    codes = sorted({o.area_code for o in network.organisations.values() if o.area_code and o.level in TERRITORIAL})
    return [c for c in codes if not any(other != c and other.startswith(c) for other in codes)]


def cycles(network: Network) -> list[Finding]:
    """A path that comes back to a rung it has passed would send a failed case round again."""
    found = []
    for dtype, path in network.paths.items():
        seen: dict[str, int] = {}
        for i, step in enumerate(path.steps):
            if step.label in seen:
                message = (
                    f"路径不能循环，回到了已经过的 {step.label} "
                    f"returns to {step.label} (step {seen[step.label]}): a path must not go round in a cycle"
                )
                found.append(Finding(dtype, i, "panel" if step.panel else "level", message))
            seen.setdefault(step.label, i)
    return found


def _unstaffed(network: Network, step: PathStep, areas: list[str]) -> str | None:
    """Why some case at this rung would find nobody, or None: the first area that does."""
    for area in areas:
        try:
            org = network.org_for_step(step, area)
        except ConfigurationError:
            return (
                f"区划代码{area}没有{LABELS_ZH.get(str(step.level), step.level)}级调解组织，案件会停在这里 "
                f"no {step.level} organisation serves area {area}: its cases would stop here (dead end)"
            )
        if not network.mediators_of(org.code):
            return (
                f"{org.code} 没有调解员，区划代码{area}的案件会停在这里 "
                f"{org.code} has no mediators: cases from area {area} would stop here (dead end)"
            )
    return None


def dead_ends(network: Network) -> list[Finding]:
    """A rung where some case would find no organisation, no mediator or no expert: it would stop there."""
    found = []
    areas = leaf_areas(network)
    checked: dict[str, str | None] = {}  # rungs recur across paths; each is walked over the areas once
    for dtype, path in network.paths.items():
        for i, step in enumerate(path.steps):
            if step.label not in checked:
                checked[step.label] = _unstaffed(network, step, areas)
            if message := checked[step.label]:
                found.append(Finding(dtype, i, "panel" if step.panel else "level", message))
            if step.expert_pool and not any(e.pool == step.expert_pool for e in network.experts):
                message = (
                    f"{step.expert_pool} 没有专家，无法出具意见 "
                    f"{step.expert_pool} has no experts: no opinion could be given (dead end)"
                )
                found.append(Finding(dtype, i, "expert_pool", message))
    return found

"""Who may do what through the API, which cases they may see, and what personal data they see.

Roles (README's): an integrator's system sends cases in and reads back what it sent; a
mediator records outcomes and visits; a coordination centre watches and steps in; an
administrator runs the network. A key also carries a jurisdiction: area-code prefixes and
organisation codes. A case outside it does not exist for that key (404, not 403), so a key
cannot probe which case numbers are in use elsewhere.

Personal data (names, ID numbers, phones, addresses) is masked in every answer (models.privacy);
a mediator or coordinator may ask for it unmasked, giving a reason, and the unmasking is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # named in a signature only: a role alone (the command line's --role) needs no network
    from fengqiao.models.network import Network


class Role(StrEnum):
    INTEGRATOR = "integrator"
    MEDIATOR = "mediator"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    EXPERT = "expert"  # one expert of a pool: gives the opinion an escalated case waits for (key name = expert code)


def jurisdiction_problem(
    role: Role, areas: tuple[str, ...], orgs: tuple[str, ...], network: Network | None
) -> tuple[str, str] | None:
    """(option, why) if a new key's jurisdiction is empty, covers every area, or names what the network lacks.

    An area is in the network when an organisation serves it (it lies under an organisation's
    area) or it contains an organisation's area (a district prefix such as 5115).
    """
    if role is not Role.ADMIN and not areas and not orgs:
        return (
            "--area",
            "须给出 --area 或 --org：没有辖区的密钥什么也看不到 "
            "give --area or --org: a key without a jurisdiction would see nothing",
        )
    if "" in areas:
        return (
            "--area",
            '空区域（""）会覆盖所有区域，请给出区划代码前缀，如 511502 '
            'an empty area ("") would cover every area: give an area-code prefix, such as 511502',
        )
    if (areas or orgs) and network is None:
        return (
            "--area",
            "尚未应用调解网络配置，无法核对辖区 no network configuration applied yet to check the jurisdiction against",
        )
    served = [o.area_code for o in network.organisations.values() if o.area_code] if network else []
    for area in areas:
        if not any(area.startswith(a) or a.startswith(area) for a in served):
            return (
                "--area",
                f"区域 {area} 不在调解网络中 "
                f"area {area} is not in the network: no organisation serves it or any area under it",
            )
    for org in orgs:
        if network is not None and org not in network.organisations:
            return "--org", f"调解组织 {org} 不在调解网络中 organisation {org} is not in the network"
    return None


def expert_name_problem(role: Role, name: str, network: Network | None) -> str | None:
    """Why an expert's key cannot have this name: the key is the expert (its opinions are recorded
    under its name), so a name that is no expert of the network makes a key that can do nothing."""
    if role is not Role.EXPERT or network is None:
        return None
    codes = sorted(e.code for e in network.experts)
    if name in codes:
        return None
    return (
        f"专家密钥以专家代码命名，{name} 不是调解网络中的专家（{', '.join(codes) or '网络中没有专家'}） "
        f"an expert's key is named by the expert's code: {name} is not an expert of the network "
        f"({', '.join(codes) or 'it has none'})"
    )


ROLE_ZH = {
    "integrator": "对接系统",
    "mediator": "调解员",
    "coordinator": "协调中心",
    "admin": "管理员",
    "expert": "专家",
}
MAY_UNMASK = frozenset({Role.MEDIATOR, Role.COORDINATOR})  # with a reason, logged


@dataclass(frozen=True)
class Caller:
    key_id: int
    name: str
    role: Role
    areas: tuple[str, ...] = ()  # area-code prefixes: "5115" is the whole city
    orgs: tuple[str, ...] = ()  # organisations whose cases the key sees wherever they arose
    test: bool = False  # a test key: the cases it sends are test cases (counted nowhere, no result back)

    @property
    def actor(self) -> str:
        """How the caller appears in a case's timeline: the key's name, never its secret."""
        return self.name

    def covers(self, area_code: str, org_code: str | None = None) -> bool:
        if self.role is Role.ADMIN:
            return True
        return any(area_code.startswith(a) for a in self.areas) or (org_code is not None and org_code in self.orgs)

    def may_answer_for(self, *, org_code: str | None, sent_by: int | None) -> str | None:
        """None if the caller may record a person's input on a case it sees, else why not.

        README's roles, narrower than the jurisdiction that lets a key see a case: an integrator
        answers for the cases it sent (sent_by: the key that sent the intake record), a mediator
        for the cases its organisations hold (the key's orgs), a coordinator for any case it sees.
        """
        if self.role is Role.COORDINATOR:
            return None
        if self.role is Role.EXPERT:  # only the expert-opinion call is open to it, and only as itself
            return None
        if self.role is Role.INTEGRATOR:
            return (
                None
                if sent_by == self.key_id
                else f"此案件不是密钥 {self.name} 报送的 key {self.name} did not send this case"
            )
        if self.role is Role.MEDIATOR:
            if org_code is not None and org_code in self.orgs:
                return None
            held = (
                (f"由 {org_code} 承办", f"held by {org_code}")
                if org_code
                else ("尚无承办组织", "not held by any organisation")
            )
            return (
                f"案件{held[0]}，不属于密钥 {self.name} 的调解组织 "
                f"the case is {held[1]}, not by an organisation of key {self.name}"
            )
        return f"角色 {self.role} 不能记录案件答复 role {self.role} records no input on cases"


def jurisdiction(caller: Caller) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    """The area-code prefixes and organisations a caller's lists, figures and statements are confined to
    (a case list's within_areas and within_orgs); an administrator's are (None, ()): everywhere."""
    return (None, ()) if caller.role is Role.ADMIN else (caller.areas, caller.orgs)

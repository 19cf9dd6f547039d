"""Who may do what through the API, which cases they may see, and what personal data they see.

Roles (CONTRACT.md): an integrator's system sends cases in and reads back what it sent; a
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


class Role(StrEnum):
    INTEGRATOR = "integrator"
    MEDIATOR = "mediator"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


ROLE_ZH = {"integrator": "对接系统", "mediator": "调解员", "coordinator": "指挥中心", "admin": "管理员"}
MAY_UNMASK = frozenset({Role.MEDIATOR, Role.COORDINATOR})  # with a reason, logged


@dataclass(frozen=True)
class Caller:
    key_id: int
    name: str
    role: Role
    areas: tuple[str, ...] = ()  # area-code prefixes: "5115" is the whole city
    orgs: tuple[str, ...] = ()  # organisations whose cases the key sees wherever they arose

    @property
    def actor(self) -> str:
        """How the caller appears in a case's timeline: the key's name, never its secret."""
        return self.name

    def covers(self, area_code: str, org_code: str | None = None) -> bool:
        if self.role is Role.ADMIN:
            return True
        return any(area_code.startswith(a) for a in self.areas) or (org_code is not None and org_code in self.orgs)

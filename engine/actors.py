"""Who is acting: roles, and the actor that every service call names."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    COUNTY_REVIEWER = "county_reviewer"
    CITY_REVIEWER = "city_reviewer"
    PROVINCE_REVIEWER = "province_reviewer"
    ADMIN = "admin"
    TAX_CLIENT = "tax_client"


REVIEWER_ROLES = frozenset({Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER})

# BPMN lanes may be named by the role key or by the department's own word for it.
LANE_ALIASES: dict[str, Role] = {
    "企业": Role.ENTERPRISE,
    "区县": Role.COUNTY_REVIEWER,
    "区县审核": Role.COUNTY_REVIEWER,
    "地市": Role.CITY_REVIEWER,
    "地市审核": Role.CITY_REVIEWER,
    "省级": Role.PROVINCE_REVIEWER,
    "省级审核": Role.PROVINCE_REVIEWER,
    "管理员": Role.ADMIN,
    "税务": Role.TAX_CLIENT,
}


def role_for_lane(lane: str | None) -> Role | None:
    """The role whose members work a lane, or None when the lane names no known role."""
    if lane is None:
        return None
    name = lane.strip()
    try:
        return Role(name)
    except ValueError:
        return LANE_ALIASES.get(name)


@dataclass(frozen=True)
class Actor:
    """A person or machine client acting on EcoLoop.

    ``region_code`` is a GB/T 2260 code (440000 province, 4401xx a city, 440106 a
    district); ``enterprise_code`` is the unified social credit code of an
    enterprise user. Both are checked when the actor is built at login.
    """

    username: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    region_code: str | None = None
    enterprise_code: str | None = None
    display_name: str = ""

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


SYSTEM = Actor(username="system", display_name="系统")

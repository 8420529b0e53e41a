"""Actors used across tests: one per role and region of the demo province."""

from __future__ import annotations

from stdnum.cn import uscc

from engine.actors import Actor, Role


def _with_check(body: str) -> str:
    """A credit code whose GB 32100 check character is right."""
    return body + uscc.calc_check_digit(body)


ENTERPRISE_TIANHE = _with_check("91440106MA59C8Q0X")
ENTERPRISE_BAIYUN = _with_check("91440111MA5AXB2P1")
ENTERPRISE_FUTIAN = "91440300568520498A"

ADMIN = Actor("admin", frozenset({Role.ADMIN}), "440000")
PROVINCE = Actor("province", frozenset({Role.PROVINCE_REVIEWER}), "440000")
CITY_GZ = Actor("city-440100", frozenset({Role.CITY_REVIEWER}), "440100")
CITY_SZ = Actor("city-440300", frozenset({Role.CITY_REVIEWER}), "440300")
COUNTY_TIANHE = Actor("county-440106", frozenset({Role.COUNTY_REVIEWER}), "440106")
COUNTY_BAIYUN = Actor("county-440111", frozenset({Role.COUNTY_REVIEWER}), "440111")
ENT_TIANHE = Actor("ent-tianhe", frozenset({Role.ENTERPRISE}), "440106", ENTERPRISE_TIANHE)
ENT_BAIYUN = Actor("ent-baiyun", frozenset({Role.ENTERPRISE}), "440111", ENTERPRISE_BAIYUN)

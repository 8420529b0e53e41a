"""The register's vocabularies: list media, permit classes, risk levels, statuses, datums, industries, factors.

Each is stored by a short English value and shown, imported and exported by its
Chinese label. Factor codes are those of :data:`engine.monitoring.codes.FACTORS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from engine.emergency.risk import levels
from engine.monitoring.codes import FACTORS, Factor

MEDIA: Mapping[str, str] = MappingProxyType({
    "water": "水", "air": "大气", "soil": "土壤", "noise": "噪声", "risk": "环境风险"})
"""Key-unit lists (重点排污单位名录) are kept per year and per medium."""

PERMIT_CLASSES: Mapping[str, str] = MappingProxyType({
    "key": "重点管理", "simplified": "简化管理", "registration": "登记管理"})
RISK_LEVELS = levels.RISK_LEVELS
"""Enterprise environmental-risk levels for emergencies, HJ 941-2018 (defined with the risk sources)."""
STATUSES: Mapping[str, str] = MappingProxyType({"operating": "运营", "stopped": "停产", "closed": "关闭"})
DATUMS = ("WGS-84", "GCJ-02")
POINT_KINDS: Mapping[str, str] = MappingProxyType({"water": "废水", "air": "废气"})
SUSPENSION_REASONS: Mapping[str, str] = MappingProxyType({"shutdown": "停运", "maintenance": "检修"})
"""Approved suspensions of a point (停运/检修 报备); the same reasons as a closure's legitimate gap."""

# GB/T 4754-2017: the section letter each two-digit major group belongs to.
_SECTIONS = (("A", 1, 5), ("B", 6, 12), ("C", 13, 43), ("D", 44, 46), ("E", 47, 50), ("F", 51, 52),
             ("G", 53, 60), ("H", 61, 62), ("I", 63, 65), ("J", 66, 69), ("K", 70, 70), ("L", 71, 72),
             ("M", 73, 75), ("N", 76, 79), ("O", 80, 82), ("P", 83, 83), ("Q", 84, 85), ("R", 86, 90),
             ("S", 91, 97), ("T", 98, 98))
_INDUSTRY_CODE = re.compile(r"([A-T])?(\d{2,4})")


def industry_code(text: str) -> str | None:
    """A GB/T 4754-2017 code normalised to section letter + 2–4 digits (``4411`` → ``D4411``); None if invalid."""
    match = _INDUSTRY_CODE.fullmatch(text.strip().upper())
    if match is None:
        return None
    letter, digits = match.groups()
    section = next((s for s, low, high in _SECTIONS if low <= int(digits[:2]) <= high), None)
    if section is None or (letter is not None and letter != section):
        return None
    return section + digits


def factor_catalogue() -> Mapping[str, Factor]:
    """HJ 212-2017 factor codes the register accepts, by code (the one catalogue, engine.monitoring.codes)."""
    return FACTORS


def value_of(labels: Mapping[str, str], label: str) -> str | None:
    """The stored value of a Chinese label (or of the value itself); None when neither."""
    label = label.strip()
    if label in labels:
        return label
    return _reverse(labels).get(label)


_REVERSED: dict[int, dict[str, str]] = {}


def _reverse(labels: Mapping[str, str]) -> dict[str, str]:
    found = _REVERSED.get(id(labels))
    if found is None:
        found = _REVERSED[id(labels)] = {shown: value for value, shown in labels.items()}
    return found

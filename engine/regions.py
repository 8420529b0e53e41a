"""Guangdong's administrative divisions (GB/T 2260) as an immutable tree.

The divisions are data, not code: ``engine/data/regions.csv`` holds the
province, its 21 prefecture-level cities and their county-level divisions
(districts, county-level cities, counties). 东莞 (441900) and 中山 (442000)
have no county level, so there the city is the lowest review level.

A user's region is the *scope* of what they may see: the province covers every
division, a city covers itself and its counties, a county covers itself.
"""

from __future__ import annotations

import csv
import enum
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NamedTuple

PROVINCE_CODE = "440000"
_DATA_FILE = "regions.csv"
_COLUMNS = ("code", "name", "parent_code", "level")


class RegionLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


@dataclass(frozen=True, slots=True)
class Region:
    """One division; ``parent_code`` is ``None`` for the province only."""

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None


class RegionScope(NamedTuple):
    """What a scope code covers, as a filter on a ``region_code`` column.

    - ``("all", "44")``: no filter needed, every Guangdong code is covered;
    - ``("prefix", "4401")``: ``region_code LIKE '4401%'`` (a city, including
      nine-digit town codes such as Dongguan's ``4419001xx``);
    - ``("exact", "440106")``: ``region_code = '440106'`` (a county). Never use
      ``value`` of an exact scope as a LIKE prefix: ``440106%`` would also match
      longer codes that the county does not cover.
    """

    kind: Literal["all", "prefix", "exact"]
    value: str

    def matches(self, region_code: str) -> bool:
        """Apply the filter in Python, exactly as the SQL form above would."""
        if self.kind == "exact":
            return region_code == self.value
        return region_code.startswith(self.value)


class RegionTree:
    """Read-only lookups over a validated set of divisions."""

    def __init__(self, regions: Iterable[Region]) -> None:
        listed = list(regions)
        by_code = {region.code: region for region in listed}
        if len(by_code) != len(listed):
            raise ValueError("region data lists a code twice")
        _check_tree(by_code)
        children: dict[str, list[Region]] = {code: [] for code in by_code}
        for region in sorted(by_code.values(), key=lambda r: r.code):
            if region.parent_code is not None:
                children[region.parent_code].append(region)
        self._by_code: Mapping[str, Region] = MappingProxyType(by_code)
        self._children: Mapping[str, tuple[Region, ...]] = MappingProxyType(
            {code: tuple(kids) for code, kids in children.items()}
        )

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Region | None:
        return self._by_code.get(code)

    def is_valid_guangdong_code(self, code: str) -> bool:
        """Six digits naming a division in the tree (every loaded code is six digits)."""
        return isinstance(code, str) and code in self._by_code

    def level(self, code: str) -> RegionLevel:
        """:raises KeyError: for a code that is not in the tree."""
        return self._require(code).level

    def city_of(self, code: str) -> Region | None:
        """The city a division lies in (a city is its own city); ``None`` for the province.

        :raises KeyError: for a code that is not in the tree.
        """
        region = self._require(code)
        if region.level is RegionLevel.PROVINCE:
            return None
        if region.level is RegionLevel.CITY:
            return region
        return self._by_code[code[:4] + "00"]  # a county lies under its city, checked at load

    def children(self, code: str) -> tuple[Region, ...]:
        """The direct subdivisions in code order (empty for counties, Dongguan, Zhongshan).

        :raises KeyError: for a code that is not in the tree.
        """
        self._require(code)
        return self._children[code]

    def cities(self) -> tuple[Region, ...]:
        return self._children[PROVINCE_CODE]

    def covers(self, scope_code: str, region_code: str) -> bool:
        """Whether a user scoped to ``scope_code`` may see ``region_code``.

        Unknown codes on either side cover nothing, so a bad code denies access.
        """
        if not (self.is_valid_guangdong_code(scope_code) and self.is_valid_guangdong_code(region_code)):
            return False
        return self.scope_prefix(scope_code).matches(region_code)

    def scope_prefix(self, code: str) -> RegionScope:
        """The filter that selects what ``code`` covers; see :class:`RegionScope`.

        :raises KeyError: for a code that is not in the tree.
        """
        level = self.level(code)
        if level is RegionLevel.PROVINCE:
            return RegionScope("all", code[:2])
        if level is RegionLevel.CITY:
            return RegionScope("prefix", code[:4])
        return RegionScope("exact", code)

    def _require(self, code: str) -> Region:
        region = self._by_code.get(code)
        if region is None:
            raise KeyError(f"unknown Guangdong region code {code!r}")
        return region


def _check_tree(by_code: Mapping[str, Region]) -> None:
    """Reject data whose codes, levels or parents contradict GB/T 2260's structure.

    A code names its own level and parent: ``44 00 00`` the province,
    ``44 01 00`` a city under it, ``44 01 06`` a county under that city.

    :raises ValueError: naming the first offending code.
    """
    if PROVINCE_CODE not in by_code:
        raise ValueError(f"region data lacks the province {PROVINCE_CODE}")
    for region in by_code.values():
        code = region.code
        if not (len(code) == 6 and code.isascii() and code.isdigit() and code.startswith("44")):
            raise ValueError(f"region code {code!r} is not a six-digit Guangdong code")
        if region.level is not _implied_level(code) or region.parent_code != _implied_parent(code):
            raise ValueError(f"region {code}: level or parent does not match the code")
        if region.parent_code is not None and region.parent_code not in by_code:
            raise ValueError(f"region {code}: parent {region.parent_code} is missing")


def _implied_level(code: str) -> RegionLevel:
    if code[2:] == "0000":
        return RegionLevel.PROVINCE
    return RegionLevel.CITY if code[4:] == "00" else RegionLevel.COUNTY


def _implied_parent(code: str) -> str | None:
    level = _implied_level(code)
    if level is RegionLevel.PROVINCE:
        return None
    return code[:2] + "0000" if level is RegionLevel.CITY else code[:4] + "00"


def read_regions(path: Path) -> RegionTree:
    """Build a tree from a CSV file with the columns ``code,name,parent_code,level``.

    :raises ValueError: when the header, a level or the tree structure is wrong.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != _COLUMNS:
            raise ValueError(f"{path.name}: expected columns {','.join(_COLUMNS)}")
        return RegionTree(_region_from_row(row) for row in reader)


def _region_from_row(row: Mapping[str, str]) -> Region:
    return Region(
        code=row["code"].strip(),
        name=row["name"].strip(),
        level=RegionLevel(row["level"].strip()),
        parent_code=row["parent_code"].strip() or None,
    )


@functools.cache
def region_tree() -> RegionTree:
    """The packaged Guangdong tree, read on first use and shared afterwards."""
    with resources.as_file(resources.files("engine") / "data" / _DATA_FILE) as path:
        return read_regions(path)

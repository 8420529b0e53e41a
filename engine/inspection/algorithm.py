"""The draw algorithm ``ecoloop-draw-v1``: a pure function from (frozen inputs, seed) to assignments.

Specified in docs/inspection-draw.md so that anyone can reimplement it; this module is that text in code
and imports nothing of the database. Every random choice is a sort by ``H(seed, purpose, …)`` — sha256 of
the seed and the parts joined by ``|`` — so no pseudo-random generator has to be reproduced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

ALGORITHM = "ecoloop-draw-v1"
CLASS_ORDER = ("special", "key", "general", "campaign")


class DrawInfeasible(ValueError):
    """The inputs leave an object with fewer eligible officers than a unit needs."""


@dataclass(frozen=True)
class Assignment:
    position: int
    object_id: int
    object_class: str
    officer_ids: tuple[int, ...]
    planned_date: str  # ISO date

    def as_row(self) -> list[Any]:
        return [self.position, self.object_id, self.object_class, list(self.officer_ids), self.planned_date]


def canonical(document: Any) -> bytes:
    """The one byte form hashed: JSON, keys sorted, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commitment(seed: str) -> str:
    """The published commitment of a seed: sha256 of its hex text (ASCII)."""
    return sha256_hex(seed.encode("ascii"))


def rank(seed: str, *parts: object) -> str:
    """``H(seed, parts…)``: the sort key of one random choice."""
    return sha256_hex("|".join((seed, *map(str, parts))).encode("utf-8"))


def ranker(seed: str, *prefix: object) -> Callable[[int], str]:
    """``lambda last: rank(seed, *prefix, last)``, hashing the common prefix once (the draw ranks thousands)."""
    start = hashlib.sha256("|".join((seed, *map(str, prefix), "")).encode("utf-8"))

    def ranked(last: int) -> str:
        h = start.copy()
        h.update(str(last).encode("ascii"))
        return h.hexdigest()

    return ranked


def result_hash(assignments: Iterable[Assignment]) -> str:
    return sha256_hex(canonical([a.as_row() for a in assignments]))


def run(inputs: dict[str, Any], seed: str) -> list[Assignment]:
    """Draw: pick objects per class, pair officers by least load, spread the planned dates.

    :raises DrawInfeasible: an object has fewer eligible officers than ``officers_per_unit``.
    """
    chosen = _chosen_objects(inputs, seed)
    officers = _paired_officers(inputs, seed, [object_id for object_id, _ in chosen])
    dates = _planned_dates(inputs["dates"], seed, [object_id for object_id, _ in chosen])
    return [Assignment(position, object_id, object_class, officers[object_id], dates[object_id])
            for position, (object_id, object_class) in enumerate(chosen)]


def _chosen_objects(inputs: dict[str, Any], seed: str) -> list[tuple[int, str]]:
    """Per class in CLASS_ORDER: the ``quotas[class]`` objects of that class with the smallest rank."""
    by_class: dict[str, list[int]] = {}
    for object_id, object_class in inputs["objects"]:
        by_class.setdefault(object_class, []).append(object_id)
    chosen: list[tuple[int, str]] = []
    for object_class in CLASS_ORDER:
        count = inputs["quotas"].get(object_class, 0)
        key = ranker(seed, "object", object_class)
        ranked = sorted(by_class.get(object_class, ()), key=lambda oid: (key(oid), oid))
        chosen.extend((oid, object_class) for oid in ranked[:count])
    return chosen


def excluded_pairs(inputs: dict[str, Any]) -> dict[int, set[int]]:
    """Object id → officer ids that may not inspect it (linked, or the same unit twice in a row)."""
    excluded: dict[int, set[int]] = {}
    for object_id, officer_id in [*inputs["conflicts"]["linked"], *inputs["conflicts"]["previous"]]:
        excluded.setdefault(object_id, set()).add(officer_id)
    return excluded


def _paired_officers(inputs: dict[str, Any], seed: str, object_ids: list[int]) -> dict[int, tuple[int, ...]]:
    """For each object in order: the eligible officers sorted by (load so far, rank); the first N are taken.

    Officers are kept in buckets by load, so only the lowest buckets are ranked — the same result as
    sorting every eligible officer, at a fraction of the hashing.
    """
    needed = inputs["officers_per_unit"]
    excluded = excluded_pairs(inputs)
    buckets: dict[int, set[int]] = {0: set(inputs["officers"])}
    load = dict.fromkeys(inputs["officers"], 0)
    pairs: dict[int, tuple[int, ...]] = {}
    for object_id in object_ids:
        barred = excluded.get(object_id, set())
        key = ranker(seed, "officer", object_id)
        taken: list[int] = []
        for level in sorted(buckets):
            candidates = buckets[level] - barred
            taken.extend(sorted(candidates, key=lambda oid: (key(oid), oid))[:needed - len(taken)])
            if len(taken) == needed:
                break
        if len(taken) < needed:
            raise DrawInfeasible(f"检查对象 {object_id} 可选执法人员不足 {needed} 名 (too few eligible officers)")
        for officer_id in taken:
            _move(buckets, officer_id, load[officer_id])
            load[officer_id] += 1
        pairs[object_id] = tuple(taken)
    return pairs


def _move(buckets: dict[int, set[int]], officer_id: int, level: int) -> None:
    buckets[level].discard(officer_id)
    if not buckets[level]:
        del buckets[level]
    buckets.setdefault(level + 1, set()).add(officer_id)


def _planned_dates(dates: list[str], seed: str, object_ids: list[int]) -> dict[int, str]:
    """Objects in rank order get the window's working days evenly: the k-th of n gets ``dates[k·m // n]``."""
    if not object_ids:
        return {}
    if not dates:
        raise DrawInfeasible("检查时段内没有工作日 (no working day in the inspection window)")
    key = ranker(seed, "date")
    ordered = sorted(object_ids, key=lambda oid: (key(oid), oid))
    n, m = len(ordered), len(dates)
    return {oid: dates[k * m // n] for k, oid in enumerate(ordered)}

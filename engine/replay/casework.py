"""The closure cases a side's findings would open, decided by the live loop's :class:`~engine.anomalies.cases.Grouping`.

Findings of a point are taken in time order, as they would have arrived: one joins the
latest case of its factor and type when :meth:`Grouping.joins` says their periods touch,
else it opens a case, routed ``repeated`` when :meth:`Grouping.is_repeated` says the
point had enough cases in the window (the stored cases opened before the period count,
and the simulated ones since). A replay cannot know when a reviewer would have closed a
case, so a case stays joinable for the whole period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.anomalies.cases import MAX_CASE_VALUES, Grouping
from engine.monitoring import rules
from engine.monitoring.evaluation import Finding


@dataclass
class SimCase:
    """A case a side would open: its point, factor, type, routing, period and the readings that triggered it."""

    point_id: int
    factor: str
    anomaly_type: str
    routed_type: str
    period_start: datetime
    period_end: datetime
    anomalies: int = 1
    values: list[dict[str, Any]] = field(default_factory=list)

    def overlaps(self, other: SimCase) -> bool:
        return (self.point_id, self.factor, self.anomaly_type) == (other.point_id, other.factor, other.anomaly_type) \
            and self.period_start < other.period_end and other.period_start < self.period_end

    def same_as(self, other: SimCase) -> bool:
        return (self.period_start, self.period_end, self.routed_type, self.anomalies) == (
            other.period_start, other.period_end, other.routed_type, other.anomalies)


def simulate(findings: Iterable[Finding], grouping: Grouping, earlier_cases: Iterable[datetime]) -> list[SimCase]:
    """The cases of one point's findings; ``earlier_cases`` are when its stored cases before the period opened."""
    opened_at = list(earlier_cases)
    latest: dict[tuple[str, str], SimCase] = {}
    made: list[SimCase] = []
    for finding in sorted(findings, key=lambda f: (f.period_start, f.factor, f.anomaly_type)):
        key = (finding.factor, finding.anomaly_type)
        case = latest.get(key)
        if case is not None and grouping.joins(case.period_start, case.period_end, finding.period_start,
                                               finding.period_end):
            _join(case, finding)
            continue
        detected = finding.period_end
        since = grouping.repeat_since(detected)
        repeated = since is not None and grouping.is_repeated(sum(1 for moment in opened_at if moment >= since))
        case = SimCase(finding.point_id, finding.factor, finding.anomaly_type,
                       rules.REPEATED if repeated else finding.anomaly_type, finding.period_start, finding.period_end,
                       values=list(finding.values)[:MAX_CASE_VALUES])
        latest[key] = case
        made.append(case)
        opened_at.append(detected)
    return made


def _join(case: SimCase, finding: Finding) -> None:
    case.period_start = min(case.period_start, finding.period_start)
    case.period_end = max(case.period_end, finding.period_end)
    case.anomalies += 1
    seen = {item.get("t") for item in case.values}
    case.values = (case.values + [item for item in finding.values if item.get("t") not in seen])[-MAX_CASE_VALUES:]


@dataclass
class CaseDiff:
    """Cases the draft opens that the current set does not, those it no longer opens, and those it shapes otherwise."""

    opened: list[SimCase] = field(default_factory=list)
    no_longer_opened: list[SimCase] = field(default_factory=list)
    changed: list[tuple[SimCase, SimCase]] = field(default_factory=list)


def compare(current: list[SimCase], draft: list[SimCase], diff: CaseDiff) -> None:
    """Add one point's differences to ``diff``: cases match when they share factor and type and overlap in time."""
    for case in draft:
        matches = [other for other in current if other.overlaps(case)]
        if not matches:
            diff.opened.append(case)
        elif len(matches) == 1 and not matches[0].same_as(case):
            diff.changed.append((matches[0], case))
        elif len(matches) > 1:
            diff.changed.extend((other, case) for other in matches)
    for case in current:
        if not any(other.overlaps(case) for other in draft):
            diff.no_longer_opened.append(case)

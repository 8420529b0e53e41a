"""The counts a replay reports per side: findings by rule (anomaly kind), per city and per industry; cases by kind."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from engine.monitoring.evaluation import Finding
from engine.replay.casework import CaseDiff, SimCase

UNCLASSIFIED = "未分类"


@dataclass(frozen=True)
class Owner:
    """Who a point belongs to, for the breakdowns and the case lists."""

    mn: str
    point_name: str
    credit_code: str
    enterprise_name: str
    region_code: str
    industry: str

    @property
    def city(self) -> str:
        return self.region_code[:4] + "00"


@dataclass
class Tally:
    findings: Counter[str] = field(default_factory=Counter)
    by_city: dict[str, Counter[str]] = field(default_factory=dict)
    by_industry: dict[str, Counter[str]] = field(default_factory=dict)
    cases: Counter[str] = field(default_factory=Counter)

    def add(self, owner: Owner, findings: list[Finding], cases: list[SimCase]) -> None:
        kinds = Counter(f.anomaly_type for f in findings)
        self.findings.update(kinds)
        if kinds:
            self.by_city.setdefault(owner.city, Counter()).update(kinds)
            self.by_industry.setdefault(owner.industry or UNCLASSIFIED, Counter()).update(kinds)
        self.cases.update(case.routed_type for case in cases)

    def as_json(self, opened: int, no_longer_opened: int) -> dict[str, Any]:
        """``opened``/``no_longer_opened``: cases this side opens that the other does not, and the reverse."""
        return {
            "findings": {"total": sum(self.findings.values()), "by_rule": dict(sorted(self.findings.items()))},
            "cases": {"total": sum(self.cases.values()), "by_rule": dict(sorted(self.cases.items())),
                      "opened": opened, "no_longer_opened": no_longer_opened},
            "by_city": {code: dict(sorted(c.items())) for code, c in sorted(self.by_city.items())},
            "by_industry": {name: dict(sorted(c.items())) for name, c in sorted(self.by_industry.items())},
        }


def case_json(case: SimCase, owner: Owner) -> dict[str, Any]:
    """A case for the lists, with the readings that triggered it (the drill-down)."""
    return {"mn": owner.mn, "point": owner.point_name, "enterprise": owner.credit_code,
            "enterprise_name": owner.enterprise_name, "region_code": owner.region_code, "factor": case.factor,
            "anomaly_type": case.anomaly_type, "routed_type": case.routed_type,
            "period_start": case.period_start.isoformat(), "period_end": case.period_end.isoformat(),
            "anomalies": case.anomalies, "values": case.values}


def diff_json(diff: CaseDiff, owners: dict[int, Owner], limit: int) -> dict[str, Any]:
    """The case lists of the detail, each cut at ``limit`` entries (the summary keeps the full counts)."""
    return {
        "opened": [case_json(c, owners[c.point_id]) for c in diff.opened[:limit]],
        "no_longer_opened": [case_json(c, owners[c.point_id]) for c in diff.no_longer_opened[:limit]],
        "changed": [{"current": case_json(a, owners[a.point_id]), "draft": case_json(b, owners[b.point_id])}
                    for a, b in diff.changed[:limit]],
        "limit": limit,
    }

"""What an enterprise and the public see of the rating rounds.

- :func:`own_results`: an enterprise's proposed and final rating in each round, with the score
  breakdown (indicator → facts → points) — only for its own credit code (or a reviewer covering it).
- :func:`public_search`: published ratings by name or credit code, level, year and region, with
  each enterprise's history of published levels and completed repairs — nothing internal (no
  facts, scores, reviewers or proposals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from engine.actors import Actor
from engine.credit import scoring
from engine.credit.models import (
    LEVEL_COLOURS,
    LEVEL_NAMES,
    CreditRating,
    CreditRepair,
    CreditRound,
    CreditRuleSet,
    CreditScore,
    RatingChange,
    RatingStatus,
    RepairStatus,
    RoundStatus,
)
from engine.errors import InvalidInput, NotFound
from engine.identifiers import valid_region
from engine.scoping import can_see_instance

PUBLIC_LIMIT = 50


@dataclass(frozen=True)
class RoundResult:
    year: int
    round_status: str
    score: float
    score_level: int
    vetoed: bool
    downgrades: int
    proposed_level: int
    level: int
    published: bool
    adjust_reason: str
    rows: list[scoring.BreakdownRow]
    source: str


def own_results(session: Session, actor: Actor, enterprise_code: str) -> list[RoundResult]:
    """Every round that scored the enterprise, newest first, with its breakdown.

    :raises NotFound: outside the actor's scope (another enterprise's results).
    """
    region = session.scalar(select(CreditScore.region_code).where(CreditScore.enterprise_code == enterprise_code)
                            .limit(1))
    if region is None:
        return []
    if not can_see_instance(actor, region, enterprise_code):
        raise NotFound(f"no results for {enterprise_code}")
    rows = session.execute(
        select(CreditScore, CreditRound, CreditRuleSet).join(CreditRound, CreditRound.id == CreditScore.round_id)
        .join(CreditRuleSet, CreditRuleSet.id == CreditRound.rule_set_id)
        .where(CreditScore.enterprise_code == enterprise_code).order_by(CreditRound.year.desc())).all()
    return [RoundResult(r.year, r.status, s.score, s.score_level, s.vetoed > 0, s.downgrades, s.proposed_level,
                        s.level, r.status == RoundStatus.PUBLISHED,
                        s.adjust_reason, scoring.breakdown(session, r.id, enterprise_code, rules.rules),
                        rules.rules.get("source", ""))
            for s, r, rules in rows]


@dataclass(frozen=True)
class PublicRating:
    enterprise_code: str
    enterprise_name: str
    region_code: str
    year: int
    level: int
    level_name: str
    colour: str
    published_at: datetime | None
    history: list[tuple[int, int, str]] = field(default_factory=list)  # (year, level, what) published/repair


@dataclass(frozen=True)
class PublicQuery:
    text: str = ""
    level: int | None = None
    year: int | None = None
    region_code: str = ""


def public_search(session: Session, query: PublicQuery) -> list[PublicRating]:
    """Published ratings matching the query, newest year first (at most :data:`PUBLIC_LIMIT`).

    :raises InvalidInput: an impossible level, year or region.
    """
    if query.level is not None and query.level not in LEVEL_NAMES:
        raise InvalidInput("invalid level", fields={"level": ["等级须为 1–4"]})
    if query.region_code and not valid_region(query.region_code):
        raise InvalidInput("invalid region", fields={"region": ["行政区划代码无效"]})
    statement = select(CreditRating).where(CreditRating.status == RatingStatus.PUBLISHED)
    text = query.text.strip()[:100]
    if text:
        statement = statement.where(or_(CreditRating.enterprise_code == text.upper(),
                                        CreditRating.enterprise_name.contains(text, autoescape=True)))
    if query.level is not None:
        statement = statement.where(CreditRating.level == query.level)
    if query.year is not None:
        statement = statement.where(CreditRating.year == query.year)
    if query.region_code:
        statement = statement.where(_area(query.region_code))
    found = list(session.scalars(statement.order_by(CreditRating.year.desc(), CreditRating.region_code,
                                                    CreditRating.enterprise_code).limit(PUBLIC_LIMIT)))
    histories = _histories(session, [r.id for r in found])
    return [PublicRating(r.enterprise_code, r.enterprise_name, r.region_code, r.year, r.level, LEVEL_NAMES[r.level],
                         LEVEL_COLOURS[r.level], r.published_at, histories.get(r.id, [])) for r in found]


def _area(region_code: str) -> ColumnElement[bool]:
    if region_code.endswith("0000"):
        return CreditRating.region_code.startswith(region_code[:2])
    if region_code.endswith("00"):
        return CreditRating.region_code.startswith(region_code[:4])
    return CreditRating.region_code == region_code


def _histories(session: Session, rating_ids: list[int]) -> dict[int, list[tuple[int, int, str]]]:
    """Per rating: its published level and the levels after completed repairs (public steps only)."""
    if not rating_ids:
        return {}
    out: dict[int, list[tuple[int, int, str]]] = {}
    repaired = set(session.scalars(select(CreditRepair.rating_id).where(
        CreditRepair.rating_id.in_(rating_ids), CreditRepair.status == RepairStatus.REPAIRED)))
    rows = session.execute(
        select(RatingChange.rating_id, CreditRating.year, RatingChange.to_level, RatingChange.reason)
        .join(CreditRating, CreditRating.id == RatingChange.rating_id)
        .where(RatingChange.rating_id.in_(rating_ids), RatingChange.reason.in_(("published", "repair")))
        .order_by(RatingChange.id))
    for rating_id, year, level, reason in rows:
        if reason == "repair" and rating_id not in repaired:
            continue
        out.setdefault(rating_id, []).append((year, level, "信用修复" if reason == "repair" else "公布"))
    return out

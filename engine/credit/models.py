"""Enterprise environmental credit: ratings with their history, public notices, objections and repairs."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum

from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class CreditLevel(IntEnum):
    TRUSTWORTHY = 1  # 环保诚信企业, green
    GOOD = 2  # 环保良好企业, blue
    WARNING = 3  # 环保警示企业, yellow
    POOR = 4  # 环保不良企业, red


LEVEL_NAMES = {1: "环保诚信企业", 2: "环保良好企业", 3: "环保警示企业", 4: "环保不良企业"}


LEVEL_COLOURS = {1: "green", 2: "blue", 3: "yellow", 4: "red"}


class NoticeKind(StrEnum):
    RATING = "rating"  # proposed ratings under public notice (拟评价结果公示)
    OBJECTION_RESULT = "objection_result"  # the decision on an objection (异议处理结果)
    REPAIR = "repair"  # a credit repair under its 7-day notice (信用修复公示)


class RatingStatus(StrEnum):
    PROPOSED = "proposed"
    PUBLISHED = "published"


class ObjectionStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    CORRECTED = "corrected"
    LAPSED = "lapsed"  # the notice ended before the enterprise submitted its objection


class RepairStatus(StrEnum):
    OPEN = "open"
    NOTICED = "noticed"  # approved by the city, under public notice
    REPAIRED = "repaired"
    REFUSED = "refused"


class PublicNotice(Base):
    """A public notice (公示) with its period; ``ends_at`` None means published without a period."""

    __tablename__ = "public_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(String(12))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditRating(Base):
    """An enterprise's rating for one assessment year; ``level`` is the current level.

    ``assessing_level`` (county or city) did the preliminary assessment and
    verifies objections; ``deciding_level`` (province or city) owns the rating
    and decides objections.
    """

    __tablename__ = "credit_ratings"
    __table_args__ = (UniqueConstraint("enterprise_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=RatingStatus.PROPOSED)
    assessing_level: Mapped[str] = mapped_column(String(10))
    deciding_level: Mapped[str] = mapped_column(String(10))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("public_notices.id"), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RatingChange(Base):
    """One entry of a rating's history: proposal, correction after an objection, publication, repair."""

    __tablename__ = "credit_rating_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("credit_ratings.id"), index=True)
    from_level: Mapped[int | None] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditObjection(Base):
    """An enterprise's objection (异议) to its proposed rating, from filing to the published decision."""

    __tablename__ = "credit_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("credit_ratings.id"), index=True)
    instance_id: Mapped[int] = mapped_column(Integer, unique=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ObjectionStatus.OPEN)
    reasons: Mapped[str] = mapped_column(Text, default="")
    requested_level: Mapped[int | None] = mapped_column(Integer)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result_level: Mapped[int | None] = mapped_column(Integer)
    result_note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("public_notices.id"))


class CreditRepair(Base):
    """A credit repair (信用修复) application of a yellow or red enterprise."""

    __tablename__ = "credit_repairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("credit_ratings.id"), index=True)
    instance_id: Mapped[int] = mapped_column(Integer, unique=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RepairStatus.OPEN)
    from_level: Mapped[int] = mapped_column(Integer)
    to_level: Mapped[int] = mapped_column(Integer)
    rectification: Mapped[str] = mapped_column(Text, default="")
    applied_by: Mapped[str] = mapped_column(String(100))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("public_notices.id"))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused_at_step: Mapped[str | None] = mapped_column(String(100))
    refusal_reason: Mapped[str] = mapped_column(Text, default="")


class CreditRuleSet(Base):
    """One version of a year's rating rules (indicators, weights, thresholds, veto, scope) as data."""

    __tablename__ = "credit_rule_sets"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditFact(Base):
    """A fact the department entered or imported (penalty, incident, verified complaint) with its source."""

    __tablename__ = "credit_facts"
    __table_args__ = (Index("ix_credit_facts_kind_date", "kind", "occurred_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="")  # e.g. 行政处罚决定书文号
    indicator: Mapped[str | None] = mapped_column(String(40))  # the indicator a penalty zeroes, when named
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200))
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundStatus(StrEnum):
    REVIEWING = "reviewing"  # scores computed; county, city, province review
    NOTICE = "notice"  # proposed levels under public notice
    PUBLISHED = "published"


class CreditRound(Base):
    """A year's rating round: the rule set version it applies, its process instance and its notice."""

    __tablename__ = "credit_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("credit_rule_sets.id"))
    status: Mapped[str] = mapped_column(String(20), default=RoundStatus.REVIEWING)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("public_notices.id"))
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoundFact(Base):
    """A fact as the round scored it (a snapshot: the evidence behind each point stays what it was)."""

    __tablename__ = "credit_round_facts"
    __table_args__ = (Index("ix_credit_round_facts_round_enterprise", "round_id", "enterprise_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("credit_rounds.id"))
    enterprise_code: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[float | None] = mapped_column(Float)
    indicator: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reference: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(200), default="")


class ScoreItem(Base):
    """One indicator's points for one enterprise in a round: facts counted, value, points."""

    __tablename__ = "credit_score_items"
    __table_args__ = (Index("ix_credit_score_items_round_enterprise", "round_id", "enterprise_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("credit_rounds.id"))
    enterprise_code: Mapped[str] = mapped_column(String(18))
    indicator: Mapped[str] = mapped_column(String(40))
    fact_count: Mapped[int] = mapped_column(Integer, default=0)
    fact_value: Mapped[float | None] = mapped_column(Float)
    zeroed: Mapped[int] = mapped_column(Integer, default=0)  # penalties that zeroed the indicator
    points: Mapped[float] = mapped_column(Float)
    weighted: Mapped[float] = mapped_column(Float)


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # the proposal kept unchanged
    ADJUSTED = "adjusted"  # moved one level with reason and evidence


class CreditScore(Base):
    """An enterprise's result in a round: score, level by thresholds, veto/downgrade, reviewed level."""

    __tablename__ = "credit_scores"
    __table_args__ = (UniqueConstraint("round_id", "enterprise_code"),
                      Index("ix_credit_scores_round_region", "round_id", "region_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("credit_rounds.id"))
    enterprise_code: Mapped[str] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(12))
    score: Mapped[float] = mapped_column(Float)
    score_level: Mapped[int] = mapped_column(Integer)  # by the level thresholds alone
    vetoed: Mapped[int] = mapped_column(Integer, default=0)  # facts that veto to red
    downgrades: Mapped[int] = mapped_column(Integer, default=0)  # levels dropped by downgrade rules
    proposed_level: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)  # after review
    review_status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.PENDING)
    county_by: Mapped[str | None] = mapped_column(String(100))
    city_by: Mapped[str | None] = mapped_column(String(100))
    adjust_reason: Mapped[str] = mapped_column(Text, default="")
    adjust_evidence: Mapped[list[int]] = mapped_column(JSON, default=list)
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("credit_ratings.id"))

"""Enterprise environmental credit: ratings with their history, public notices, objections and repairs."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
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

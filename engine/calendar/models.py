"""The working-day calendar: days, entered years, the calendar's stamp, provisional deadlines."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # a statutory day off (法定节假日)
    MAKEUP_WORKDAY = "makeup_workday"  # a weekend day worked in exchange (调休上班)


class CalendarSource(StrEnum):
    PACKAGE = "chinese-calendar"
    ADMIN = "admin"


class CalendarDay(Base):
    """One day that differs from the Monday-to-Friday rule in a known year."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year"), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarYear(Base):
    """A year whose statutory schedule is known; years without a row count weekends only (provisional)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(String(500), default="")
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarState(Base):
    """The single row that says which calendar is current.

    Every change bumps ``version`` and draws a new random ``stamp``; each process
    caches the calendar it built under the stamp, so all workers agree after a
    change (and a rolled-back change can never be mistaken for a committed one).
    """

    __tablename__ = "calendar_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    stamp: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProvisionalDeadline(Base):
    """Index of the open deadlines counted over a year whose schedule is not entered yet.

    Mirrors ``_deadlines`` in the workflow data (written in the same transaction by
    the runtime), so the admin warning and the recomputation find the instances
    concerned without loading any workflow. One row per deadline and unknown year.
    """

    __tablename__ = "provisional_deadlines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)

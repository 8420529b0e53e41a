"""Stored exchange with the tax bureau: batches, the tax side's records in typed tables, the environment side's
records, every replaced version, refusals, supervisory monitoring results and the sync schedule as data.

Every stored record carries the same envelope (:class:`_Envelope`): its category, its key within the category
(the sender's natural key, e.g. a tax source number), its version (1, then +1 per correction), the batch that
last wrote it and a digest of its content. A correction writes the new content into the row and the old
content, as JSON, into :class:`ExchangeRecordVersion`; a resend with the same digest writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class Direction(StrEnum):
    IN = "in"  # from the tax bureau
    OUT = "out"  # to the tax bureau


class BatchStatus(StrEnum):
    ACCEPTED = "accepted"  # every record accepted
    PARTIAL = "partial"  # some records refused
    REFUSED = "refused"  # every record refused
    PUBLISHED = "published"  # outgoing: produced, not yet pulled in full
    SENT = "sent"  # outgoing: every record pulled by the tax side


class ExchangeBatch(Base):
    """One batch of one category, either received from the tax side or produced for it."""

    __tablename__ = "exchange_batches"
    __table_args__ = (UniqueConstraint("direction", "category", "batch_no"),
                      Index("ix_exchange_batches_category_received", "category", "received_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(30))
    batch_no: Mapped[str] = mapped_column(String(64))  # the sender's batch id (ours for outgoing batches)
    period: Mapped[str] = mapped_column(String(10))  # YYYY-MM or YYYY-MM-DD
    sequence: Mapped[int] = mapped_column(Integer)
    record_count: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical JSON of the records
    status: Mapped[str] = mapped_column(String(12))
    accepted: Mapped[int] = mapped_column(Integer, default=0)  # new or corrected
    corrected: Mapped[int] = mapped_column(Integer, default=0)  # of the accepted, how many replaced a version
    unchanged: Mapped[int] = mapped_column(Integer, default=0)  # resent with the same content
    refused: Mapped[int] = mapped_column(Integer, default=0)
    sender: Mapped[str] = mapped_column(String(100))  # account of the tax client, or "system" for outgoing
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # stored (outgoing: produced)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # outgoing: pulled in full
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # incoming: the answer given, for resends


class _Envelope:
    """Columns every stored record shares."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    batch_id: Mapped[int] = mapped_column(Integer, index=True)  # the batch that last wrote this version
    digest: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaxTaxpayer(_Envelope, Base):
    """纳税人基础信息: a taxpayer of the environmental-protection tax. Key: the credit code."""

    __tablename__ = "exchange_taxpayers"
    __table_args__ = (UniqueConstraint("record_key", name="uq_exchange_taxpayers_record_key"),)

    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    tax_authority: Mapped[str] = mapped_column(String(100), default="")  # 主管税务机关
    status: Mapped[str] = mapped_column(String(12), default="normal")  # normal / deregistered
    registered_on: Mapped[date | None] = mapped_column(Date)


class TaxSource(_Envelope, Base):
    """税源: one pollutant at one outlet that a taxpayer declares. Key: the source number."""

    __tablename__ = "exchange_tax_sources"
    __table_args__ = (UniqueConstraint("record_key", name="uq_exchange_tax_sources_record_key"),
                      Index("ix_exchange_tax_sources_outlet", "credit_code", "outlet_code"))

    source_no: Mapped[str] = mapped_column(String(60))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    outlet_code: Mapped[str] = mapped_column(String(40))  # 排放口编码, as in the permit
    pollutant_kind: Mapped[str] = mapped_column(String(10))  # air / water / solid / noise
    pollutant_code: Mapped[str] = mapped_column(String(20))  # HJ 212 factor code
    method: Mapped[str] = mapped_column(String(20))  # automatic / monitoring / coefficient / balance / sampling
    permit_number: Mapped[str] = mapped_column(String(40), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class TaxReturn(_Envelope, Base):
    """申报: a return's line for one month, tax source and pollutant. Key: return number / source / month."""

    __tablename__ = "exchange_tax_returns"
    __table_args__ = (UniqueConstraint("record_key", name="uq_exchange_tax_returns_record_key"),
                      Index("ix_exchange_tax_returns_month", "month", "credit_code"))

    return_no: Mapped[str] = mapped_column(String(60))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    source_no: Mapped[str] = mapped_column(String(60), index=True)
    outlet_code: Mapped[str] = mapped_column(String(40))
    pollutant_code: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM the emissions belong to
    concentration: Mapped[float | None] = mapped_column(Float)  # declared, in concentration_unit
    concentration_unit: Mapped[str] = mapped_column(String(10), default="")  # mg/m3 / mg/L
    emission_kg: Mapped[float] = mapped_column(Float)  # declared emission volume, normalised to kg
    equivalents: Mapped[float | None] = mapped_column(Float)  # 污染当量数
    tax_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # yuan
    declared_on: Mapped[date] = mapped_column(Date)


class TaxPayment(_Envelope, Base):
    """入库: tax paid into the treasury for a return. Key: the payment (tax voucher) number."""

    __tablename__ = "exchange_tax_payments"
    __table_args__ = (UniqueConstraint("record_key", name="uq_exchange_tax_payments_record_key"),)

    payment_no: Mapped[str] = mapped_column(String(60))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    return_no: Mapped[str] = mapped_column(String(60), index=True)
    tax_period: Mapped[str] = mapped_column(String(7))  # YYYY-MM (a quarter is named by its last month)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # yuan
    paid_on: Mapped[date] = mapped_column(Date)


class ExchangeRecord(_Envelope, Base):
    """A record of the categories without a typed table: review requests in, every environment-side record out.

    Outgoing records are pulled in (batch_id, id) order: a changed record moves to the batch that changed it,
    so a cursor taken before the change sees it again.
    """

    __tablename__ = "exchange_records"
    __table_args__ = (UniqueConstraint("direction", "category", "record_key"),
                      Index("ix_exchange_records_pull", "direction", "category", "batch_id", "id"))

    direction: Mapped[str] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(30))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    region_code: Mapped[str] = mapped_column(String(12), default="")
    period: Mapped[str] = mapped_column(String(10), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class ExchangeRecordVersion(Base):
    """A replaced version of a stored record (typed or not), kept when a correction overwrote it."""

    __tablename__ = "exchange_record_versions"
    __table_args__ = (Index("ix_exchange_record_versions_key", "category", "record_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    category: Mapped[str] = mapped_column(String(30))
    record_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(Integer)  # the batch that had written this version
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    replaced_by_batch_id: Mapped[int] = mapped_column(Integer)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeRefusal(Base):
    """Why a record of an incoming batch was refused (one row per field at fault)."""

    __tablename__ = "exchange_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("exchange_batches.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0-based index of the record in the batch
    record_key: Mapped[str] = mapped_column(String(200), default="")
    field: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(40))  # a code, see engine.exchange.validation.REASONS
    message: Mapped[str] = mapped_column(String(300))


class SupervisoryResult(Base):
    """监督性监测: one result of a monitoring station's sampling at an outlet, as entered or imported."""

    __tablename__ = "supervisory_results"
    __table_args__ = (UniqueConstraint("report_no", "outlet_code", "pollutant_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_no: Mapped[str] = mapped_column(String(60))  # 监测报告编号
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    outlet_code: Mapped[str] = mapped_column(String(40))
    pollutant_code: Mapped[str] = mapped_column(String(20))
    sampled_on: Mapped[date] = mapped_column(Date, index=True)
    concentration: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10))
    limit: Mapped[float | None] = mapped_column(Float)
    station: Mapped[str] = mapped_column(String(100))  # the monitoring station that sampled
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeSchedule(Base):
    """One version of the agreed sync schedule and alert thresholds (see engine.exchange.schedule)."""

    __tablename__ = "exchange_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExchangeAlert(Base):
    """A notice sent about a late category or a refused batch, so one lapse is announced once."""

    __tablename__ = "exchange_alerts"
    __table_args__ = (UniqueConstraint("kind", "category", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # late / refusals
    category: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(64))  # the due date missed, or the batch id
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

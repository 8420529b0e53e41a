"""Automatic monitoring: the registry (enterprises, points, factors), measurements, anomalies and their cases."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")


class PointKind(StrEnum):
    WATER = "water"
    AIR = "air"


class Enterprise(Base):
    """A regulated enterprise (排污单位), by unified social credit code."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    industry: Mapped[str] = mapped_column(String(100), default="")
    key_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the register (企业名录, engine/register/): what the department keeps about the enterprise
    former_names: Mapped[str] = mapped_column(String(500), default="")  # 曾用名, separated by ；
    address: Mapped[str] = mapped_column(String(300), default="")
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    datum: Mapped[str] = mapped_column(String(10), default="")  # WGS-84 or GCJ-02, empty without coordinates
    industry_code: Mapped[str] = mapped_column(String(5), default="", index=True)  # GB/T 4754-2017, e.g. D4411
    permit_number: Mapped[str] = mapped_column(String(40), default="")
    permit_class: Mapped[str] = mapped_column(String(12), default="")  # key / simplified / registration
    permit_valid_from: Mapped[date | None] = mapped_column(Date)
    permit_valid_to: Mapped[date | None] = mapped_column(Date)
    risk_level: Mapped[str] = mapped_column(String(10), default="")  # general / larger / major (HJ 941-2018)
    risk_assessed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="operating")  # operating / stopped / closed
    status_since: Mapped[date | None] = mapped_column(Date)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ListMembership(Base):
    """An enterprise on the key-unit list (重点排污单位名录) of one year for one medium."""

    __tablename__ = "enterprise_list_memberships"
    __table_args__ = (UniqueConstraint("enterprise_id", "year", "medium"),
                      Index("ix_enterprise_list_memberships_year_medium", "year", "medium"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    medium: Mapped[str] = mapped_column(String(10))  # water / air / soil / noise / risk


class MonitoringPoint(Base):
    """One outlet's data logger, known by its MN; ``password_hash`` checks the packets' PW."""

    __tablename__ = "monitoring_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    mn: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    outlet_code: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(10))
    rtd_interval_s: Mapped[int] = mapped_column(Integer, default=30)
    minute_interval_min: Mapped[int] = mapped_column(Integer, default=10)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    monitoring_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    monitoring_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # stop date (停用), None while in use
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PointFactor(Base):
    """A factor a point must report, with its limits, analyser range and rule parameter overrides."""

    __tablename__ = "point_factors"
    __table_args__ = (UniqueConstraint("point_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("monitoring_points.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(20), default="")
    upper_limit: Mapped[float | None] = mapped_column(Float)
    lower_limit: Mapped[float | None] = mapped_column(Float)
    range_upper: Mapped[float | None] = mapped_column(Float)
    range_lower: Mapped[float | None] = mapped_column(Float)
    rule_params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    standard: Mapped[str] = mapped_column(String(60), default="")  # the limit's standard, e.g. GB 13223-2011


class _MeasurementColumns:
    point_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cn: Mapped[str] = mapped_column(String(4), primary_key=True)
    data_time: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    factors: Mapped[dict[str, Any]] = mapped_column(JSONType)
    n_factors: Mapped[int] = mapped_column(SmallInteger)
    n_valid: Mapped[int] = mapped_column(SmallInteger)
    revision: Mapped[int] = mapped_column(SmallInteger, default=1)
    qn: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delay_s: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Measurement(_MeasurementColumns, Base):
    """Hourly (CN 2061) and daily (2031) data, kept for years."""

    __tablename__ = "measurements"
    __table_args__ = (Index("ix_measurements_data_time", "data_time", postgresql_using="brin"),)


class MinuteMeasurement(_MeasurementColumns, Base):
    """Real-time (CN 2011) and minute (2051) data, purged after a configurable window."""

    __tablename__ = "minute_measurements"
    __table_args__ = (Index("ix_minute_measurements_data_time", "data_time", postgresql_using="brin"),)


class MeasurementRevision(Base):
    """A replaced version of a measurement: what a corrected resend overwrote, and when."""

    __tablename__ = "measurement_revisions"
    __table_args__ = (UniqueConstraint("point_id", "cn", "data_time", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(Integer)
    cn: Mapped[str] = mapped_column(String(4))
    data_time: Mapped[datetime] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(SmallInteger)
    factors: Mapped[dict[str, Any]] = mapped_column(JSONType)
    qn: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitoringRule(Base):
    """Default parameters of one anomaly rule (or a settings group such as ``rates``), edited by admins."""

    __tablename__ = "monitoring_rules"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnomalyCase(Base):
    """The closure task of consecutive anomalies of one point, factor and type (one instance).

    ``conclusion``/``closed_at`` are set when the instance ends (the process hook of
    ``anomaly_closure``, or the monitoring sync); ``synced_at`` records that the
    monitoring side has read the ending (reason, legitimate gap).
    """

    __tablename__ = "anomaly_cases"
    __table_args__ = (
        UniqueConstraint("point_id", "factor", "anomaly_type", "period_start"),
        Index("ix_anomaly_cases_point_created", "point_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("monitoring_points.id"))
    factor: Mapped[str] = mapped_column(String(20))
    anomaly_type: Mapped[str] = mapped_column(String(20))
    routed_type: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    # a plain column, not a foreign key: retention archives finished instances out of process_instances
    instance_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    values: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    anomaly_count: Mapped[int] = mapped_column(Integer, default=1)
    cleared_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conclusion: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(40))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Anomaly(Base):
    """One rule finding for one record (or missing slot): rule, parameters, values and period."""

    __tablename__ = "anomalies"
    __table_args__ = (
        UniqueConstraint("point_id", "factor", "anomaly_type", "period_start"),
        Index("ix_anomalies_case_id", "case_id"),
        Index("ix_anomalies_point_period", "point_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("monitoring_points.id"))
    factor: Mapped[str] = mapped_column(String(20))
    anomaly_type: Mapped[str] = mapped_column(String(20))
    cn: Mapped[str] = mapped_column(String(4))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    values: Mapped[list[Any]] = mapped_column(JSONType)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    revision: Mapped[int] = mapped_column(SmallInteger, default=1)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("anomaly_cases.id"))
    pending: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_reason: Mapped[str | None] = mapped_column(String(40))


class PointDowntime(Base):
    """A legitimate gap (approved shutdown or maintenance): its slots leave the rates' denominators.

    ``source`` says where it came from: ``closure`` (an accepted explanation), ``manual``
    (an admin), ``filing`` (a 停运/检修 报备 kept in the register, replaced by register imports).
    """

    __tablename__ = "point_downtimes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("monitoring_points.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("anomaly_cases.id"), unique=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

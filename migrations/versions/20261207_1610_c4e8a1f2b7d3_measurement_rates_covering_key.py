"""measurements: the primary key carries the rate counters (INCLUDE n_factors, n_valid, delay_s) on PostgreSQL

The transmission/validity/timeliness rates sum three small integer columns per point over a
month or a year (``engine.monitoring.rates._sums``). With those columns in the primary key's
leaf pages the aggregation is an index-only scan of about a tenth of the bytes of the heap,
whose rows carry the factor JSON (~700 bytes each). The key columns are unchanged, so
``ON CONFLICT (point_id, cn, data_time)`` still finds it. SQLite keeps its plain key.

Revision ID: c4e8a1f2b7d3
Revises: c4d8e2a61b37
Create Date: 2026-12-07 16:10:00
"""
from __future__ import annotations

from alembic import op

revision = "c4e8a1f2b7d3"
down_revision = "c4d8e2a61b37"
branch_labels = None
depends_on = None

COUNTERS = "n_factors, n_valid, delay_s"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE measurements DROP CONSTRAINT pk_measurements, ADD CONSTRAINT pk_measurements "
               f"PRIMARY KEY (point_id, cn, data_time) INCLUDE ({COUNTERS})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE measurements DROP CONSTRAINT pk_measurements, ADD CONSTRAINT pk_measurements "
               "PRIMARY KEY (point_id, cn, data_time)")

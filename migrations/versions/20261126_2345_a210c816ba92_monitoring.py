"""monitoring: registry, measurements (monthly partitions on PostgreSQL), anomalies and cases

Revision ID: a210c816ba92
Revises: ad36d3c598a3
Create Date: 2026-11-26 23:45:00

On PostgreSQL ``measurements`` (hourly, daily) and ``minute_measurements``
(real-time, minute) are range-partitioned by month of ``data_time`` (months in
China Standard Time), with partitions from 2025-01 to 2027-12, a DEFAULT
partition for anything outside, and a BRIN index on ``data_time``. The
scheduler's maintenance job creates later months ahead of time
(``engine.monitoring.store.ensure_partitions``). SQLite gets plain tables.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'a210c816ba92'
down_revision = 'ad36d3c598a3'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
PARTITIONED = ('measurements', 'minute_measurements')
FIRST_MONTH = (2025, 1)
MONTHS = 36


def upgrade() -> None:
    _registry()
    for name in PARTITIONED:
        _measurement_table(name)
    _revisions_and_rules()
    _anomalies()


def _registry() -> None:
    op.create_table('enterprises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('industry', sa.String(length=100), nullable=False),
    sa.Column('key_unit', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprises')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_enterprises_credit_code'))
    )
    op.create_index(op.f('ix_enterprises_region_code'), 'enterprises', ['region_code'], unique=False)
    op.create_table('monitoring_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('mn', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('outlet_code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('rtd_interval_s', sa.Integer(), nullable=False),
    sa.Column('minute_interval_min', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('monitoring_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'],
                            name=op.f('fk_monitoring_points_enterprise_id_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_points')),
    sa.UniqueConstraint('mn', name=op.f('uq_monitoring_points_mn'))
    )
    op.create_index(op.f('ix_monitoring_points_enterprise_id'), 'monitoring_points', ['enterprise_id'], unique=False)
    op.create_table('point_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('upper_limit', sa.Float(), nullable=True),
    sa.Column('lower_limit', sa.Float(), nullable=True),
    sa.Column('range_upper', sa.Float(), nullable=True),
    sa.Column('range_lower', sa.Float(), nullable=True),
    sa.Column('rule_params', JSON, nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['monitoring_points.id'],
                            name=op.f('fk_point_factors_point_id_monitoring_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_factors')),
    sa.UniqueConstraint('point_id', 'code', name=op.f('uq_point_factors_point_id'))
    )
    op.create_index(op.f('ix_point_factors_point_id'), 'point_factors', ['point_id'], unique=False)


def _measurement_columns() -> list[sa.Column]:
    return [
        sa.Column('point_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cn', sa.String(length=4), nullable=False),
        sa.Column('data_time', sa.DateTime(timezone=True), nullable=False),
        sa.Column('factors', JSON, nullable=False),
        sa.Column('n_factors', sa.SmallInteger(), nullable=False),
        sa.Column('n_valid', sa.SmallInteger(), nullable=False),
        sa.Column('revision', sa.SmallInteger(), nullable=False),
        sa.Column('qn', sa.String(length=20), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delay_s', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    ]


def _measurement_table(name: str) -> None:
    primary_key = sa.PrimaryKeyConstraint('point_id', 'cn', 'data_time', name=op.f(f'pk_{name}'))
    if op.get_bind().dialect.name != 'postgresql':
        op.create_table(name, *_measurement_columns(), primary_key)
        op.create_index(f'ix_{name}_data_time', name, ['data_time'], unique=False)
        return
    op.create_table(name, *_measurement_columns(), primary_key, postgresql_partition_by='RANGE (data_time)')
    op.execute(f'CREATE TABLE {name}_default PARTITION OF {name} DEFAULT')
    year, month = FIRST_MONTH
    for _ in range(MONTHS):
        following = (year + month // 12, month % 12 + 1)
        op.execute(
            f"CREATE TABLE {name}_y{year}m{month:02d} PARTITION OF {name} FOR VALUES "
            f"FROM ('{year}-{month:02d}-01 00:00:00+08') TO ('{following[0]}-{following[1]:02d}-01 00:00:00+08')"
        )
        year, month = following
    op.create_index(f'ix_{name}_data_time', name, ['data_time'], unique=False, postgresql_using='brin')


def _revisions_and_rules() -> None:
    op.create_table('measurement_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('cn', sa.String(length=4), nullable=False),
    sa.Column('data_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.SmallInteger(), nullable=False),
    sa.Column('factors', JSON, nullable=False),
    sa.Column('qn', sa.String(length=20), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement_revisions')),
    sa.UniqueConstraint('point_id', 'cn', 'data_time', 'revision', name=op.f('uq_measurement_revisions_point_id'))
    )
    op.create_table('monitoring_rules',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('params', JSON, nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_monitoring_rules'))
    )


def _anomalies() -> None:
    op.create_table('anomaly_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('factor', sa.String(length=20), nullable=False),
    sa.Column('anomaly_type', sa.String(length=20), nullable=False),
    sa.Column('routed_type', sa.String(length=20), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('values', JSON, nullable=False),
    sa.Column('anomaly_count', sa.Integer(), nullable=False),
    sa.Column('cleared_count', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conclusion', sa.String(length=40), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['monitoring_points.id'],
                            name=op.f('fk_anomaly_cases_point_id_monitoring_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anomaly_cases')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_anomaly_cases_instance_id')),
    sa.UniqueConstraint('point_id', 'factor', 'anomaly_type', 'period_start',
                        name=op.f('uq_anomaly_cases_point_id'))
    )
    op.create_index('ix_anomaly_cases_point_created', 'anomaly_cases', ['point_id', 'created_at'], unique=False)
    op.create_table('anomalies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('factor', sa.String(length=20), nullable=False),
    sa.Column('anomaly_type', sa.String(length=20), nullable=False),
    sa.Column('cn', sa.String(length=4), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('values', JSON, nullable=False),
    sa.Column('params', JSON, nullable=False),
    sa.Column('revision', sa.SmallInteger(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['anomaly_cases.id'], name=op.f('fk_anomalies_case_id_anomaly_cases')),
    sa.ForeignKeyConstraint(['point_id'], ['monitoring_points.id'],
                            name=op.f('fk_anomalies_point_id_monitoring_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anomalies')),
    sa.UniqueConstraint('point_id', 'factor', 'anomaly_type', 'period_start', name=op.f('uq_anomalies_point_id'))
    )
    op.create_index('ix_anomalies_case_id', 'anomalies', ['case_id'], unique=False)
    op.create_index('ix_anomalies_point_period', 'anomalies', ['point_id', 'period_start'], unique=False)
    op.create_index(op.f('ix_anomalies_pending'), 'anomalies', ['pending'], unique=False)
    op.create_table('point_downtimes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['anomaly_cases.id'], name=op.f('fk_point_downtimes_case_id_anomaly_cases')),
    sa.ForeignKeyConstraint(['point_id'], ['monitoring_points.id'],
                            name=op.f('fk_point_downtimes_point_id_monitoring_points')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_downtimes')),
    sa.UniqueConstraint('case_id', name=op.f('uq_point_downtimes_case_id'))
    )
    op.create_index(op.f('ix_point_downtimes_point_id'), 'point_downtimes', ['point_id'], unique=False)


def downgrade() -> None:
    for name in ('point_downtimes', 'anomalies', 'anomaly_cases', 'monitoring_rules', 'measurement_revisions',
                 *PARTITIONED, 'point_factors', 'monitoring_points', 'enterprises'):
        op.execute(f'DROP TABLE IF EXISTS {name} CASCADE' if op.get_bind().dialect.name == 'postgresql'
                   else f'DROP TABLE IF EXISTS {name}')

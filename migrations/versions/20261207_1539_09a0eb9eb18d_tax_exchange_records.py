"""tax exchange: batches, typed tax-side records, environment-side records, versions, refusals, supervisory results, sync schedule, alerts

Revision ID: 09a0eb9eb18d
Revises: c4e8a1f2b7d3
Create Date: 2026-12-07 15:39:40
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "09a0eb9eb18d"
down_revision = "c4e8a1f2b7d3"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('exchange_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('raised_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_alerts')),
    sa.UniqueConstraint('kind', 'category', 'subject', name=op.f('uq_exchange_alerts_kind'))
    )
    op.create_table('exchange_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('batch_no', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('corrected', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=100), nullable=False),
    sa.Column('received_at', TZ, nullable=False),
    sa.Column('sent_at', TZ, nullable=True),
    sa.Column('answer', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_batches')),
    sa.UniqueConstraint('direction', 'category', 'batch_no', name=op.f('uq_exchange_batches_direction'))
    )
    with op.batch_alter_table('exchange_batches', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_batches_category_received', ['category', 'received_at'], unique=False)

    op.create_table('exchange_record_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('replaced_by_batch_id', sa.Integer(), nullable=False),
    sa.Column('replaced_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_record_versions'))
    )
    with op.batch_alter_table('exchange_record_versions', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_record_versions_key', ['category', 'record_key', 'version'], unique=False)

    op.create_table('exchange_records',
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_records')),
    sa.UniqueConstraint('direction', 'category', 'record_key', name=op.f('uq_exchange_records_direction'))
    )
    with op.batch_alter_table('exchange_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_records_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_records_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index('ix_exchange_records_pull', ['direction', 'category', 'batch_id', 'id'], unique=False)

    op.create_table('exchange_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_schedules')),
    sa.UniqueConstraint('version', name=op.f('uq_exchange_schedules_version'))
    )
    op.create_table('exchange_tax_payments',
    sa.Column('payment_no', sa.String(length=60), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('return_no', sa.String(length=60), nullable=False),
    sa.Column('tax_period', sa.String(length=7), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_tax_payments')),
    sa.UniqueConstraint('record_key', name='uq_exchange_tax_payments_record_key')
    )
    with op.batch_alter_table('exchange_tax_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_tax_payments_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_tax_payments_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_tax_payments_return_no'), ['return_no'], unique=False)

    op.create_table('exchange_tax_returns',
    sa.Column('return_no', sa.String(length=60), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('source_no', sa.String(length=60), nullable=False),
    sa.Column('outlet_code', sa.String(length=40), nullable=False),
    sa.Column('pollutant_code', sa.String(length=20), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('concentration', sa.Float(), nullable=True),
    sa.Column('concentration_unit', sa.String(length=10), nullable=False),
    sa.Column('emission_kg', sa.Float(), nullable=False),
    sa.Column('equivalents', sa.Float(), nullable=True),
    sa.Column('tax_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('declared_on', sa.Date(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_tax_returns')),
    sa.UniqueConstraint('record_key', name='uq_exchange_tax_returns_record_key')
    )
    with op.batch_alter_table('exchange_tax_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_tax_returns_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_tax_returns_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index('ix_exchange_tax_returns_month', ['month', 'credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_tax_returns_source_no'), ['source_no'], unique=False)

    op.create_table('exchange_tax_sources',
    sa.Column('source_no', sa.String(length=60), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('outlet_code', sa.String(length=40), nullable=False),
    sa.Column('pollutant_kind', sa.String(length=10), nullable=False),
    sa.Column('pollutant_code', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('permit_number', sa.String(length=40), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_tax_sources')),
    sa.UniqueConstraint('record_key', name='uq_exchange_tax_sources_record_key')
    )
    with op.batch_alter_table('exchange_tax_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_tax_sources_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_tax_sources_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index('ix_exchange_tax_sources_outlet', ['credit_code', 'outlet_code'], unique=False)

    op.create_table('exchange_taxpayers',
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('tax_authority', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('updated_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_taxpayers')),
    sa.UniqueConstraint('record_key', name='uq_exchange_taxpayers_record_key')
    )
    with op.batch_alter_table('exchange_taxpayers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_taxpayers_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_taxpayers_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_taxpayers_region_code'), ['region_code'], unique=False)

    op.create_table('supervisory_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_no', sa.String(length=60), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('outlet_code', sa.String(length=40), nullable=False),
    sa.Column('pollutant_code', sa.String(length=20), nullable=False),
    sa.Column('sampled_on', sa.Date(), nullable=False),
    sa.Column('concentration', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('limit', sa.Float(), nullable=True),
    sa.Column('station', sa.String(length=100), nullable=False),
    sa.Column('entered_by', sa.String(length=100), nullable=False),
    sa.Column('entered_at', TZ, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisory_results')),
    sa.UniqueConstraint('report_no', 'outlet_code', 'pollutant_code', name=op.f('uq_supervisory_results_report_no'))
    )
    with op.batch_alter_table('supervisory_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisory_results_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisory_results_sampled_on'), ['sampled_on'], unique=False)

    op.create_table('exchange_refusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=60), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['exchange_batches.id'], name=op.f('fk_exchange_refusals_batch_id_exchange_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_refusals'))
    )
    with op.batch_alter_table('exchange_refusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_refusals_batch_id'), ['batch_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exchange_refusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_refusals_batch_id'))

    op.drop_table('exchange_refusals')
    with op.batch_alter_table('supervisory_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisory_results_sampled_on'))
        batch_op.drop_index(batch_op.f('ix_supervisory_results_credit_code'))

    op.drop_table('supervisory_results')
    with op.batch_alter_table('exchange_taxpayers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_taxpayers_region_code'))
        batch_op.drop_index(batch_op.f('ix_exchange_taxpayers_credit_code'))
        batch_op.drop_index(batch_op.f('ix_exchange_taxpayers_batch_id'))

    op.drop_table('exchange_taxpayers')
    with op.batch_alter_table('exchange_tax_sources', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_tax_sources_outlet')
        batch_op.drop_index(batch_op.f('ix_exchange_tax_sources_credit_code'))
        batch_op.drop_index(batch_op.f('ix_exchange_tax_sources_batch_id'))

    op.drop_table('exchange_tax_sources')
    with op.batch_alter_table('exchange_tax_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_tax_returns_source_no'))
        batch_op.drop_index('ix_exchange_tax_returns_month')
        batch_op.drop_index(batch_op.f('ix_exchange_tax_returns_credit_code'))
        batch_op.drop_index(batch_op.f('ix_exchange_tax_returns_batch_id'))

    op.drop_table('exchange_tax_returns')
    with op.batch_alter_table('exchange_tax_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_tax_payments_return_no'))
        batch_op.drop_index(batch_op.f('ix_exchange_tax_payments_credit_code'))
        batch_op.drop_index(batch_op.f('ix_exchange_tax_payments_batch_id'))

    op.drop_table('exchange_tax_payments')
    op.drop_table('exchange_schedules')
    with op.batch_alter_table('exchange_records', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_records_pull')
        batch_op.drop_index(batch_op.f('ix_exchange_records_credit_code'))
        batch_op.drop_index(batch_op.f('ix_exchange_records_batch_id'))

    op.drop_table('exchange_records')
    with op.batch_alter_table('exchange_record_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_record_versions_key')

    op.drop_table('exchange_record_versions')
    with op.batch_alter_table('exchange_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_batches_category_received')

    op.drop_table('exchange_batches')
    op.drop_table('exchange_alerts')

"""report runs (generated reports with their files); merges the branch heads

Revision ID: a4ec5b4eadac
Revises: edd7873aaace, d8a54d621350, c5589c8dc0d8, b86dd42bf348, a210c816ba92, 3196146a3795
Create Date: 2026-11-26 23:59:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'a4ec5b4eadac'
down_revision = ('edd7873aaace', 'd8a54d621350', 'c5589c8dc0d8', 'b86dd42bf348', 'a210c816ba92', '3196146a3795')
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('scheduled', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('media_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_runs'))
    )
    op.create_index('ix_report_runs_status_requested_at', 'report_runs', ['status', 'requested_at'], unique=False)
    op.create_index('ix_report_runs_region_kind_period', 'report_runs', ['region_code', 'kind', 'period'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_runs_region_kind_period', table_name='report_runs')
    op.drop_index('ix_report_runs_status_requested_at', table_name='report_runs')
    op.drop_table('report_runs')

"""credit ratings, notices, objections, repairs; referrals, tax reviews, emergency-plan filings, support tickets

Revision ID: 3196146a3795
Revises: ad36d3c598a3
Create Date: 2026-11-26 23:55:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '3196146a3795'
down_revision = 'ad36d3c598a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('emergency_plan_filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('plan_name', sa.String(length=200), nullable=False),
    sa.Column('risk_level', sa.String(length=10), nullable=True),
    sa.Column('cross_region', sa.Boolean(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('missing_items', sa.Text(), nullable=False),
    sa.Column('return_rounds', sa.Integer(), nullable=False),
    sa.Column('filing_number', sa.String(length=40), nullable=True),
    sa.Column('filed_by', sa.String(length=100), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan_filings')),
    sa.UniqueConstraint('filing_number', name=op.f('uq_emergency_plan_filings_filing_number')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_emergency_plan_filings_instance_id'))
    )
    op.create_index(op.f('ix_emergency_plan_filings_enterprise_code'), 'emergency_plan_filings', ['enterprise_code'], unique=False)
    op.create_table('enforcement_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference_no', sa.String(length=40), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('anomaly_case_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_code', sa.String(length=18), nullable=True),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('referred_by', sa.String(length=100), nullable=False),
    sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_referrals')),
    sa.UniqueConstraint('reference_no', name=op.f('uq_enforcement_referrals_reference_no'))
    )
    op.create_index(op.f('ix_enforcement_referrals_instance_id'), 'enforcement_referrals', ['instance_id'], unique=False)
    op.create_table('public_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_notices'))
    )
    op.create_index(op.f('ix_public_notices_instance_id'), 'public_notices', ['instance_id'], unique=False)
    op.create_index(op.f('ix_public_notices_kind'), 'public_notices', ['kind'], unique=False)
    op.create_table('support_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_no', sa.String(length=20), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('subsystem', sa.String(length=60), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('reporter', sa.String(length=100), nullable=False),
    sa.Column('contact', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('enterprise_code', sa.String(length=18), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=True),
    sa.Column('handler', sa.String(length=100), nullable=True),
    sa.Column('cause', sa.String(length=30), nullable=True),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('vendor', sa.String(length=100), nullable=True),
    sa.Column('vendor_ref', sa.String(length=60), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('auto_closed', sa.Boolean(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_tickets')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_support_tickets_instance_id')),
    sa.UniqueConstraint('ticket_no', name=op.f('uq_support_tickets_ticket_no'))
    )
    op.create_index(op.f('ix_support_tickets_opened_at'), 'support_tickets', ['opened_at'], unique=False)
    op.create_index(op.f('ix_support_tickets_reporter'), 'support_tickets', ['reporter'], unique=False)
    op.create_index(op.f('ix_support_tickets_subsystem'), 'support_tickets', ['subsystem'], unique=False)
    op.create_table('tax_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_no', sa.String(length=60), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_code', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('tax_period', sa.String(length=7), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('reported', sa.JSON(), nullable=False),
    sa.Column('monitoring_figures', sa.JSON(), nullable=True),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('urged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conclusion', sa.String(length=40), nullable=True),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('reviewed', sa.JSON(), nullable=True),
    sa.Column('answered_by', sa.String(length=100), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_reviews')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_tax_reviews_instance_id')),
    sa.UniqueConstraint('request_no', name=op.f('uq_tax_reviews_request_no'))
    )
    op.create_index(op.f('ix_tax_reviews_due_at'), 'tax_reviews', ['due_at'], unique=False)
    op.create_index(op.f('ix_tax_reviews_enterprise_code'), 'tax_reviews', ['enterprise_code'], unique=False)
    op.create_table('credit_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_code', sa.String(length=18), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assessing_level', sa.String(length=10), nullable=False),
    sa.Column('deciding_level', sa.String(length=10), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['public_notices.id'], name=op.f('fk_credit_ratings_notice_id_public_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_ratings')),
    sa.UniqueConstraint('enterprise_code', 'year', name=op.f('uq_credit_ratings_enterprise_code'))
    )
    op.create_index(op.f('ix_credit_ratings_enterprise_code'), 'credit_ratings', ['enterprise_code'], unique=False)
    op.create_index(op.f('ix_credit_ratings_notice_id'), 'credit_ratings', ['notice_id'], unique=False)
    op.create_table('credit_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_code', sa.String(length=18), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('requested_level', sa.Integer(), nullable=True),
    sa.Column('filed_by', sa.String(length=100), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result_level', sa.Integer(), nullable=True),
    sa.Column('result_note', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['public_notices.id'], name=op.f('fk_credit_objections_notice_id_public_notices')),
    sa.ForeignKeyConstraint(['rating_id'], ['credit_ratings.id'], name=op.f('fk_credit_objections_rating_id_credit_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_objections')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_credit_objections_instance_id'))
    )
    op.create_index(op.f('ix_credit_objections_enterprise_code'), 'credit_objections', ['enterprise_code'], unique=False)
    op.create_index(op.f('ix_credit_objections_rating_id'), 'credit_objections', ['rating_id'], unique=False)
    op.create_table('credit_rating_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.Integer(), nullable=True),
    sa.Column('to_level', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['credit_ratings.id'], name=op.f('fk_credit_rating_changes_rating_id_credit_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_rating_changes'))
    )
    op.create_index(op.f('ix_credit_rating_changes_rating_id'), 'credit_rating_changes', ['rating_id'], unique=False)
    op.create_table('credit_repairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_code', sa.String(length=18), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('from_level', sa.Integer(), nullable=False),
    sa.Column('to_level', sa.Integer(), nullable=False),
    sa.Column('rectification', sa.Text(), nullable=False),
    sa.Column('applied_by', sa.String(length=100), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refused_at_step', sa.String(length=100), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['public_notices.id'], name=op.f('fk_credit_repairs_notice_id_public_notices')),
    sa.ForeignKeyConstraint(['rating_id'], ['credit_ratings.id'], name=op.f('fk_credit_repairs_rating_id_credit_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_repairs')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_credit_repairs_instance_id'))
    )
    op.create_index(op.f('ix_credit_repairs_enterprise_code'), 'credit_repairs', ['enterprise_code'], unique=False)
    op.create_index(op.f('ix_credit_repairs_rating_id'), 'credit_repairs', ['rating_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_credit_repairs_rating_id'), table_name='credit_repairs')
    op.drop_index(op.f('ix_credit_repairs_enterprise_code'), table_name='credit_repairs')
    op.drop_table('credit_repairs')
    op.drop_index(op.f('ix_credit_rating_changes_rating_id'), table_name='credit_rating_changes')
    op.drop_table('credit_rating_changes')
    op.drop_index(op.f('ix_credit_objections_rating_id'), table_name='credit_objections')
    op.drop_index(op.f('ix_credit_objections_enterprise_code'), table_name='credit_objections')
    op.drop_table('credit_objections')
    op.drop_index(op.f('ix_credit_ratings_notice_id'), table_name='credit_ratings')
    op.drop_index(op.f('ix_credit_ratings_enterprise_code'), table_name='credit_ratings')
    op.drop_table('credit_ratings')
    op.drop_index(op.f('ix_tax_reviews_enterprise_code'), table_name='tax_reviews')
    op.drop_index(op.f('ix_tax_reviews_due_at'), table_name='tax_reviews')
    op.drop_table('tax_reviews')
    op.drop_index(op.f('ix_support_tickets_subsystem'), table_name='support_tickets')
    op.drop_index(op.f('ix_support_tickets_reporter'), table_name='support_tickets')
    op.drop_index(op.f('ix_support_tickets_opened_at'), table_name='support_tickets')
    op.drop_table('support_tickets')
    op.drop_index(op.f('ix_public_notices_kind'), table_name='public_notices')
    op.drop_index(op.f('ix_public_notices_instance_id'), table_name='public_notices')
    op.drop_table('public_notices')
    op.drop_index(op.f('ix_enforcement_referrals_instance_id'), table_name='enforcement_referrals')
    op.drop_table('enforcement_referrals')
    op.drop_index(op.f('ix_emergency_plan_filings_enterprise_code'), table_name='emergency_plan_filings')
    op.drop_table('emergency_plan_filings')

"""inspection cases (one per draw assignment: on-site record, conclusion, publication, follow-up) and referrals

Revision ID: e5b8d2a4c917
Revises: c8e1f3a5d720
Create Date: 2026-12-07 16:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = 'e5b8d2a4c917'
down_revision = 'c8e1f3a5d720'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('inspection_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_code', sa.String(length=18), nullable=False),
    sa.Column('unit_name', sa.String(length=420), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('body_region_code', sa.String(length=12), nullable=False),
    sa.Column('object_class', sa.String(length=10), nullable=False),
    sa.Column('campaign', sa.Boolean(), nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('lead_officer_id', sa.Integer(), nullable=False),
    sa.Column('second_officer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('unit_status', sa.String(length=12), nullable=True),
    sa.Column('problem_found', sa.Boolean(), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('inspected_by', sa.String(length=100), nullable=True),
    sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=100), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conclusion', sa.String(length=20), nullable=True),
    sa.Column('correction_deadline', sa.Date(), nullable=True),
    sa.Column('follow_up_mode', sa.String(length=30), nullable=True),
    sa.Column('review_opinion', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=100), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('publish_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by', sa.String(length=100), nullable=True),
    sa.Column('public_summary', sa.Text(), nullable=False),
    sa.Column('rectification', sa.Text(), nullable=False),
    sa.Column('follow_up_result', sa.String(length=20), nullable=True),
    sa.Column('follow_up_findings', sa.Text(), nullable=False),
    sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['inspection_draw_assignments.id'], name=op.f('fk_inspection_cases_assignment_id_inspection_draw_assignments')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_inspection_cases_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['lead_officer_id'], ['inspection_officers.id'], name=op.f('fk_inspection_cases_lead_officer_id_inspection_officers')),
    sa.ForeignKeyConstraint(['object_id'], ['inspection_objects.id'], name=op.f('fk_inspection_cases_object_id_inspection_objects')),
    sa.ForeignKeyConstraint(['plan_id'], ['inspection_plans.id'], name=op.f('fk_inspection_cases_plan_id_inspection_plans')),
    sa.ForeignKeyConstraint(['second_officer_id'], ['inspection_officers.id'], name=op.f('fk_inspection_cases_second_officer_id_inspection_officers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_cases')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_inspection_cases_assignment_id')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_inspection_cases_instance_id'))
    )
    with op.batch_alter_table('inspection_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_cases_conclusion'), ['conclusion'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_cases_enterprise_code'), ['enterprise_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_cases_object_id'), ['object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_cases_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('ix_inspection_cases_published', ['published_at'], unique=False)
        batch_op.create_index('ix_inspection_cases_region_status', ['region_code', 'status'], unique=False)

    op.create_table('inspection_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('referred_to', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('referred_by', sa.String(length=100), nullable=False),
    sa.Column('referred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['inspection_cases.id'], name=op.f('fk_inspection_referrals_case_id_inspection_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_referrals')),
    sa.UniqueConstraint('case_id', name=op.f('uq_inspection_referrals_case_id')),
    sa.UniqueConstraint('number', name=op.f('uq_inspection_referrals_number'))
    )


def downgrade() -> None:
    op.drop_table('inspection_referrals')
    with op.batch_alter_table('inspection_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_inspection_cases_region_status')
        batch_op.drop_index('ix_inspection_cases_published')
        batch_op.drop_index(batch_op.f('ix_inspection_cases_plan_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_cases_object_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_cases_enterprise_code'))
        batch_op.drop_index(batch_op.f('ix_inspection_cases_conclusion'))

    op.drop_table('inspection_cases')
    

"""user preferences: the interface language a person chose and the name they go by, kept across log-ins

Revision ID: 3f6a2d8c1b94
Revises: 5c1d7e9a2b40
Create Date: 2026-12-07 13:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3f6a2d8c1b94"
down_revision = "5c1d7e9a2b40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_preferences",
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_user_preferences")),
    )


def downgrade() -> None:
    op.drop_table("user_preferences")

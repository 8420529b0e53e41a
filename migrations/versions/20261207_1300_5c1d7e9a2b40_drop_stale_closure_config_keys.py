"""drop the stale anomaly_closure configuration keys explain_deadline and review_deadline

The closure counts its deadlines in working days (``explain_workdays``, ``review_workdays``);
the two calendar durations of an older design were kept "for readers" but nothing reads
them. They leave the shipped defaults and the schema, so stored versions that still carry
them would be refused as unknown keys at the next change: they are dropped here too.

Revision ID: 5c1d7e9a2b40
Revises: d81f3a6c2e47
Create Date: 2026-12-07 13:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5c1d7e9a2b40"
down_revision = "d81f3a6c2e47"
branch_labels = None
depends_on = None

STALE = ("explain_deadline", "review_deadline")

configs = sa.table("process_configs", sa.column("id", sa.Integer), sa.column("process_key", sa.String),
                   sa.column("values", sa.JSON))


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(configs.c.id, configs.c["values"])
                              .where(configs.c.process_key == "anomaly_closure")).all()
    for row_id, values in rows:
        if isinstance(values, dict) and any(key in values for key in STALE):
            kept = {key: value for key, value in values.items() if key not in STALE}
            connection.execute(configs.update().where(configs.c.id == row_id).values({"values": kept}))


def downgrade() -> None:
    """Nothing to restore: the dropped values were never read."""

"""traceability: labels.pin_checked_at, when a label's scratch PIN was first checked right

Revision ID: 0330_label_pin_checked
Revises: 0320_label_run_gtin
Create Date: 2026-12-03 00:25:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0330_label_pin_checked'
down_revision = '0320_label_run_gtin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_checked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.drop_column('pin_checked_at')

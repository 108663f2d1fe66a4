"""traceability: label_runs.gtin, the GTIN a run's labels were printed with (they keep resolving under it)

Revision ID: 0320_label_run_gtin
Revises: 0310_scan_devices
Create Date: 2026-12-03 00:20:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0320_label_run_gtin'
down_revision = '0310_scan_devices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('label_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gtin', sa.String(length=14), nullable=True))
        batch_op.create_index(batch_op.f('ix_label_runs_gtin'), ['gtin'], unique=False)
    # runs printed so far carried their product's GTIN of today
    op.execute(
        "UPDATE label_runs SET gtin = (SELECT products.gtin FROM batches JOIN products ON products.id = batches.product_id "
        "WHERE batches.id = label_runs.batch_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table('label_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_label_runs_gtin'))
        batch_op.drop_column('gtin')

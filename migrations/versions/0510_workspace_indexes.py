"""workspace: covering indexes for the dashboard's aggregates over orders and scans

Revision ID: 0510_workspace_indexes
Revises: 0500_workspace
Create Date: 2026-11-29 15:10:00+00:00
"""

from __future__ import annotations

from alembic import op


revision = '0510_workspace_indexes'
down_revision = '0500_workspace'
branch_labels = None
depends_on = ('0200_orders', '0300_traceability')


def upgrade() -> None:
    op.create_index(
        'ix_orders_cooperative_created_at',
        'orders',
        ['cooperative_id', 'created_at', 'status', 'subtotal_vnd'],
        unique=False,
    )
    op.create_index(
        'ix_scans_cooperative_scanned_at', 'scans', ['cooperative_id', 'scanned_at', 'product_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_scans_cooperative_scanned_at', table_name='scans')
    op.drop_index('ix_orders_cooperative_created_at', table_name='orders')

"""orders: order_lines.returned_qty, the units of a line the cooperative took back into stock after shipping

Revision ID: 0230_order_returns
Revises: 0210_payment_gateways
Create Date: 2026-12-03 04:00:00+00:00

Goods that left the cooperative (shipped, delivered) come back into stock only when the seller records a return,
line by line; `returned_qty` counts them so each unit comes back once (0 ≤ returned_qty ≤ quantity).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0230_order_returns'
down_revision = '0210_payment_gateways'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_qty', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            'returned_within_quantity', 'returned_qty >= 0 AND returned_qty <= quantity'
        )


def downgrade() -> None:
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_lines_returned_within_quantity'), type_='check')
        batch_op.drop_column('returned_qty')

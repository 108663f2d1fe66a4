"""catalog: products.version, the version of what a reviewer sees (an approval names it)

Revision ID: 0120_product_version
Revises: 0110_search_facet_indexes
Create Date: 2026-12-03 00:05:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0120_product_version'
down_revision = '0110_search_facet_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('version')

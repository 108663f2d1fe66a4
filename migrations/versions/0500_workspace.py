"""workspace site settings

Revision ID: 0500_workspace
Revises: 0002
Create Date: 2026-11-25 06:22:21.026916+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0500_workspace'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('site_settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_site_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings'))
    )


def downgrade() -> None:
    op.drop_table('site_settings')

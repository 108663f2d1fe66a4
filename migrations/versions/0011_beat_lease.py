"""beat lease: the one Celery beat of a site holds a renewed lease row (when Redis is not configured)

Revision ID: 0011_beat_lease
Revises: 0004_sellers
Create Date: 2026-12-03 04:30:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_beat_lease'
down_revision = '0004_sellers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('beat_leases',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_beat_leases'))
    )


def downgrade() -> None:
    op.drop_table('beat_leases')

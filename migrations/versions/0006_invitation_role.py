"""invitation role: an invitation makes its invitee a member (staff) or, when commune staff onboard a seller, its owner

Revision ID: 0006_invitation_role
Revises: 0004_sellers
Create Date: 2026-12-03 04:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006_invitation_role'
down_revision = '0004_sellers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=32), server_default='staff', nullable=False))
        batch_op.create_check_constraint('invitation_role', sa.text("role IN ('owner', 'staff')"))


def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invitations_invitation_role'), type_='check')
        batch_op.drop_column('role')

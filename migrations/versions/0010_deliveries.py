"""notices: the delivery log (one row per message per channel, unique key) and each person's chosen channel

`users.notify_channel` is the channel a person picked (`zalo`, `sms`, `email`, `in_app`; empty: chosen by what they
have); `users.zalo_ok` is whether their phone is on Zalo (empty: not known yet).

Revision ID: 0010_deliveries
Revises: 0004_sellers
Create Date: 2026-12-03 04:15:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_deliveries'
down_revision = '0004_sellers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column(
            'status',
            sa.Enum(
                'queued',
                'sent',
                'failed',
                name='delivery_status',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('provider_id', sa.String(length=120), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('cost_vnd', sa.BigInteger(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_deliveries_user_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
        sa.UniqueConstraint('key', name=op.f('uq_deliveries_key')),
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_deliveries_channel', ['channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_channel', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('zalo_ok', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('zalo_ok')
        batch_op.drop_column('notify_channel')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_user_id'))
        batch_op.drop_index('ix_deliveries_channel')
        batch_op.drop_index('ix_deliveries_created_at')
    op.drop_table('deliveries')

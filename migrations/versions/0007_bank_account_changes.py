"""sellers: requested bank-account changes wait for the commune (bank_account_changes); each seller may hold its own
key for bank notifications (stored as its sha256)

Revision ID: 0007_bank_account_changes
Revises: 0004_sellers
Create Date: 2026-12-03 04:00:00+00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_bank_account_changes'
down_revision = '0004_sellers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'bank_account_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('before_bin', sa.String(length=6), nullable=True),
        sa.Column('before_account_no', sa.String(length=19), nullable=True),
        sa.Column('before_holder', sa.String(length=120), nullable=True),
        sa.Column('after_bin', sa.String(length=6), nullable=False),
        sa.Column('after_account_no', sa.String(length=19), nullable=False),
        sa.Column('after_holder', sa.String(length=120), nullable=False),
        sa.Column(
            'status',
            sa.Enum(
                'pending',
                'verified',
                'rejected',
                name='bank_change_status',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['cooperative_id'],
            ['cooperatives.id'],
            name=op.f('fk_bank_account_changes_cooperative_id_cooperatives'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['requested_by_id'], ['users.id'], name=op.f('fk_bank_account_changes_requested_by_id_users')
        ),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_bank_account_changes_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_account_changes')),
    )
    with op.batch_alter_table('bank_account_changes', schema=None) as batch_op:
        batch_op.create_index('ix_bank_account_changes_cooperative_status', ['cooperative_id', 'status'], unique=False)
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_webhook_key_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('bank_webhook_key_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_cooperatives_bank_webhook_key_hash'), ['bank_webhook_key_hash']
        )


def downgrade() -> None:
    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cooperatives_bank_webhook_key_hash'), type_='unique')
        batch_op.drop_column('bank_webhook_key_at')
        batch_op.drop_column('bank_webhook_key_hash')
    with op.batch_alter_table('bank_account_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_account_changes_cooperative_status')
    op.drop_table('bank_account_changes')

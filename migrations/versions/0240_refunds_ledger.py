"""orders: refunds (whole or partial, through Stripe or recorded by the seller) and payouts of card money

Revision ID: 0240_refunds_ledger
Revises: 0210_payment_gateways
Create Date: 2026-12-03 04:00:00+00:00

`refunds` holds every refund of an order (Stripe's `re_…` id or the bank reference the seller typed, unique per
gateway; one submitted form once per order by its idempotency key). `payouts` holds what the platform paid each
cooperative out of the card money in its Stripe account; the ledger (orders/ledger.py) is derived from payments,
refunds and payouts, so there is no stored balance to migrate.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0240_refunds_ledger'
down_revision = '0210_payment_gateways'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'refunds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
        sa.Column('gateway', sa.String(length=20), nullable=False),
        sa.Column(
            'method',
            sa.Enum(
                'stripe', 'bank_transfer', 'cash', name='refund_method', native_enum=False, create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('provider_reference', sa.String(length=100), nullable=True),
        sa.Column(
            'status',
            sa.Enum(
                'pending', 'succeeded', 'failed', name='refund_status', native_enum=False, create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('idempotency_key', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_refunds_amount_positive')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_refunds_actor_id_users')),
        sa.ForeignKeyConstraint(
            ['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
        sa.UniqueConstraint('gateway', 'provider_reference', name='uq_refunds_gateway_reference'),
        sa.UniqueConstraint('order_id', 'idempotency_key', name='uq_refunds_order_key'),
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)

    op.create_table(
        'payouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
        sa.Column('bank_reference', sa.String(length=100), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount_vnd > 0', name=op.f('ck_payouts_amount_positive')),
        sa.ForeignKeyConstraint(
            ['cooperative_id'], ['cooperatives.id'], name=op.f('fk_payouts_cooperative_id_cooperatives')
        ),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payouts_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
        sa.UniqueConstraint('cooperative_id', 'bank_reference', name='uq_payouts_cooperative_reference'),
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payouts_cooperative_id'), ['cooperative_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payouts_cooperative_id'))
    op.drop_table('payouts')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_order_id'))
    op.drop_table('refunds')

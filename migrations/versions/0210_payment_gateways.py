"""orders: payment methods are gateway ids (plain strings), provider references move to payment_attempts

Revision ID: 0210_payment_gateways
Revises: 0200_orders
Create Date: 2026-12-03 09:00:00+00:00

`checkouts.payment_method` and `orders.payment_method` lose their CHECK (… IN ('vietqr', 'stripe', 'cod')):
the gateways are plug-ins (orders/payments/), validated by the checkout service, so a new gateway needs no
migration. They were never native enum types (`native_enum=False`), so there is no type to drop.
`orders.stripe_payment_intent_id` / `stripe_client_secret` become `payment_attempts` rows (gateway `stripe`),
`succeeded` when a Stripe payment with that intent id was recorded, else `started`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0210_payment_gateways'
down_revision = '0200_orders'
branch_labels = None
depends_on = None

OLD_METHODS = ('vietqr', 'stripe', 'cod')


def _refuse_cascading_table_copy() -> None:
    """SQLite rebuilds `orders` by copy, drop and rename; with foreign keys on, the drop would cascade to its lines."""
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql('PRAGMA foreign_keys').scalar():
        raise RuntimeError('run this migration with PRAGMA foreign_keys=OFF (as migrations/env.py does)')


def upgrade() -> None:
    _refuse_cascading_table_copy()
    op.create_table(
        'payment_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('gateway', sa.String(length=20), nullable=False),
        sa.Column('provider_reference', sa.String(length=100), nullable=False),
        sa.Column('client_secret', sa.String(length=200), nullable=True),
        sa.Column('redirect_url', sa.String(length=1000), nullable=True),
        sa.Column(
            'status',
            sa.Enum(
                'started',
                'succeeded',
                'failed',
                name='payment_attempt_status',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['order_id'], ['orders.id'], name=op.f('fk_payment_attempts_order_id_orders'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempts')),
        sa.UniqueConstraint('gateway', 'provider_reference', name='uq_payment_attempts_gateway_reference'),
    )
    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_attempts_order_id'), ['order_id'], unique=False)

    op.execute(
        """
        INSERT INTO payment_attempts
            (order_id, gateway, provider_reference, client_secret, redirect_url, status, created_at, updated_at)
        SELECT o.id, 'stripe', o.stripe_payment_intent_id, o.stripe_client_secret, NULL,
               CASE WHEN EXISTS (
                   SELECT 1 FROM payments p
                   WHERE p.gateway = 'stripe' AND p.provider_reference = o.stripe_payment_intent_id
               ) THEN 'succeeded' ELSE 'started' END,
               o.created_at, o.updated_at
        FROM orders o
        WHERE o.stripe_payment_intent_id IS NOT NULL
        ORDER BY o.id
        """
    )

    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_checkouts_payment_method'), type_='check')
        batch_op.alter_column(
            'payment_method', existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=False
        )

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_orders_order_payment_method'), type_='check')
        batch_op.drop_constraint(op.f('uq_orders_stripe_payment_intent_id'), type_='unique')
        batch_op.drop_column('stripe_payment_intent_id')
        batch_op.drop_column('stripe_client_secret')
        batch_op.alter_column(
            'payment_method', existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=False
        )


def downgrade() -> None:
    """Back to the three fixed methods; fails on orders paid by a gateway added since (their rows would not fit)."""
    _refuse_cascading_table_copy()
    allowed = ', '.join(f"'{method}'" for method in OLD_METHODS)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column(
            'payment_method', existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=False
        )
        batch_op.add_column(sa.Column('stripe_payment_intent_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('stripe_client_secret', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_orders_stripe_payment_intent_id'), ['stripe_payment_intent_id'])
        batch_op.create_check_constraint('order_payment_method', sa.text(f'payment_method IN ({allowed})'))

    op.execute(
        """
        UPDATE orders SET
            stripe_payment_intent_id = (
                SELECT a.provider_reference FROM payment_attempts a
                WHERE a.order_id = orders.id AND a.gateway = 'stripe' ORDER BY a.id DESC LIMIT 1
            ),
            stripe_client_secret = (
                SELECT a.client_secret FROM payment_attempts a
                WHERE a.order_id = orders.id AND a.gateway = 'stripe' ORDER BY a.id DESC LIMIT 1
            )
        WHERE EXISTS (SELECT 1 FROM payment_attempts a WHERE a.order_id = orders.id AND a.gateway = 'stripe')
        """
    )

    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.alter_column(
            'payment_method', existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=False
        )
        batch_op.create_check_constraint('payment_method', sa.text(f'payment_method IN ({allowed})'))

    with op.batch_alter_table('payment_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_attempts_order_id'))
    op.drop_table('payment_attempts')

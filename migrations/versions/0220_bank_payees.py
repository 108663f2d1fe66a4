"""orders: each VietQR order keeps its payee (BIN, account number, holder); each payment remembers the seller whose
account (or notification key) received it

Revision ID: 0220_bank_payees
Revises: 0210_payment_gateways
Create Date: 2026-12-03 04:00:00+00:00

Old VietQR orders take their cooperative's current account as payee (the one their QR showed so far).
Old payments take the seller of their order; an unmatched one takes the verified seller whose account it names.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0220_bank_payees'
down_revision = '0210_payment_gateways'
branch_labels = None
depends_on = None


def _refuse_cascading_table_copy() -> None:
    """SQLite may rebuild a table by copy, drop and rename; with foreign keys on, the drop could cascade."""
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite' and bind.exec_driver_sql('PRAGMA foreign_keys').scalar():
        raise RuntimeError('run this migration with PRAGMA foreign_keys=OFF (as migrations/env.py does)')


def upgrade() -> None:
    _refuse_cascading_table_copy()
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_bin', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('payee_account_no', sa.String(length=19), nullable=True))
        batch_op.add_column(sa.Column('payee_account_name', sa.String(length=120), nullable=True))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cooperative_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payments_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_payments_cooperative_id_cooperatives'), 'cooperatives', ['cooperative_id'], ['id']
        )
    op.execute(
        """
        UPDATE orders SET
            payee_bin = (SELECT c.bank_bin FROM cooperatives c WHERE c.id = orders.cooperative_id),
            payee_account_no = (SELECT c.account_no FROM cooperatives c WHERE c.id = orders.cooperative_id),
            payee_account_name = (SELECT c.account_holder FROM cooperatives c WHERE c.id = orders.cooperative_id)
        WHERE payment_method = 'vietqr'
        """
    )
    op.execute(
        """
        UPDATE payments SET cooperative_id = (SELECT o.cooperative_id FROM orders o WHERE o.id = payments.order_id)
        WHERE order_id IS NOT NULL
        """
    )
    # this branch may run before or after 0004_sellers (status replaces the verified flag there)
    columns = {column['name'] for column in sa.inspect(op.get_bind()).get_columns('cooperatives')}
    verified = "c.status = 'verified'" if 'status' in columns else 'c.verified = TRUE'
    op.execute(
        f"""
        UPDATE payments SET cooperative_id = (
            SELECT MIN(c.id) FROM cooperatives c WHERE c.account_no = payments.account_no AND {verified}
        )
        WHERE order_id IS NULL AND account_no IS NOT NULL AND gateway = 'vietqr'
        """
    )


def downgrade() -> None:
    _refuse_cascading_table_copy()
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_cooperative_id_cooperatives'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payments_cooperative_id'))
        batch_op.drop_column('cooperative_id')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('payee_account_name')
        batch_op.drop_column('payee_account_no')
        batch_op.drop_column('payee_bin')
